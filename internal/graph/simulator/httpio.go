package simulator

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Error codes the simulator answers with (docs/graph.md §9.1).
const (
	codeBadRequest             = "BadRequest"
	codeRequestBadRequest      = "Request_BadRequest"
	codeResourceNotFound       = "Request_ResourceNotFound"
	codeMultipleObjectsSameKey = "Request_MultipleObjectsWithSameKeyValue"
	codeAuthorizationDenied    = "Authorization_RequestDenied"
	codeInvalidAuthToken       = "InvalidAuthenticationToken"
	codeUnknownError           = "UnknownError"
	codeInternalError          = "InternalError"
	codeTooManyRequests        = "TooManyRequests"
	codeServiceNotAvailable    = "serviceNotAvailable"
	codeUnsupportedQuery       = "Request_UnsupportedQuery"
	codeUnsupportedMediaType   = "UnsupportedMediaType"
)

// maxBodyBytes bounds request bodies (also after decompression) so a bad client cannot
// exhaust memory.
const maxBodyBytes = 8 << 20

// call carries one Graph request through its handler.
type call struct {
	s         *Simulator
	w         http.ResponseWriter
	r         *http.Request
	params    map[string]string
	query     url.Values
	body      []byte
	requestID string
	// baseURL is scheme://host/v1.0 as the client addressed the simulator.
	baseURL string
}

// odataError is the OData v4 error envelope Graph uses on every endpoint.
type odataError struct {
	Error odataErrorBody `json:"error"`
}

type odataErrorBody struct {
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	InnerError odataInnerError `json:"innerError"`
}

type odataInnerError struct {
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// fail answers with Graph's error shape.
func (c *call) fail(status int, code, message string) {
	c.writeJSON(status, odataError{Error: odataErrorBody{
		Code:    code,
		Message: message,
		InnerError: odataInnerError{
			Date:            c.s.now().Format("2006-01-02T15:04:05"),
			RequestID:       c.requestID,
			ClientRequestID: c.r.Header.Get("client-request-id"),
		},
	}})
}

// notFound answers the directory's 404 for an id that does not exist (or not yet).
func (c *call) notFound(id string) {
	c.fail(http.StatusNotFound, codeResourceNotFound,
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
}

func (c *call) badRequest(message string) { c.fail(http.StatusBadRequest, codeBadRequest, message) }

func (c *call) writeJSON(status int, v any) {
	payload, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		payload = []byte(`{"error":{"code":"InternalError","message":"simulator could not encode the response"}}`)
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(payload)
}

func (c *call) noContent() { c.w.WriteHeader(http.StatusNoContent) }

// decode unmarshals the request body into v, answering 400 itself when it cannot.
// Unknown fields such as "@odata.type" (sent by msgraph-sdk-go) are ignored, as by Graph.
func (c *call) decode(v any) bool {
	if len(bytes.TrimSpace(c.body)) == 0 {
		c.badRequest("Empty Payload. JSON content expected.")
		return false
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		c.badRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return false
	}
	return true
}

// context returns the "@odata.context" URL for a fragment such as "servicePrincipals/$entity".
func (c *call) context(fragment string) string { return c.baseURL + "/$metadata#" + fragment }

// readBody reads the request body, transparently gunzipping it: msgraph-sdk-go compresses
// every request body (kiota CompressionHandler, docs/graph.md §10.5).
func readBody(c *call) ([]byte, bool) {
	if c.r.Body == nil {
		return nil, true
	}
	raw, err := io.ReadAll(io.LimitReader(c.r.Body, maxBodyBytes+1))
	if err != nil {
		c.badRequest(fmt.Sprintf("Could not read the request body: %v.", err))
		return nil, false
	}
	if len(raw) > maxBodyBytes {
		c.fail(http.StatusRequestEntityTooLarge, codeBadRequest, "Request body too large.")
		return nil, false
	}
	encoding := strings.ToLower(strings.TrimSpace(c.r.Header.Get("Content-Encoding")))
	switch encoding {
	case "", "identity":
		return raw, true
	case "gzip":
		if c.s.cfg.rejectGzip {
			c.fail(http.StatusUnsupportedMediaType, codeUnsupportedMediaType, "Content-Encoding 'gzip' is not supported.")
			return nil, false
		}
		body, err := gunzip(raw)
		if err != nil {
			c.badRequest(fmt.Sprintf("Invalid gzip request body: %v.", err))
			return nil, false
		}
		return body, true
	default:
		c.fail(http.StatusUnsupportedMediaType, codeUnsupportedMediaType, fmt.Sprintf("Content-Encoding '%s' is not supported.", encoding))
		return nil, false
	}
}

func gunzip(raw []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("open gzip stream: %w", err)
	}
	defer func() { _ = zr.Close() }()
	body, err := io.ReadAll(io.LimitReader(zr, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	if len(body) > maxBodyBytes {
		return nil, errors.New("decompressed body too large")
	}
	return body, nil
}

// splitPath splits an escaped URL path into unescaped segments. Ids may contain dots (job
// ids) and escaped characters (UPNs with %23EXT%23), so segments are matched whole.
func splitPath(escapedPath string) ([]string, error) {
	trimmed := strings.Trim(escapedPath, "/")
	if trimmed == "" {
		return nil, nil
	}
	parts := strings.Split(trimmed, "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, fmt.Errorf("segment %q: %w", p, err)
		}
		parts[i] = u
	}
	return parts, nil
}

// toMap converts a JSON-serialisable value to a generic map, the form $select and $filter
// work on.
func toMap(v any) map[string]any {
	payload, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	m := map[string]any{}
	if err := json.Unmarshal(payload, &m); err != nil {
		return map[string]any{}
	}
	return m
}
