/*
Copyright 2026 &Money.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"maps"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	scimfilter "github.com/scim2/filter-parser/v2"

	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/patch"
)

// memHandler is the library limit: elimity-com/scim with the cheapest handler that still behaves like a
// store, a mutex-guarded map with a userName index, so that its figures are elimity's own cost. Its
// resources carry what the endpoint's do (meta.created and meta.lastModified, a location below the
// server's base URL), so that both render responses of the same size.
type memHandler struct {
	mu     sync.RWMutex
	byID   map[string]scim.ResourceAttributes
	byName map[string]string
	meta   map[string]scim.Meta
}

// resource is a stored user as the handler returns it.
func (h *memHandler) resource(id string) scim.Resource {
	return scim.Resource{ID: id, Attributes: h.byID[id], Meta: h.meta[id]}
}

// touch records a write of id now.
func (h *memHandler) touch(id string) {
	now := time.Now()
	m := h.meta[id]
	if m.Created == nil {
		m.Created = &now
	}
	m.LastModified = &now
	h.meta[id] = m
}

// newMemServer serves the library limit below base, the URL the client reaches it at.
func newMemServer(base string) (http.Handler, error) {
	h := &memHandler{byID: map[string]scim.ResourceAttributes{}, byName: map[string]string{}, meta: map[string]scim.Meta{}}
	s, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{MaxResults: 200, SupportFiltering: true, SupportPatch: true},
		ResourceTypes: []scim.ResourceType{{
			ID: optional.NewString("User"), Name: "User", Endpoint: "/Users",
			Schema: schema.CoreUserSchema(), Handler: h,
		}},
	}, scim.WithBaseURL(base))
	if err != nil {
		return nil, err
	}
	return http.StripPrefix("/advisors/scim", normalizePatches(s)), nil
}

// normalizePatches gives the library limit the endpoint's PATCH normalisation (for Entra's string-valued
// active), instead of elimity's process-wide string-values switch, which would reach the endpoint too.
func normalizePatches(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, "unreadable body", http.StatusBadRequest)
				return
			}
			body, _ = patch.Normalize(body, model.AdvisorKind)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		}
		next.ServeHTTP(w, r)
	})
}

// memID is a random id shaped like the endpoint's (a UUID), so that both send ids of one length.
func memID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (h *memHandler) Create(_ *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	name, _ := attrs["userName"].(string)
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.byName[strings.ToLower(name)]; ok {
		return scim.Resource{}, scimerrors.ScimErrorUniqueness
	}
	id := memID()
	h.byID[id] = attrs
	h.byName[strings.ToLower(name)] = id
	h.touch(id)
	return h.resource(id), nil
}

func (h *memHandler) Get(_ *http.Request, id string) (scim.Resource, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if _, ok := h.byID[id]; !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	return h.resource(id), nil
}

// GetAll answers userName eq from the index and scans otherwise, as a careful in-memory store would.
func (h *memHandler) GetAll(_ *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var ids []string
	if params.FilterValidator != nil {
		if e, ok := params.FilterValidator.GetFilter().(*scimfilter.AttributeExpression); ok &&
			strings.EqualFold(e.AttributePath.AttributeName, "userName") && e.Operator == scimfilter.EQ {
			if v, ok := e.CompareValue.(string); ok {
				if id, ok := h.byName[strings.ToLower(v)]; ok {
					ids = []string{id}
				}
			}
		}
	} else {
		for id := range h.byID {
			ids = append(ids, id)
		}
		sort.Strings(ids)
	}
	page := scim.Page{TotalResults: len(ids), Resources: []scim.Resource{}}
	for _, id := range ids {
		page.Resources = append(page.Resources, h.resource(id))
	}
	return page, nil
}

func (h *memHandler) Replace(_ *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.byID[id]; !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	h.byID[id] = attrs
	h.touch(id)
	return h.resource(id), nil
}

func (h *memHandler) Delete(_ *http.Request, id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.byID, id)
	delete(h.meta, id)
	return nil
}

// Patch applies only path-ful replaces of top-level attributes: enough for the benchmark's PATCHes.
func (h *memHandler) Patch(_ *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	attrs, ok := h.byID[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	next := make(scim.ResourceAttributes, len(attrs))
	maps.Copy(next, attrs)
	for _, op := range ops {
		if op.Path != nil && op.Path.ValueExpression == nil && op.Path.AttributePath.SubAttribute == nil {
			next[op.Path.AttributePath.AttributeName] = op.Value
		}
	}
	h.byID[id] = next
	h.touch(id)
	return h.resource(id), nil
}
