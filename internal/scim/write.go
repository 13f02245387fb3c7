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
// elimity-com/scim (with serveGet and serveList): a create is half of Entra's create cycle, and elimity
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
	if err != nil {
		writeError(w, checkError(err, r.Method))
		return
	}
	out, err := renderBody(app.Kind, rec, base, proj)
	if err != nil {
		writeError(w, scimerrors.ScimErrorInternal)
		return
	}
	status := http.StatusOK
	if id == "" {
		w.Header().Set("Location", resourceLocation(base, rec.ID))
		status = http.StatusCreated
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}
