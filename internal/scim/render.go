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
	"time"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"

	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// userResource is a User as elimity-com/scim renders a single resource, field for field and in the same
// order: elimity marshals a map, whose keys encoding/json sorts, so these fields are in that order. A
// struct is marshalled without building and sorting a map per response, which is most of what a read
// costs once the record is found. TestRenderedLikeElimity holds the two renderings equal byte for byte.
type userResource struct {
	Active      bool          `json:"active"`
	Addresses   []workAddress `json:"addresses,omitempty"`
	DisplayName string        `json:"displayName,omitempty"`
	ExternalID  string        `json:"externalId,omitempty"`
	ID          string        `json:"id"`
	Meta        resourceMeta  `json:"meta"`
	Name        *personName   `json:"name,omitempty"`
	Schemas     []string      `json:"schemas"`
	UserName    string        `json:"userName"`
}

type workAddress struct {
	Formatted string `json:"formatted"`
	Type      string `json:"type"`
}

type personName struct {
	FamilyName string `json:"familyName,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
}

// resourceMeta is the meta attribute, as elimity renders it.
type resourceMeta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Location     string `json:"location"`
}

var userSchemas = []string{schema.UserSchema}

// renderUser renders a record of a kind, with its location below base.
func renderUser(kind *model.KindSpec, rec store.Record, base string) userResource {
	u := rec.User
	out := userResource{
		Active:      u.Active,
		DisplayName: u.DisplayName,
		ExternalID:  u.ExternalID,
		ID:          rec.ID,
		Meta: resourceMeta{ResourceType: "User", Location: resourceLocation(base, rec.ID),
			Created: rec.Created.Format(time.RFC3339), LastModified: rec.LastModified.Format(time.RFC3339)},
		Schemas:  userSchemas,
		UserName: u.UserName,
	}
	if u.WorkAddress != "" {
		out.Addresses = []workAddress{{Formatted: u.WorkAddress, Type: model.WorkType}}
	}
	if kind.HasName && (u.GivenName != "" || u.FamilyName != "") {
		out.Name = &personName{FamilyName: u.FamilyName, GivenName: u.GivenName}
	}
	return out
}

// resourceLocation is a User's URL below the endpoint's base, as elimity builds meta.location.
func resourceLocation(base, id string) string {
	rel := "Users/" + url.PathEscape(id)
	u, err := url.Parse(base)
	if base == "" || err != nil {
		return rel
	}
	u.Path = u.Path + "/" + rel
	return u.String()
}

// serveGet answers GET /Users/{id} itself, one of the detours around elimity-com/scim (with serveWrite,
// servePatch and serveList): it is Entra's and any reader's most frequent request, and elimity would render the record
// through a generic map. Status, headers, body and errors are elimity's; the body is projected when the
// request asks for it (proj, RFC 7644 §3.9), which elimity does not do.
func (s *Server) serveGet(w http.ResponseWriter, r *http.Request, app store.App, base, id string, proj projection) {
	w.Header().Set("Content-Type", "application/scim+json")
	rec, err := s.store.Get(r.Context(), app, id)
	if err != nil {
		writeError(w, checkError(userHandler{kind: app.Kind, store: s.store}.fail(r, id, err), http.MethodGet))
		return
	}
	body, err := renderBody(app.Kind, rec, base, proj)
	if err != nil {
		writeError(w, scimerrors.ScimErrorInternal)
		return
	}
	_, _ = w.Write(body)
}

// renderBody is a record's resource as the body of the answer to a request for one record: rendered by
// renderUser, and projected when the request asks for it.
func renderBody(kind *model.KindSpec, rec store.Record, base string, proj projection) ([]byte, error) {
	if proj.active() {
		return renderProjectedUser(kind, rec, base, proj)
	}
	return json.Marshal(renderUser(kind, rec, base))
}

// renderProjectedUser is a record's resource, projected: rendered as by renderUser, then cut down by the
// same step as every other projected response (projection.applyJSON), so that a projection can only
// remove from what the default representation holds.
func renderProjectedUser(kind *model.KindSpec, rec store.Record, base string, proj projection) ([]byte, error) {
	full, err := json.Marshal(renderUser(kind, rec, base))
	if err != nil {
		return nil, err
	}
	return proj.applyJSON(full)
}
