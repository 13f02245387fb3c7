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
	"net/http"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"

	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/patch"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// bodySchema is the schema a POST or PUT body is validated against: the kind's User schema and
// externalId, the one common attribute a client may write. elimity-com/scim validates against the same
// schema, but builds it again for every request.
func bodySchema(kind *model.KindSpec) schema.Schema {
	s := userSchema(kind)
	s.Attributes = append(s.Attributes, schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
		CaseExact: true, Mutability: schema.AttributeMutabilityReadWrite(),
		Name: schema.CommonAttributeExternalID, Uniqueness: schema.AttributeUniquenessNone(),
	})))
	return s
}

// acceptResource turns the body of a POST or PUT into the User it asks for, by the steps elimity-com/scim
// takes, with the body decoded once: decoded and normalised (patch.DecodeResource: what the kind does not
// store is left out and returned as ignored), validated against the kind's body schema (against), read
// into a User. A body that is not one JSON object is a 400 invalidSyntax; a value the schema or the record
// refuses is a 400 invalidValue (or elimity's scimType for it).
func acceptResource(kind *model.KindSpec, against schema.Schema, body []byte) (model.User, []string, error) {
	res, ignored, err := patch.DecodeResource(body, kind)
	if err != nil {
		return model.User{}, nil, scimerrors.ScimErrorInvalidSyntax
	}
	attrs, scimErr := against.Validate(res)
	if scimErr != nil {
		return model.User{}, ignored, *scimErr
	}
	u, err := model.FromAttributes(kind, attrs)
	return u, ignored, err
}

// serveWrite answers POST /Users (id "") and PUT /Users/{id} itself, one of the detours around
// elimity-com/scim (with servePatch, serveGet and serveList): a create is half of Entra's create cycle, and elimity
// would decode the body a second time, build the schema again and render the record through a generic
// map. Status, headers, body and errors are elimity's; the response is projected when the request asks
// for it (proj), as every other response is.
func (s *Server) serveWrite(w http.ResponseWriter, r *http.Request, app store.App, base, id string, body []byte, proj projection) {
	w.Header().Set("Content-Type", "application/scim+json")
	h := userHandler{kind: app.Kind, store: s.store}
	u, ignored, err := acceptResource(app.Kind, s.bodySchemas[app.Kind.Kind], body)
	countIgnored(r.Context(), app.Kind, ignored)
	var rec store.Record
	switch {
	case err != nil:
	case id == "":
		rec, err = h.create(r, app, u)
	default:
		rec, err = h.replace(r, app, id, u)
	}
	status := http.StatusOK
	if id == "" {
		status = http.StatusCreated
	}
	writeRecord(w, r, app.Kind, base, rec, err, status, proj)
}

// servePatch answers PATCH /Users/{id} itself when patch.Operations reads the body, as it does Entra's
// PATCHes: elimity would run the general filter parser on every operation's path, build the schema again
// and render the record through a generic map. Any other body it leaves to elimity, and reports false.
// The operations, and so the record stored and the answer, are elimity's (TestPatchOperationsLikeElimity).
func (s *Server) servePatch(w http.ResponseWriter, r *http.Request, app store.App, base, id string, body []byte, proj projection) bool {
	ops, ignored, ok := patch.Operations(body, app.Kind, s.bodySchemas[app.Kind.Kind])
	if !ok {
		return false
	}
	countIgnored(r.Context(), app.Kind, ignored)
	w.Header().Set("Content-Type", "application/scim+json")
	rec, err := userHandler{kind: app.Kind, store: s.store}.patch(r, app, id, ops)
	writeRecord(w, r, app.Kind, base, rec, err, http.StatusOK, proj)
	return true
}

// writeRecord answers a write with the record it stored, as elimity-com/scim would (status, with Location
// for a create), or with the SCIM error for err.
func writeRecord(w http.ResponseWriter, r *http.Request, kind *model.KindSpec, base string, rec store.Record, err error,
	status int, proj projection) {
	if err != nil {
		writeError(w, checkError(err, r.Method))
		return
	}
	out, err := renderBody(kind, rec, base, proj)
	if err != nil {
		writeError(w, scimerrors.ScimErrorInternal)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", resourceLocation(base, rec.ID))
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}
