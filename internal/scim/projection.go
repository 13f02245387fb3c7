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
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"
)

// The query parameters of RFC 7644 §3.9 that ask for a partial representation of the resources in a
// response. Parameter names are matched exactly, as filter, count and startIndex are; the attribute names
// in their values are matched case-insensitively (RFC 7643 §2.1).
const (
	attributesParam         = "attributes"
	excludedAttributesParam = "excludedAttributes"
)

type projectionMode uint8

const (
	// projectNone is the default representation: neither parameter named an attribute.
	projectNone projectionMode = iota
	// projectOnly keeps the attributes returned always (id, schemas) and those named, nothing else.
	projectOnly
	// projectExcept drops the attributes named from the default representation, except id and schemas.
	projectExcept
)

// projection is what a request's attributes or excludedAttributes parameter asks of every resource in
// its response (RFC 7644 §3.9). The zero value is the default representation, and costs nothing.
type projection struct {
	mode projectionMode
	// selectors are the named attributes of the core User schema, one per attribute (the sub-attributes
	// of one attribute are gathered in its selector). Names of other schemas select nothing.
	selectors []attributeSelector
}

// attributeSelector is one top-level attribute as the parameter names it: whole, or some of its
// sub-attributes (name.givenName, addresses.formatted).
type attributeSelector struct {
	name  string
	whole bool
	subs  []string
}

// active reports whether the response differs from the default representation.
func (p projection) active() bool { return p.mode != projectNone }

// errBothProjections answers a request with both parameters: RFC 7644 §3.9 offers them as "either of
// the mutually exclusive URL query parameters", so the two projections cannot both be honoured.
var errBothProjections = scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeInvalidValue,
	Detail: "The attributes and excludedAttributes parameters are mutually exclusive (RFC 7644 §3.9)."}

// hasProjectionParams reports whether a raw query has an attributes or excludedAttributes parameter,
// without allocating for a query that has neither (Entra's), so that only a request with one pays for
// parsing its query again.
func hasProjectionParams(rawQuery string) bool {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		key, _, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(key, "%+") {
			// An escaped name, as url.ParseQuery would read it: rare enough to allocate for.
			var err error
			if key, err = url.QueryUnescape(key); err != nil {
				continue
			}
		}
		if key == attributesParam || key == excludedAttributesParam {
			return true
		}
	}
	return false
}

// requestProjection is the projection a request of an operation asks for: the zero projection when it
// names none, or when the operation returns no User resource. An error is the SCIM error to answer
// instead, before the operation is carried out.
func requestProjection(op string, u *url.URL) (projection, *scimerrors.ScimError) {
	if !returnsUser(op) || !hasProjectionParams(u.RawQuery) {
		return projection{}, nil
	}
	return parseProjection(u.Query())
}

// parseProjection reads both parameters: each may be repeated and each value is a comma-separated list
// of names in standard attribute notation (RFC 7644 §3.10), optionally qualified by the User schema URN.
// A parameter that names nothing (attributes=) is as if absent. Names that match no attribute are kept
// and select nothing: liberal, as a reader asking for an attribute this endpoint does not store should
// get the resources without it rather than an error.
func parseProjection(q url.Values) (projection, *scimerrors.ScimError) {
	only, onlyNamed := selectorsOf(q[attributesParam])
	except, exceptNamed := selectorsOf(q[excludedAttributesParam])
	switch {
	case onlyNamed && exceptNamed:
		return projection{}, &errBothProjections
	case onlyNamed:
		return projection{mode: projectOnly, selectors: only}, nil
	case exceptNamed:
		return projection{mode: projectExcept, selectors: except}, nil
	}
	return projection{}, nil
}

// selectorsOf parses the values of one parameter. named reports whether they name anything at all,
// including attributes of other schemas, which get no selector.
func selectorsOf(values []string) (selectors []attributeSelector, named bool) {
	for _, v := range values {
		for raw := range strings.SplitSeq(v, ",") {
			name := strings.TrimSpace(raw)
			if name == "" {
				continue
			}
			named = true
			path, ok := corePath(name)
			if !ok {
				continue
			}
			attr, sub, hasSub := strings.Cut(path, ".")
			selectors = addSelector(selectors, attr, sub, hasSub)
		}
	}
	return selectors, named
}

// corePath is a name with the core User schema URN taken off, if it carries it (RFC 7644 §3.10: core
// attribute names MAY be qualified). ok is false for a name qualified by any other schema: the endpoint
// serves no extension, so such a name selects nothing. Sub-attribute names never hold a colon, so the last
// colon ends the URN.
func corePath(name string) (path string, ok bool) {
	i := strings.LastIndexByte(name, ':')
	if i < 0 {
		return name, true
	}
	return name[i+1:], strings.EqualFold(name[:i], schema.UserSchema)
}

// addSelector gathers a name into the selector of its attribute: a whole attribute absorbs its
// sub-attributes.
func addSelector(selectors []attributeSelector, attr, sub string, hasSub bool) []attributeSelector {
	for i := range selectors {
		s := &selectors[i]
		if !strings.EqualFold(s.name, attr) {
			continue
		}
		if !hasSub {
			s.whole, s.subs = true, nil
		} else if !s.whole {
			s.subs = append(s.subs, sub)
		}
		return selectors
	}
	s := attributeSelector{name: attr, whole: !hasSub}
	if hasSub {
		s.subs = []string{sub}
	}
	return append(selectors, s)
}

func (p projection) selector(key string) (attributeSelector, bool) {
	for _, s := range p.selectors {
		if strings.EqualFold(s.name, key) {
			return s, true
		}
	}
	return attributeSelector{}, false
}

// alwaysReturned are the attributes no projection removes: id is "returned": "always" (RFC 7643 §3.1),
// and schemas says what the resource is.
func alwaysReturned(key string) bool {
	return strings.EqualFold(key, schema.CommonAttributeID) || strings.EqualFold(key, "schemas")
}

// apply projects one resource, as encoding/json decodes it, into a new map; res is not changed. A complex
// or multi-valued attribute left without sub-attributes is left out, as unassigned (RFC 7643 §2.5).
func (p projection) apply(res map[string]any) map[string]any {
	out := make(map[string]any, len(res))
	for key, value := range res {
		if alwaysReturned(key) {
			out[key] = value
			continue
		}
		s, named := p.selector(key)
		switch {
		case p.mode == projectOnly && named && s.whole:
			out[key] = value
		case p.mode == projectOnly && named:
			if kept, ok := filterSubAttributes(value, s.subs, true); ok {
				out[key] = kept
			}
		case p.mode == projectOnly:
			// Not asked for: left out.
		case !named:
			out[key] = value
		case !s.whole:
			if kept, ok := filterSubAttributes(value, s.subs, false); ok {
				out[key] = kept
			}
		}
	}
	return out
}

// filterSubAttributes keeps (keep) or drops the named sub-attributes of a complex value, or of each value
// of a multi-valued one. ok is false when nothing is left. A simple value has no sub-attributes: naming
// one of its sub-attributes keeps none of it, and excludes none of it.
func filterSubAttributes(value any, subs []string, keep bool) (any, bool) {
	switch v := value.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, sv := range v {
			if containsFold(subs, k) == keep {
				out[k] = sv
			}
		}
		return out, len(out) > 0
	case []any:
		out := make([]any, 0, len(v))
		for _, elem := range v {
			if kept, ok := filterSubAttributes(elem, subs, keep); ok {
				out = append(out, kept)
			}
		}
		return out, len(out) > 0
	}
	return value, !keep
}

func containsFold(names []string, name string) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// applyJSON projects one resource as rendered: the one step every response that carries a resource goes
// through when a projection is asked for (renderBody for a record the server answers with itself,
// serveList per resource, and projectingWriter for the PATCH bodies elimity still answers). A body that is not a resource of the User schema (an error, a
// list) is returned unchanged.
func (p projection) applyJSON(body []byte) ([]byte, error) {
	var res map[string]any
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, err
	}
	if !isUserResource(res) {
		return body, nil
	}
	return json.Marshal(p.apply(res))
}

func isUserResource(res map[string]any) bool {
	schemas, _ := res["schemas"].([]any)
	for _, s := range schemas {
		if s, ok := s.(string); ok && strings.EqualFold(s, schema.UserSchema) {
			return true
		}
	}
	return false
}

// projectingWriter holds back what elimity answers, to project the resource of a successful POST, PUT or
// PATCH before it is sent. It is only put in place when a projection is asked for.
type projectingWriter struct {
	http.ResponseWriter
	proj   projection
	status int
	body   bytes.Buffer
}

func (w *projectingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *projectingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// finish sends what was held back, the resource projected. Anything but a 200 or 201 (an error, a 204)
// passes unchanged; so does a body that cannot be read as JSON, which elimity never writes.
func (w *projectingWriter) finish() {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	body := w.body.Bytes()
	if (status == http.StatusOK || status == http.StatusCreated) && len(body) > 0 {
		if projected, err := w.proj.applyJSON(body); err == nil {
			body = projected
		}
	}
	w.ResponseWriter.WriteHeader(status)
	_, _ = w.ResponseWriter.Write(body)
}

// returnsUser reports whether an operation answers with User resources, which attributes and
// excludedAttributes apply to. DELETE returns none; discovery and /Groups keep their whole answers.
func returnsUser(op string) bool {
	switch op {
	case opList, opGet, opCreate, opReplace, opPatch:
		return true
	}
	return false
}
