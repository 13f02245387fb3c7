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
	"context"
	"errors"
	"net/http"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/andmoney/scim-operator/internal/scim/filter"
	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/patch"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// userHandler is elimity's ResourceHandler for /Users of one kind. It stays thin: the meaning of PATCH
// and filters is in the patch and filter packages, storage in the store package. The application comes
// from the request context, where the auth middleware put it.
type userHandler struct {
	kind  *model.KindSpec
	store *store.Store
}

var _ scim.ResourceHandler = userHandler{}

// Create is elimity's create entry point. The server answers POST /Users itself (see serveWrite), so this
// only keeps userHandler a complete elimity ResourceHandler.
func (h userHandler) Create(r *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	u, err := model.FromAttributes(h.kind, attrs)
	if err != nil {
		return scim.Resource{}, err
	}
	rec, err := h.create(r, appFrom(r.Context()), u)
	if err != nil {
		return scim.Resource{}, err
	}
	return h.resource(rec), nil
}

// create stores a new record for u; a store error comes back as the SCIM error to answer.
func (h userHandler) create(r *http.Request, app store.App, u model.User) (store.Record, error) {
	rec, err := h.store.Create(r.Context(), app, u)
	if err != nil {
		return store.Record{}, h.fail(r, "", err)
	}
	return rec, nil
}

func (h userHandler) Get(r *http.Request, id string) (scim.Resource, error) {
	rec, err := h.store.Get(r.Context(), appFrom(r.Context()), id)
	if err != nil {
		return scim.Resource{}, h.fail(r, id, err)
	}
	return h.resource(rec), nil
}

// GetAll is elimity's list entry point. The server answers GET /Users itself (see serveList), so this only
// keeps userHandler a complete elimity ResourceHandler.
func (h userHandler) GetAll(r *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	req := listRequest{app: appFrom(r.Context()), startIndex: params.StartIndex, count: params.Count}
	if params.FilterValidator != nil {
		req.filter = params.FilterValidator.GetFilter()
	}
	page, err := h.list(r, req)
	if err != nil {
		return scim.Page{}, err
	}
	out := scim.Page{TotalResults: page.total, Resources: make([]scim.Resource, 0, len(page.records))}
	for _, rec := range page.records {
		out.Resources = append(out.Resources, h.resource(rec))
	}
	return out, nil
}

// recordPage is one page of a list: its records and how many passed the filter in all.
type recordPage struct {
	records []store.Record
	total   int
}

// list returns one page of the records that pass the request's filter.
func (h userHandler) list(r *http.Request, req listRequest) (recordPage, error) {
	q := filter.All()
	if req.filter != nil {
		var err error
		if q, err = filter.Compile(h.kind, req.filter); err != nil {
			return recordPage{}, err
		}
	}
	recs, err := h.store.List(r.Context(), req.app, q)
	if err != nil {
		return recordPage{}, h.fail(r, "", err)
	}
	start := min(max(req.startIndex, 1)-1, len(recs))
	end := min(start+max(req.count, 0), len(recs))
	return recordPage{records: recs[start:end], total: len(recs)}, nil
}

// Replace is elimity's replace entry point. The server answers PUT /Users/{id} itself (see serveWrite),
// so this only keeps userHandler a complete elimity ResourceHandler.
func (h userHandler) Replace(r *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	u, err := model.FromAttributes(h.kind, attrs)
	if err != nil {
		return scim.Resource{}, err
	}
	rec, err := h.replace(r, appFrom(r.Context()), id, u)
	if err != nil {
		return scim.Resource{}, err
	}
	return h.resource(rec), nil
}

// replace makes record id hold u; a store error comes back as the SCIM error to answer.
func (h userHandler) replace(r *http.Request, app store.App, id string, u model.User) (store.Record, error) {
	rec, err := h.store.Update(r.Context(), app, id, func(model.User) (model.User, error) { return u, nil })
	if err != nil {
		return store.Record{}, h.fail(r, id, err)
	}
	return rec, nil
}

// Patch is elimity's patch entry point, for the PATCH bodies the server does not answer itself (see
// servePatch).
func (h userHandler) Patch(r *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	rec, err := h.patch(r, appFrom(r.Context()), id, ops)
	if err != nil {
		return scim.Resource{}, err
	}
	return h.resource(rec), nil
}

// patch carries out ops on record id, all or nothing; a store error comes back as the SCIM error to answer.
func (h userHandler) patch(r *http.Request, app store.App, id string, ops []scim.PatchOperation) (store.Record, error) {
	rec, err := h.store.Update(r.Context(), app, id, func(u model.User) (model.User, error) {
		return patch.Apply(u, h.kind, ops)
	})
	if err != nil {
		return store.Record{}, h.fail(r, id, err)
	}
	return rec, nil
}

func (h userHandler) Delete(r *http.Request, id string) error {
	if err := h.store.Delete(r.Context(), appFrom(r.Context()), id); err != nil {
		return h.fail(r, id, err)
	}
	return nil
}

func (h userHandler) resource(rec store.Record) scim.Resource {
	res := scim.Resource{
		ID:         rec.ID,
		Attributes: rec.User.Attributes(h.kind),
		Meta:       scim.Meta{Created: &rec.Created, LastModified: &rec.LastModified},
	}
	if rec.User.ExternalID != "" {
		res.ExternalID = optional.NewString(rec.User.ExternalID)
	}
	return res
}

// fail turns a store error into a SCIM error. Anything unexpected is logged and answered with a detail-less
// 500, so that no API server message (or anything else internal) reaches the client.
func (h userHandler) fail(r *http.Request, id string, err error) error {
	var scimErr scimerrors.ScimError
	switch {
	case errors.As(err, &scimErr):
		return scimErr
	case errors.Is(err, store.ErrNotFound):
		return scimerrors.ScimErrorResourceNotFound(id)
	case errors.Is(err, store.ErrUserNameTaken):
		return scimerrors.ScimErrorUniqueness
	case apierrors.IsInvalid(err):
		// The CRD's validation refused a value the schema let through: the client's to fix.
		return scimerrors.ScimError{ScimType: scimerrors.ScimTypeInvalidValue, Status: http.StatusBadRequest,
			Detail: "A value is not acceptable to the record schema."}
	case errors.Is(err, store.ErrUserNameInFlight):
		logger(r).Info("The userName is being written by another request; answering try again later")
		return errUnavailable
	case store.IsUnavailable(err):
		// A timeout or a refused connection: the client should retry. A create that may have landed is
		// found by the retry's match lookup, and can never be made twice (its object name is its userName's).
		logger(r).Info("The API server did not answer in time", "error", err.Error())
		return errUnavailable
	case errors.Is(err, context.Canceled):
		logger(r).Info("SCIM request cancelled", "error", err.Error())
		return scimerrors.ScimError{Status: http.StatusInternalServerError, Detail: "The request was cancelled."}
	}
	logger(r).Error(err, "SCIM request failed")
	return scimerrors.ScimErrorInternal
}

func logger(r *http.Request) logr.Logger { return logf.FromContext(r.Context()) }
