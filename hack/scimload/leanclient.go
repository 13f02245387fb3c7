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
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// leanClient sends the same requests as scimClient at a fraction of its CPU cost. The load generator
// stands in for Entra, whose CPU in production is on Microsoft's machines, not on the operator's; every
// µs it spends here is taken from the endpoint and the API server it measures. net/http's Client costs
// two goroutines per connection (read and write loops), channel hand-offs between them and the caller,
// and a request object per call. leanClient writes each request in one write on a pooled keep-alive
// connection and reads the response on the caller's goroutine.
type leanClient struct {
	addr    string // host:port to dial
	host    string // the Host header
	prefix  string // the base URL's path, which every request's path follows
	token   string // bearer token; empty sends no Authorization header
	timeout time.Duration

	mu   sync.Mutex
	idle []*leanConn // Keep-alive connections no request is using, most recently used last.
}

// leanConn is one keep-alive connection and the buffers its requests reuse.
type leanConn struct {
	net.Conn
	in      *bufio.Reader
	request []byte       // the request being written
	body    bytes.Buffer // the response body being read
	reused  bool         // has served a request before, so the server may have closed it while idle
}

// errNoAnswer marks a failure before any byte of the response arrived.
var errNoAnswer = errors.New("no answer")

// newLeanClient returns a client for a plain http base URL such as http://127.0.0.1:8080/advisors/scim.
func newLeanClient(base, token string) (*leanClient, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("lean client: %q: only http://host URLs are supported", base)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	return &leanClient{addr: addr, host: u.Host, prefix: u.EscapedPath(), token: token, timeout: time.Minute}, nil
}

// do sends a request and fails unless the status is want; it returns the body, as scimClient.do does.
func (c *leanClient) do(method, path, body string, want int) ([]byte, error) {
	conn, err := c.take()
	if err != nil {
		return nil, err
	}
	status, data, err := c.roundTrip(conn, method, path, body)
	if err != nil && conn.reused && errors.Is(err, errNoAnswer) {
		// The server most likely closed the idle keep-alive connection (its idle timeout) before the
		// request reached it; net/http's Transport retries this case too. Once, on a fresh connection:
		// a failure there is the server's.
		if conn, err = c.dial(); err != nil {
			return nil, err
		}
		status, data, err = c.roundTrip(conn, method, path, body)
	}
	if err != nil {
		return nil, err
	}
	if status != want {
		return data, fmt.Errorf("%s %s: %d, want %d: %.200s", method, path, status, want, data)
	}
	return data, nil
}

// take returns an idle connection, or a new one when none is idle.
func (c *leanClient) take() (*leanConn, error) {
	c.mu.Lock()
	if n := len(c.idle); n > 0 {
		conn := c.idle[n-1]
		c.idle[n-1] = nil
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return conn, nil
	}
	c.mu.Unlock()
	return c.dial()
}

func (c *leanClient) dial() (*leanConn, error) {
	conn, err := net.DialTimeout("tcp", c.addr, c.timeout)
	if err != nil {
		return nil, err
	}
	return &leanConn{Conn: conn, in: bufio.NewReader(conn)}, nil
}

// putBack makes a connection whose last response was read whole available to the next request.
func (c *leanClient) putBack(conn *leanConn) {
	conn.reused = true
	c.mu.Lock()
	c.idle = append(c.idle, conn)
	c.mu.Unlock()
}

// roundTrip sends one request on conn and reads the whole response. It returns the status and a copy of
// the body: the connection's buffer serves the next request as soon as conn is back in the pool. It puts
// conn back when the response was read whole and the server keeps the connection open; otherwise it
// closes it. An error before any byte of the response arrived wraps errNoAnswer.
func (c *leanClient) roundTrip(conn *leanConn, method, path, body string) (int, []byte, error) {
	if err := conn.SetDeadline(time.Now().Add(c.timeout)); err != nil {
		_ = conn.Close()
		return 0, nil, err
	}
	conn.request = c.appendRequest(conn.request[:0], method, path, body)
	if _, err := conn.Write(conn.request); err != nil {
		_ = conn.Close()
		return 0, nil, fmt.Errorf("%w: %s %s: %w", errNoAnswer, method, path, err)
	}
	if _, err := conn.in.Peek(1); err != nil {
		_ = conn.Close()
		return 0, nil, fmt.Errorf("%w: %s %s: %w", errNoAnswer, method, path, err)
	}
	// A nil request makes ReadResponse read the response to a GET: only HEAD's would differ (no body).
	resp, err := http.ReadResponse(conn.in, nil)
	if err == nil {
		conn.body.Reset()
		_, err = conn.body.ReadFrom(resp.Body)
		_ = resp.Body.Close() // Read to the end: this only releases it.
	}
	if err != nil {
		_ = conn.Close()
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	data := bytes.Clone(conn.body.Bytes())
	if resp.Close {
		_ = conn.Close()
	} else {
		c.putBack(conn)
	}
	return resp.StatusCode, data, nil
}

// appendRequest appends the HTTP/1.1 request to b: keep-alive is HTTP/1.1's default, so it needs no
// header of its own.
func (c *leanClient) appendRequest(b []byte, method, path, body string) []byte {
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, c.prefix...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.host...)
	if c.token != "" {
		b = append(b, "\r\nAuthorization: Bearer "...)
		b = append(b, c.token...)
	}
	if body != "" {
		b = append(b, "\r\nContent-Type: application/scim+json\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
	}
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}
