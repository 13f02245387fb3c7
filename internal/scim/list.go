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

package scim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	elimityfilter "github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/schema"
	scimfilter "github.com/scim2/filter-parser/v2"

	"github.com/andmoney/scim-operator/internal/scim/filter"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// listRequest is a parsed GET /Users: what userHandler.list lists.
type listRequest struct {
	app store.App
	// filter is nil for every record.
	filter scimfilter.Expression
	// startIndex is 1-based; count is the most resources to return.
	startIndex, count int
}

// The list endpoint is one of the places the server goes around elimity-com/scim (with serveGet and
// serveWrite), which would (a) parse every filter with its general parser before the handler runs, while
// Entra's match lookups take the much cheaper filter.ParseFast, and (b) report the requested count as itemsPerPage, where RFC 7644 §3.4.2
// wants the number returned. serveList keeps elimity's rules for the parameters and the shape of its
// response: ParseFast accepts only filters the general parser accepts and means the same by them, and
// errors are elimity's own; resources are rendered as by serveGet (renderUser), and projected when the
// request asks for it (proj, RFC 7644 §3.9).
func (s *Server) serveList(w http.ResponseWriter, r *http.Request, app store.App, base string, proj projection) {
	w.Header().Set("Content-Type", "application/scim+json")
	req, scimErr := parseListRequest(r.URL.Query(), s.filterSchemas[app.Kind.Kind], s.opts.MaxResults)
	if scimErr != nil {
		writeError(w, *scimErr)
		return
	}
	req.app = app
	page, err := userHandler{kind: app.Kind, store: s.store}.list(r, req)
	if err != nil {
		writeError(w, checkError(err, http.MethodGet))
		return
	}
	var body []byte
	if proj.active() {
		body, err = renderProjectedList(app, page, req.startIndex, base, proj)
	} else {
		resources := make([]userResource, len(page.records))
		for i, rec := range page.records {
			resources[i] = renderUser(app.Kind, rec, base)
		}
		body, err = json.Marshal(listResponse[userResource]{
			Resources:    resources,
			ItemsPerPage: len(resources),
			Schemas:      listSchemas,
			StartIndex:   req.startIndex,
			TotalResults: page.total,
		})
	}
	if err != nil {
		writeError(w, scimerrors.ScimErrorInternal)
		return
	}
	_, _ = w.Write(body)
}

// renderProjectedList is the body of a list whose resources are projected (RFC 7644 §3.9): each is
// rendered as without a projection, then projected. Only the resources change, not the envelope.
func renderProjectedList(app store.App, page recordPage, startIndex int, base string, proj projection) ([]byte, error) {
	resources := make([]json.RawMessage, len(page.records))
	for i, rec := range page.records {
		var err error
		if resources[i], err = renderProjectedUser(app.Kind, rec, base, proj); err != nil {
			return nil, err
		}
	}
	return json.Marshal(listResponse[json.RawMessage]{
		Resources:    resources,
		ItemsPerPage: len(resources),
		Schemas:      listSchemas,
		StartIndex:   startIndex,
		TotalResults: page.total,
	})
}

// listResponse is a ListResponse as elimity renders it (from a map: keys in sorted order). Resources are
// typed userResources by default, or projected JSON (renderProjectedList).
type listResponse[R any] struct {
	Resources    []R      `json:"Resources"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Schemas      []string `json:"schemas"`
	StartIndex   int      `json:"startIndex"`
	TotalResults int      `json:"totalResults"`
}

var listSchemas = []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}

// parseListRequest reads count, startIndex and filter as elimity does: count defaults to and is capped at
// maxResults, a negative count is 0, a startIndex below 1 is 1, a non-integer is a 400 invalidValue naming
// the parameter, and the first filter parameter is the filter, validated against the schema.
func parseListRequest(q url.Values, filterSchema schema.Schema, maxResults int) (listRequest, *scimerrors.ScimError) {
	req := listRequest{startIndex: 1, count: maxResults}
	var bad []string
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			bad = append(bad, "count")
		}
		req.count = min(max(n, 0), maxResults)
	}
	if v := q.Get("startIndex"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			bad = append(bad, "startIndex")
		}
		req.startIndex = max(n, 1)
	}
	if len(bad) > 0 {
		e := scimerrors.ScimErrorBadParams(bad)
		return listRequest{}, &e
	}
	raw := strings.TrimSpace(q.Get("filter"))
	if raw == "" {
		return req, nil
	}
	if e, ok := filter.ParseFast(raw); ok {
		req.filter = e
		return req, nil
	}
	v, err := elimityfilter.NewValidator(raw, filterSchema)
	if err == nil {
		err = v.Validate()
	}
	if err != nil {
		e := scimerrors.ScimErrorInvalidFilter
		return listRequest{}, &e
	}
	req.filter = v.GetFilter()
	return req, nil
}

// withCommonAttributes is a schema as elimity validates filters against it: with id, externalId and meta.
func withCommonAttributes(s schema.Schema) schema.Schema {
	attrs := make([]schema.CoreAttribute, len(s.Attributes), len(s.Attributes)+len(schema.CommonAttributes()))
	copy(attrs, s.Attributes)
	s.Attributes = append(attrs, schema.CommonAttributes()...)
	return s
}
