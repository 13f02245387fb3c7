package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// SCIM URNs the export uses.
const (
	scimCoreUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimEnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	scimPatchOp        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimMediaType      = "application/scim+json"
	// compliantPatchFlag in the Tenant URL's query makes Entra send RFC-compliant PATCH bodies.
	compliantPatchFlag = "aadOptscim062020"
)

// exportTimeout bounds one SCIM request of a cycle; Entra gives an endpoint about 60 s.
const exportTimeout = 30 * time.Second

// SCIMRequest is one request the provisioning engine sent to a SCIM endpoint, for assertions
// and for the provisioning logs.
type SCIMRequest struct {
	Time  time.Time
	JobID string
	// Method and URL as sent; URL includes the query (the filter of a match lookup).
	Method string
	URL    string
	// StatusCode is 0 when the endpoint could not be reached.
	StatusCode int
}

// IsWrite reports a POST, PATCH, PUT or DELETE.
func (r SCIMRequest) IsWrite() bool { return r.Method != http.MethodGet }

// String renders "METHOD path?query -> status".
func (r SCIMRequest) String() string {
	target := r.URL
	if u, err := url.Parse(r.URL); err == nil {
		target = u.RequestURI()
	}
	return fmt.Sprintf("%s %s -> %d", r.Method, target, r.StatusCode)
}

// scimStatusError is a SCIM answer outside 2xx, or a transport failure (StatusCode 0).
type scimStatusError struct {
	Method, URL string
	StatusCode  int
	Detail      string
	Err         error
}

func (e *scimStatusError) Error() string {
	if e.StatusCode == 0 {
		return fmt.Sprintf("%s %s could not be sent: %v", e.Method, e.URL, e.Err)
	}
	if e.Detail != "" {
		return fmt.Sprintf("%s %s answered %d: %s", e.Method, e.URL, e.StatusCode, e.Detail)
	}
	return fmt.Sprintf("%s %s answered %d", e.Method, e.URL, e.StatusCode)
}

func (e *scimStatusError) Unwrap() error { return e.Err }

// rejectsCredentials is a 401 or 403: the whole job stops and is quarantined, as Entra does.
func (e *scimStatusError) rejectsCredentials() bool {
	return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
}

// scimExporter sends Entra's requests to one Tenant URL with one Secret Token. It is used by a
// single goroutine at a time (one cycle, or one provision-on-demand call).
type scimExporter struct {
	client  *http.Client
	base    *url.URL
	token   string
	jobID   string
	now     func() time.Time
	flagged bool // the Tenant URL carries aadOptscim062020
	// onDemand forces the legacy PATCH shape: the flag does not apply to provision on demand.
	onDemand bool
	requests []SCIMRequest
}

// newSCIMExporter prepares requests to baseAddress. The client must not follow redirects with
// the token: a redirect is answered as the failure it is.
func newSCIMExporter(client *http.Client, baseAddress, token, jobID string, now func() time.Time) (*scimExporter, error) {
	u, err := url.Parse(baseAddress)
	if err != nil {
		return nil, fmt.Errorf("parse tenant URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tenant URL %q is not an absolute http(s) URL", baseAddress)
	}
	noRedirects := *client
	noRedirects.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	flagged := false
	for key := range u.Query() {
		flagged = flagged || strings.EqualFold(key, compliantPatchFlag)
	}
	return &scimExporter{client: &noRedirects, base: u, token: token, jobID: jobID, now: now, flagged: flagged}, nil
}

// usersURL is {Tenant URL}/Users[/id] with the Tenant URL's own query kept, query first.
func (e *scimExporter) usersURL(id, query string) string {
	u := *e.base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/Users"
	if id != "" {
		u.Path += "/" + id
	}
	u.RawPath = ""
	switch {
	case query != "" && u.RawQuery != "":
		u.RawQuery = query + "&" + u.RawQuery
	case query != "":
		u.RawQuery = query
	}
	return u.String()
}

// do sends one request and decodes a JSON answer into out (when non-nil and a body came back).
func (e *scimExporter) do(ctx context.Context, method, target string, body any, out any) error {
	var reader io.Reader
	if body != nil {
		payload, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s body: %w", method, err)
		}
		reader = bytes.NewReader(payload)
	}
	ctx, cancel := context.WithTimeout(ctx, exportTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return &scimStatusError{Method: method, URL: target, Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Accept", scimMediaType)
	if body != nil {
		req.Header.Set("Content-Type", scimMediaType+"; charset=utf-8")
	}
	record := SCIMRequest{Time: e.now(), JobID: e.jobID, Method: method, URL: target}
	resp, err := e.client.Do(req)
	if err != nil {
		e.requests = append(e.requests, record)
		return &scimStatusError{Method: method, URL: target, Err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	record.StatusCode = resp.StatusCode
	e.requests = append(e.requests, record)
	payload, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return &scimStatusError{Method: method, URL: target, StatusCode: resp.StatusCode, Err: fmt.Errorf("read body: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &scimStatusError{Method: method, URL: target, StatusCode: resp.StatusCode, Detail: scimErrorDetail(payload)}
	}
	if out != nil && len(bytes.TrimSpace(payload)) > 0 {
		if err := json.Unmarshal(payload, out); err != nil {
			return &scimStatusError{Method: method, URL: target, StatusCode: resp.StatusCode, Detail: "the answer is not JSON", Err: err}
		}
	}
	return nil
}

// scimErrorDetail extracts scimType and detail of a SCIM error body, or a prefix of the body.
func scimErrorDetail(payload []byte) string {
	var body struct {
		ScimType string `json:"scimType"`
		Detail   string `json:"detail"`
	}
	if json.Unmarshal(payload, &body) == nil && (body.Detail != "" || body.ScimType != "") {
		if body.ScimType != "" {
			return body.ScimType + ": " + body.Detail
		}
		return body.Detail
	}
	return truncate(strings.TrimSpace(string(payload)), 200)
}

// lookup is the match lookup: GET {B}/Users?filter=<attr>+eq+"<value>", spaces as '+', the
// value percent-encoded ('@' as %40) and the quotes sent raw, as Entra does. nil when no match.
func (e *scimExporter) lookup(ctx context.Context, attribute, value string) (map[string]any, error) {
	escaped := strings.ReplaceAll(strings.ReplaceAll(value, `\`, `\\`), `"`, `\"`)
	query := "filter=" + attribute + `+eq+"` + url.QueryEscape(escaped) + `"`
	var list struct {
		Resources []map[string]any `json:"Resources"`
	}
	if err := e.do(ctx, http.MethodGet, e.usersURL("", query), nil, &list); err != nil {
		return nil, err
	}
	if len(list.Resources) == 0 {
		return nil, nil
	}
	return list.Resources[0], nil
}

// get reads a user by the id Entra cached; nil (and no error) on 404.
func (e *scimExporter) get(ctx context.Context, id string) (map[string]any, error) {
	var resource map[string]any
	err := e.do(ctx, http.MethodGet, e.usersURL(id, ""), nil, &resource)
	var statusErr *scimStatusError
	if errors.As(err, &statusErr) && statusErr.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	return resource, err
}

// create POSTs the user and returns the id the endpoint gave it.
func (e *scimExporter) create(ctx context.Context, attrs []targetValue) (string, error) {
	var created struct {
		ID string `json:"id"`
	}
	if err := e.do(ctx, http.MethodPost, e.usersURL("", ""), createBody(attrs), &created); err != nil {
		return "", err
	}
	if created.ID == "" {
		return "", &scimStatusError{Method: http.MethodPost, URL: e.usersURL("", ""), StatusCode: http.StatusCreated, Detail: "the created resource has no id"}
	}
	return created.ID, nil
}

// patch sends the changed attributes in the shape Entra uses for this Tenant URL.
func (e *scimExporter) patch(ctx context.Context, id string, changes []attributeChange) error {
	return e.do(ctx, http.MethodPatch, e.usersURL(id, ""), patchBody(changes, e.flagged && !e.onDemand), nil)
}

// remove DELETEs the user; an already missing user counts as deleted.
func (e *scimExporter) remove(ctx context.Context, id string) error {
	err := e.do(ctx, http.MethodDelete, e.usersURL(id, ""), nil, nil)
	var statusErr *scimStatusError
	if errors.As(err, &statusErr) && statusErr.StatusCode == http.StatusNotFound {
		return nil
	}
	return err
}

// targetValue is one evaluated attribute mapping: a SCIM attribute path and its value.
type targetValue struct {
	path  string
	value string
}

// attributeChange is a target value that differs from what the endpoint holds.
type attributeChange struct {
	targetValue
	// existed is whether the endpoint held any value: Entra says Replace then, Add otherwise.
	existed bool
}

// scimPath is a parsed target attribute path: attr, attr.sub, attr[type eq "x"].sub, or an
// extension attribute qualified by its schema URN.
type scimPath struct {
	schema   string // extension URN, empty for the core schema
	attr     string
	typeEq   string // the filter's type value, for multi-valued attributes
	subAttr  string
	filtered bool
}

var filteredPath = regexp.MustCompile(`^([A-Za-z0-9_]+)\[type eq "([^"]*)"\]\.([A-Za-z0-9_]+)$`)

func parseSCIMPath(path string) scimPath {
	if strings.HasPrefix(strings.ToLower(path), "urn:") {
		i := strings.LastIndex(path, ":")
		p := parseSCIMPath(path[i+1:])
		if !strings.EqualFold(path[:i], scimCoreUser) {
			p.schema = path[:i]
		}
		return p
	}
	if m := filteredPath.FindStringSubmatch(path); m != nil {
		return scimPath{attr: m[1], typeEq: m[2], subAttr: m[3], filtered: true}
	}
	attr, sub, _ := strings.Cut(path, ".")
	return scimPath{attr: attr, subAttr: sub}
}

// isBooleanAttribute: Entra's mappings produce "True"/"False" strings; SCIM's active is a boolean.
func isBooleanAttribute(p scimPath) bool {
	return p.schema == "" && strings.EqualFold(p.attr, "active") && p.subAttr == ""
}

// jsonValue is the value as it goes into a POST body: active as a boolean.
func jsonValue(p scimPath, value string) any {
	if isBooleanAttribute(p) {
		return strings.EqualFold(value, "true")
	}
	return value
}

// createBody is the POST body Entra sends (entra-scim.md §1.2 (2)): both schemas, active as a
// boolean, meta.resourceType and an empty roles array.
func createBody(attrs []targetValue) map[string]any {
	body := map[string]any{
		"schemas": []string{scimCoreUser, scimEnterpriseUser},
		"meta":    map[string]string{"resourceType": "User"},
		"roles":   []any{},
	}
	for _, tv := range attrs {
		setValue(body, parseSCIMPath(tv.path), jsonValue(parseSCIMPath(tv.path), tv.value))
	}
	return body
}

func setValue(resource map[string]any, p scimPath, value any) {
	container := resource
	if p.schema != "" {
		ext, _ := resource[p.schema].(map[string]any)
		if ext == nil {
			ext = map[string]any{}
			resource[p.schema] = ext
		}
		container = ext
	}
	switch {
	case p.filtered:
		list, _ := container[p.attr].([]any)
		for _, item := range list {
			if m, ok := item.(map[string]any); ok && fmt.Sprint(m["type"]) == p.typeEq {
				m[p.subAttr] = value
				return
			}
		}
		container[p.attr] = append(list, map[string]any{"type": p.typeEq, p.subAttr: value})
	case p.subAttr != "":
		sub, _ := container[p.attr].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			container[p.attr] = sub
		}
		sub[p.subAttr] = value
	default:
		container[p.attr] = value
	}
}

// lookupValue reads an attribute of a SCIM resource; ok is false when it is absent or null.
// Attribute names compare case-insensitively, as SCIM's do.
func lookupValue(resource map[string]any, p scimPath) (any, bool) {
	container := resource
	if p.schema != "" {
		container, _ = field(resource, p.schema).(map[string]any)
	}
	v := field(container, p.attr)
	switch {
	case v == nil:
		return nil, false
	case p.filtered:
		list, _ := v.([]any)
		for _, item := range list {
			if m, ok := item.(map[string]any); ok && strings.EqualFold(fmt.Sprint(field(m, "type")), p.typeEq) {
				sub := field(m, p.subAttr)
				return sub, sub != nil
			}
		}
		return nil, false
	case p.subAttr != "":
		m, _ := v.(map[string]any)
		sub := field(m, p.subAttr)
		return sub, sub != nil
	}
	return v, true
}

func field(m map[string]any, name string) any {
	if m == nil {
		return nil
	}
	if v, ok := m[name]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// diffResource lists the target values the resource does not hold, as Entra diffs its source
// against what the endpoint returned. Booleans compare by truth value, strings exactly.
func diffResource(resource map[string]any, attrs []targetValue) []attributeChange {
	var changes []attributeChange
	for _, tv := range attrs {
		p := parseSCIMPath(tv.path)
		current, ok := lookupValue(resource, p)
		if ok && sameValue(p, current, tv.value) {
			continue
		}
		changes = append(changes, attributeChange{targetValue: tv, existed: ok})
	}
	return changes
}

func sameValue(p scimPath, current any, want string) bool {
	if isBooleanAttribute(p) {
		switch v := current.(type) {
		case bool:
			return v == strings.EqualFold(want, "true")
		case string:
			return strings.EqualFold(v, want)
		}
		return false
	}
	return fmt.Sprint(current) == want
}

// patchBody renders the PatchOp. The legacy shape (Entra's default, and always for provision on
// demand) has one capitalised op per attribute and active as the string "True"/"False". With
// aadOptscim062020, filtered multi-valued paths stay separate ops, everything else goes into one
// path-less replace keyed by attribute path (or a single pathed op), and active is a boolean.
func patchBody(changes []attributeChange, compliant bool) map[string]any {
	ops := []map[string]any{}
	if !compliant {
		for _, c := range changes {
			op := "Replace"
			if !c.existed {
				op = "Add"
			}
			ops = append(ops, map[string]any{"op": op, "path": c.path, "value": c.value})
		}
		return map[string]any{"schemas": []string{scimPatchOp}, "Operations": ops}
	}
	folded := map[string]any{}
	var foldedPaths []string
	for _, c := range changes {
		p := parseSCIMPath(c.path)
		if p.filtered {
			ops = append(ops, map[string]any{"op": "replace", "path": c.path, "value": c.value})
			continue
		}
		folded[c.path] = jsonValue(p, c.value)
		foldedPaths = append(foldedPaths, c.path)
	}
	switch len(foldedPaths) {
	case 0:
	case 1:
		ops = append(ops, map[string]any{"op": "replace", "path": foldedPaths[0], "value": folded[foldedPaths[0]]})
	default:
		ops = append(ops, map[string]any{"op": "replace", "value": folded})
	}
	return map[string]any{"schemas": []string{scimPatchOp}, "Operations": ops}
}
