package simulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
)

// memorySCIM is a small in-memory SCIM 2.0 Users endpoint. Without a real export client
// (WithHTTPSCIMProbe, WithSCIMExportClient) the engine's requests go here, whatever the Tenant
// URL's host, so offline tests still exercise the same engine and request shapes. It is also
// the SCIM stub of the engine's own tests. Users are kept per Tenant URL path.
type memorySCIM struct {
	mu     sync.Mutex
	users  map[string]map[string]map[string]any // tenant path -> id -> resource
	nextID int
}

func newMemorySCIM() *memorySCIM {
	return &memorySCIM{users: map[string]map[string]map[string]any{}}
}

// client returns an HTTP client whose every request is answered by the memory target.
func (m *memorySCIM) client() *http.Client { return &http.Client{Transport: m} }

// RoundTrip implements http.RoundTripper.
func (m *memorySCIM) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, r)
	if r.Body != nil {
		_ = r.Body.Close()
	}
	return rec.Result(), nil
}

var memoryFilter = regexp.MustCompile(`^\s*([A-Za-z.:0-9_]+)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$`)

// ServeHTTP implements {tenant path}/Users and {tenant path}/Users/{id}.
func (m *memorySCIM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	i := strings.LastIndex(path, "/Users")
	if i < 0 {
		writeSCIMError(w, http.StatusNotFound, "", "unknown path")
		return
	}
	tenant, id := path[:i], strings.TrimPrefix(path[i+len("/Users"):], "/")
	m.mu.Lock()
	defer m.mu.Unlock()
	store := m.users[tenant]
	if store == nil {
		store = map[string]map[string]any{}
		m.users[tenant] = store
	}
	switch {
	case r.Method == http.MethodGet && id == "":
		m.list(w, store, r.URL.Query().Get("filter"))
	case r.Method == http.MethodGet:
		if u, ok := store[id]; ok {
			writeSCIM(w, http.StatusOK, u)
			return
		}
		writeSCIMError(w, http.StatusNotFound, "", "user "+id+" not found")
	case r.Method == http.MethodPost && id == "":
		var u map[string]any
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
			writeSCIMError(w, http.StatusBadRequest, "invalidSyntax", err.Error())
			return
		}
		for _, existing := range store {
			if strings.EqualFold(fmt.Sprint(existing["userName"]), fmt.Sprint(u["userName"])) {
				writeSCIMError(w, http.StatusConflict, "uniqueness", "userName is already taken")
				return
			}
		}
		m.nextID++
		u["id"] = fmt.Sprintf("mem-%06d", m.nextID)
		delete(u, "roles")
		store[u["id"].(string)] = u
		writeSCIM(w, http.StatusCreated, u)
	case r.Method == http.MethodPatch && id != "":
		m.patch(w, r, store, id)
	case r.Method == http.MethodDelete && id != "":
		if _, ok := store[id]; !ok {
			writeSCIMError(w, http.StatusNotFound, "", "user "+id+" not found")
			return
		}
		delete(store, id)
		w.WriteHeader(http.StatusNoContent)
	default:
		writeSCIMError(w, http.StatusMethodNotAllowed, "", r.Method+" is not supported here")
	}
}

func (m *memorySCIM) list(w http.ResponseWriter, store map[string]map[string]any, filter string) {
	resources := []any{}
	match := memoryFilter.FindStringSubmatch(filter)
	if filter != "" && match == nil {
		writeSCIMError(w, http.StatusBadRequest, "invalidFilter", "unsupported filter "+filter)
		return
	}
	for _, u := range store {
		if match != nil {
			v, ok := lookupValue(u, parseSCIMPath(match[1]))
			if !ok || !strings.EqualFold(fmt.Sprint(v), strings.ReplaceAll(match[2], `\"`, `"`)) {
				continue
			}
		}
		resources = append(resources, u)
	}
	writeSCIM(w, http.StatusOK, map[string]any{
		"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": len(resources), "startIndex": 1, "itemsPerPage": len(resources), "Resources": resources,
	})
}

// patch applies both PATCH shapes Entra sends: pathed ops, and path-less replace maps keyed by
// attribute path; "True"/"False" strings for active become booleans.
func (m *memorySCIM) patch(w http.ResponseWriter, r *http.Request, store map[string]map[string]any, id string) {
	u, ok := store[id]
	if !ok {
		writeSCIMError(w, http.StatusNotFound, "", "user "+id+" not found")
		return
	}
	var body struct {
		Operations []struct {
			Op    string `json:"op"`
			Path  string `json:"path"`
			Value any    `json:"value"`
		} `json:"Operations"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeSCIMError(w, http.StatusBadRequest, "invalidSyntax", err.Error())
		return
	}
	updated := maps.Clone(u)
	set := func(path string, value any) {
		p := parseSCIMPath(path)
		if s, isString := value.(string); isString && isBooleanAttribute(p) {
			value = strings.EqualFold(s, "true")
		}
		setValue(updated, p, value)
	}
	for _, op := range body.Operations {
		if !strings.EqualFold(op.Op, "add") && !strings.EqualFold(op.Op, "replace") {
			writeSCIMError(w, http.StatusBadRequest, "invalidSyntax", "unsupported op "+op.Op)
			return
		}
		if op.Path != "" {
			set(op.Path, op.Value)
			continue
		}
		values, isMap := op.Value.(map[string]any)
		if !isMap {
			writeSCIMError(w, http.StatusBadRequest, "invalidValue", "a path-less op needs an object value")
			return
		}
		for path, v := range values {
			set(path, v)
		}
	}
	store[id] = updated
	writeSCIM(w, http.StatusOK, updated)
}

func writeSCIM(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", scimMediaType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeSCIMError(w http.ResponseWriter, status int, scimType, detail string) {
	writeSCIM(w, status, map[string]any{
		"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
		"status":  fmt.Sprint(status), "scimType": scimType, "detail": detail,
	})
}
