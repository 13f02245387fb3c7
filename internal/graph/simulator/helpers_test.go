package simulator

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t thumbprints are SHA-1 by definition.
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testTenantID = "ff8bf889-e031-41ac-8f7b-aedb059892ee"
	testClientID = "6a1f3c1e-0c6d-4b61-9d3e-5f3f1b0c2d11"
	testSecret   = "correct-horse-battery-staple"
	testToken    = "static-test-token"
)

// graphClient is a raw HTTP+JSON client for the simulator, like the SDK on the wire.
type graphClient struct {
	t       *testing.T
	base    string
	token   string
	gzip    bool
	headers http.Header
}

type graphResponse struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func newSimulatorServer(t *testing.T, opts ...Option) (*Simulator, *httptest.Server, *graphClient) {
	t.Helper()
	opts = append([]Option{WithTenantID(testTenantID), WithSeed(42), WithStaticToken(testToken)}, opts...)
	sim := New(opts...)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return sim, srv, &graphClient{t: t, base: srv.URL + "/v1.0", token: testToken}
}

// do sends a request; body may be nil, a string (sent verbatim) or a value encoded as JSON.
func (c *graphClient) do(method, path string, body any) graphResponse {
	c.t.Helper()
	var payload []byte
	switch b := body.(type) {
	case nil:
	case string:
		payload = []byte(b)
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			c.t.Fatalf("encode body: %v", err)
		}
	}
	var reader io.Reader
	if payload != nil {
		if c.gzip {
			payload = gzipBytes(c.t, payload)
		}
		reader = bytes.NewReader(payload)
	}
	req, err := http.NewRequest(method, c.base+path, reader)
	if err != nil {
		c.t.Fatalf("build request: %v", err)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
		if c.gzip {
			req.Header.Set("Content-Encoding", "gzip")
		}
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	maps.Copy(req.Header, c.headers)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	out := graphResponse{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			c.t.Fatalf("%s %s answered non-JSON %q: %v", method, path, raw, err)
		}
	}
	return out
}

func gzipBytes(t *testing.T, payload []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(payload); err != nil {
		t.Fatalf("gzip: %v", err)
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("gzip close: %v", err)
	}
	return buf.Bytes()
}

// errorCode extracts error.code of a Graph error body.
func (r graphResponse) errorCode() string {
	e, _ := r.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func (r graphResponse) errorMessage() string {
	e, _ := r.body["error"].(map[string]any)
	msg, _ := e["message"].(string)
	return msg
}

func (r graphResponse) values() []map[string]any {
	raw, _ := r.body["value"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, v := range raw {
		m, _ := v.(map[string]any)
		out = append(out, m)
	}
	return out
}

func str(m map[string]any, path string) string {
	v := lookupPath(m, path)
	s, _ := v.(string)
	return s
}

// postForm sends a token request to the simulator's identity endpoint.
func postForm(t *testing.T, endpoint string, form url.Values) graphResponse {
	t.Helper()
	resp, err := http.PostForm(endpoint, form)
	if err != nil {
		t.Fatalf("POST %s: %v", endpoint, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	out := graphResponse{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

// testCertificate returns a self-signed RSA certificate and its key.
func testCertificate(t *testing.T, commonName string) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse certificate: %v", err)
	}
	return cert, key
}

// signJWT builds a compact JWS the way MSAL does: PS256 with x5t#S256 (standard base64),
// or RS256 with x5t (SHA-1). A nil key produces an unsigned-looking token (federated tests).
func signJWT(t *testing.T, alg string, cert *x509.Certificate, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	header := map[string]any{"alg": alg, "typ": "JWT"}
	if cert != nil {
		if alg == "RS256" {
			sum := sha1.Sum(cert.Raw) //nolint:gosec // x5t thumbprint.
			header["x5t"] = base64.StdEncoding.EncodeToString(sum[:])
		} else {
			sum := sha256.Sum256(cert.Raw)
			header["x5t#S256"] = base64.StdEncoding.EncodeToString(sum[:])
		}
	}
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	if key == nil {
		return input + "." + base64.RawURLEncoding.EncodeToString([]byte("not-verified"))
	}
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	if alg == "RS256" {
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	} else {
		sig, err = rsa.SignPSS(rand.Reader, key, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// scimStubToken is the only bearer token the SCIM stub accepts.
const scimStubToken = "good"

// scimStub is a SCIM endpoint that answers the test-connection query, recording requests.
type scimStub struct {
	server *httptest.Server
	// failWith, when non-zero, is the status every request is answered with.
	failWith atomic.Int32
	requests chan *http.Request
}

func newSCIMStub(t *testing.T) *scimStub {
	t.Helper()
	stub := &scimStub{requests: make(chan *http.Request, 64)}
	stub.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case stub.requests <- r.Clone(r.Context()):
		default:
		}
		w.Header().Set("Content-Type", "application/scim+json")
		if status := int(stub.failWith.Load()); status != 0 {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500"}`))
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+scimStubToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401"}`))
			return
		}
		if r.URL.Path != "/Users" && !strings.HasSuffix(r.URL.Path, "/scim/Users") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}`))
	}))
	t.Cleanup(stub.server.Close)
	return stub
}

// createAppWithJob instantiates an app and creates its scim job, returning sp and job ids.
func createAppWithJob(t *testing.T, c *graphClient, name string) (spID, jobID string) {
	t.Helper()
	resp := c.do(http.MethodPost, "/applicationTemplates/"+NonGalleryTemplateID+"/instantiate", map[string]string{"displayName": name})
	if resp.status != http.StatusCreated {
		t.Fatalf("instantiate: %d %s", resp.status, resp.raw)
	}
	spID = str(resp.body, "servicePrincipal/id")
	resp = c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs", map[string]string{"templateId": "scim"})
	if resp.status != http.StatusCreated {
		t.Fatalf("create job: %d %s", resp.status, resp.raw)
	}
	return spID, str(resp.body, "id")
}

func putSecrets(t *testing.T, c *graphClient, spID string, pairs ...string) {
	t.Helper()
	var value []map[string]string
	for i := 0; i+1 < len(pairs); i += 2 {
		value = append(value, map[string]string{"key": pairs[i], "value": pairs[i+1]})
	}
	resp := c.do(http.MethodPut, "/servicePrincipals/"+spID+"/synchronization/secrets", map[string]any{"value": value})
	if resp.status != http.StatusNoContent {
		t.Fatalf("put secrets: %d %s", resp.status, resp.raw)
	}
}
