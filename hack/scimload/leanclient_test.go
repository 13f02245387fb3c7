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

package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

const testBase = "/advisors/scim"

// testServer is an httptest server that counts the TCP connections it accepts and the requests its
// handler is called for.
type testServer struct {
	*httptest.Server
	conns, requests atomic.Int64
}

func startTestServer(t *testing.T, handler http.HandlerFunc) *testServer {
	t.Helper()
	s := &testServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		handler(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func newTestClient(t *testing.T, s *testServer, token string) *leanClient {
	t.Helper()
	c, err := newLeanClient(s.URL+testBase, token)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// echoPath answers 200 with the request's path, so that a caller can tell its response from another's.
func echoPath(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, r.URL.Path) }

// testBody is size bytes of counting text: a lost, repeated or reordered piece changes it.
func testBody(size int) string {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "%d,", i)
	}
	return b.String()[:size]
}

// TestLeanClientSendsRequestAndReadsBody checks the request the server sees, header by header, and that
// a response body comes back whole, with Content-Length (under 2 KB, net/http's buffer before it chunks)
// and chunked (over 2 KB).
func TestLeanClientSendsRequestAndReadsBody(t *testing.T) {
	tests := []struct {
		name, method, path, body, token string
		responseSize                    int
		wantChunked                     bool
	}{
		{name: "GET filter, short response", method: http.MethodGet, path: filterPath(userName(7)),
			token: "secret", responseSize: 300},
		{name: "POST, chunked response", method: http.MethodPost, path: "/Users", body: createBody(7),
			token: "secret", responseSize: 5000, wantChunked: true},
		{name: "PATCH with a body over 2 KB", method: http.MethodPatch, path: "/Users/id-7", body: testBody(3000),
			token: "secret", responseSize: 2100, wantChunked: true},
		{name: "no token: no Authorization header", method: http.MethodGet, path: "/Users/id-7", responseSize: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			response := testBody(tt.responseSize)
			type request struct {
				method, uri, proto, host, body string
				header                         http.Header
			}
			requests := make(chan request, 1)
			s := startTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				body, err := io.ReadAll(r.Body)
				if err != nil {
					t.Error(err)
				}
				if r.URL.Path != "/" { // Not the premise's check.
					requests <- request{r.Method, r.RequestURI, r.Proto, r.Host, string(body), r.Header}
				}
				_, _ = io.WriteString(w, response)
			})
			// The premise: net/http's server sends this response chunked, or with Content-Length.
			check, err := s.Client().Get(s.URL)
			if err != nil {
				t.Fatal(err)
			}
			_ = check.Body.Close()
			if chunked := len(check.TransferEncoding) > 0; chunked != tt.wantChunked {
				t.Fatalf("the server's %d-byte response is chunked: %v, want %v", tt.responseSize, chunked, tt.wantChunked)
			}

			got, err := newTestClient(t, s, tt.token).do(tt.method, tt.path, tt.body, http.StatusOK)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != response {
				t.Errorf("body: got %d bytes %.40q..., want %d bytes %.40q...", len(got), got, len(response), response)
			}
			seen := <-requests
			if seen.method != tt.method || seen.uri != testBase+tt.path || seen.proto != "HTTP/1.1" {
				t.Errorf("request line: %s %s %s, want %s %s HTTP/1.1", seen.method, seen.uri, seen.proto,
					tt.method, testBase+tt.path)
			}
			if seen.host != s.Listener.Addr().String() {
				t.Errorf("Host: %q, want %q", seen.host, s.Listener.Addr().String())
			}
			want := http.Header{} // Every header but Host, which net/http moves to Request.Host.
			if tt.token != "" {
				want.Set("Authorization", "Bearer "+tt.token)
			}
			if tt.body != "" {
				want.Set("Content-Type", "application/scim+json")
				want.Set("Content-Length", fmt.Sprint(len(tt.body)))
			}
			if !reflect.DeepEqual(seen.header, want) {
				t.Errorf("headers: %v, want %v", seen.header, want)
			}
			if seen.body != tt.body {
				t.Errorf("request body: %q, want %q", seen.body, tt.body)
			}
		})
	}
}

// TestLeanClientKeepsConnectionAlive checks that sequential requests share one connection.
func TestLeanClientKeepsConnectionAlive(t *testing.T) {
	s := startTestServer(t, echoPath)
	c := newTestClient(t, s, "secret")
	for i := range 200 {
		if _, err := c.do(http.MethodGet, fmt.Sprintf("/Users/%d", i), "", http.StatusOK); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.conns.Load(); n != 1 {
		t.Errorf("200 sequential requests used %d connections, want 1", n)
	}
}

// TestLeanClientConcurrent checks that concurrent callers each get their own response and open no more
// connections than there are callers.
func TestLeanClientConcurrent(t *testing.T) {
	const callers, each = 16, 100
	s := startTestServer(t, echoPath)
	c := newTestClient(t, s, "secret")
	var wg sync.WaitGroup
	for g := range callers {
		wg.Go(func() {
			for i := range each {
				path := fmt.Sprintf("/Users/%d-%d", g, i)
				got, err := c.do(http.MethodGet, path, "", http.StatusOK)
				if err != nil {
					t.Error(err)
					return
				}
				if string(got) != testBase+path {
					t.Errorf("response to %s: %q", path, got)
				}
			}
		})
	}
	wg.Wait()
	if n := s.requests.Load(); n != callers*each {
		t.Errorf("the server answered %d requests, want %d", n, callers*each)
	}
	if n := s.conns.Load(); n > callers {
		t.Errorf("%d callers opened %d connections", callers, n)
	}
}

// TestLeanClientStatusMismatch checks the error for an unwanted status, the body returned with it, and
// that the connection serves the next request.
func TestLeanClientStatusMismatch(t *testing.T) {
	conflict := testBody(300)
	s := startTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusConflict)
			_, _ = io.WriteString(w, conflict)
			return
		}
		echoPath(w, r)
	})
	c := newTestClient(t, s, "secret")
	got, err := c.do(http.MethodPost, "/Users", createBody(1), http.StatusCreated)
	if want := "POST /Users: 409, want 201: " + conflict[:200]; err == nil || err.Error() != want {
		t.Errorf("error: %v, want %s", err, want)
	}
	if string(got) != conflict {
		t.Errorf("body with the error: %q, want %q", got, conflict)
	}
	if _, err := c.do(http.MethodGet, "/Users/1", "", http.StatusOK); err != nil {
		t.Fatal(err)
	}
	if n := s.conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1: the mismatch's connection serves the next request", n)
	}
}

// TestLeanClientConnectionClose checks that a connection the server closes with its response leaves the
// pool, and that the next request opens a new one.
func TestLeanClientConnectionClose(t *testing.T) {
	s := startTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == testBase+"/close" {
			w.Header().Set("Connection", "close")
		}
		echoPath(w, r)
	})
	c := newTestClient(t, s, "secret")
	if _, err := c.do(http.MethodGet, "/close", "", http.StatusOK); err != nil {
		t.Fatal(err)
	}
	if len(c.idle) != 0 {
		t.Fatalf("%d idle connections after Connection: close, want 0", len(c.idle))
	}
	if _, err := c.do(http.MethodGet, "/Users/1", "", http.StatusOK); err != nil {
		t.Fatal(err)
	}
	if n := s.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// TestLeanClientRetriesClosedIdleConnection checks the one retry: the server closed the idle keep-alive
// connection, so the request goes again on a new one.
func TestLeanClientRetriesClosedIdleConnection(t *testing.T) {
	s := startTestServer(t, echoPath)
	c := newTestClient(t, s, "secret")
	if _, err := c.do(http.MethodGet, "/Users/1", "", http.StatusOK); err != nil {
		t.Fatal(err)
	}
	s.CloseClientConnections()
	got, err := c.do(http.MethodPost, "/Users", createBody(2), http.StatusOK)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != testBase+"/Users" {
		t.Errorf("response: %q", got)
	}
	if n, r := s.conns.Load(), s.requests.Load(); n != 2 || r != 2 {
		t.Errorf("%d connections and %d requests handled, want 2 and 2", n, r)
	}
}

// TestLeanClientRetriesOnlyUnansweredReusedConnections checks the cases that must not be retried: a new
// connection that fails (the server is at fault, not an idle timeout), and a response cut short (the
// server had the request).
func TestLeanClientRetriesOnlyUnansweredReusedConnections(t *testing.T) {
	tests := []struct {
		name   string
		warmUp bool   // send a first request, so that the failing one goes on a reused connection
		answer string // what the server writes before it closes the connection
	}{
		{name: "new connection, no answer"},
		{name: "reused connection, response cut short", warmUp: true, answer: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != testBase+"/break" {
					echoPath(w, r)
					return
				}
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.WriteString(conn, tt.answer)
				_ = conn.Close()
			})
			c := newTestClient(t, s, "secret")
			want := int64(1)
			if tt.warmUp {
				if _, err := c.do(http.MethodGet, "/Users/1", "", http.StatusOK); err != nil {
					t.Fatal(err)
				}
				want++
			}
			if _, err := c.do(http.MethodPost, "/break", createBody(1), http.StatusCreated); err == nil {
				t.Error("no error")
			}
			if n := s.requests.Load(); n != want {
				t.Errorf("the server handled %d requests, want %d: the failed one was sent again", n, want)
			}
		})
	}
}

func TestNewLeanClient(t *testing.T) {
	tests := []struct {
		base, wantAddr, wantPrefix string // wantAddr "" wants an error
	}{
		{base: "http://127.0.0.1:8080/advisors/scim", wantAddr: "127.0.0.1:8080", wantPrefix: "/advisors/scim"},
		{base: "http://scim.example/advisors/scim", wantAddr: "scim.example:80", wantPrefix: "/advisors/scim"},
		{base: "https://127.0.0.1:8443/advisors/scim"},
		{base: "/advisors/scim"},
	}
	for _, tt := range tests {
		c, err := newLeanClient(tt.base, "")
		switch {
		case tt.wantAddr == "" && err == nil:
			t.Errorf("%s: no error", tt.base)
		case tt.wantAddr != "" && err != nil:
			t.Errorf("%s: %v", tt.base, err)
		case err == nil && (c.addr != tt.wantAddr || c.prefix != tt.wantPrefix):
			t.Errorf("%s: dials %s with prefix %s, want %s and %s", tt.base, c.addr, c.prefix, tt.wantAddr, tt.wantPrefix)
		}
	}
}

func TestNewSender(t *testing.T) {
	tests := []struct {
		kind string
		want sender // nil wants an error
	}{
		{kind: leanSender, want: &leanClient{}},
		{kind: netHTTPSender, want: &scimClient{}},
		{kind: "curl"},
	}
	for _, tt := range tests {
		got, err := newSender(tt.kind, "http://127.0.0.1:8080/advisors/scim", "", 1)
		if reflect.TypeOf(got) != reflect.TypeOf(tt.want) || (err == nil) != (tt.want != nil) {
			t.Errorf("%s: %T, %v; want a %T", tt.kind, got, err, tt.want)
		}
	}
}
