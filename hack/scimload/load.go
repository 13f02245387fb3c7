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
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// result is one phase's throughput and latency.
type result struct {
	name      string
	ops       int
	errors    int64
	elapsed   time.Duration
	latencies []time.Duration // Sorted by interleave, once all rounds are in; pct reads them.
	// cpu is this process's CPU time during the phase: the load generator's, and the endpoint's in its
	// phases. The API server's and etcd's are not in it.
	cpu time.Duration
	// machineCPU is the CPU time of this process and of its descendants, etcd and kube-apiserver, during
	// the phase: what the phase cost the machine, and how much of it the endpoint's process spent. When
	// every CPU is busy, the ratio of two phases' rates follows the inverse ratio of their machineCPU per
	// operation.
	machineCPU time.Duration
	// allocated is what this process allocated on the heap during the phase, which its garbage collector
	// then costs.
	allocated uint64
}

func (r result) rate() float64 { return float64(r.ops) / r.elapsed.Seconds() }

// plus adds another round of the same phase.
func (r result) plus(round result) result {
	return result{name: round.name, ops: r.ops + round.ops, errors: r.errors + round.errors,
		elapsed: r.elapsed + round.elapsed, latencies: append(r.latencies, round.latencies...), cpu: r.cpu + round.cpu,
		machineCPU: r.machineCPU + round.machineCPU, allocated: r.allocated + round.allocated}
}

// phase is one side of a comparison: n operations, op(0) to op(n-1), sent by c clients.
type phase struct {
	name string
	n, c int
	op   func(i int) error
	// profiled phases write a CPU profile per round (see profile).
	profiled bool
}

// interleave runs phases that are compared with each other in rounds: each round runs the next slice
// of every phase's operations, one phase after the other, starting from a different phase each round.
// On a shared host, phases run seconds apart measure the host's drift as much as the code; spread over
// rounds, the drift falls on every phase alike. Each result adds up its phase's rounds.
func interleave(rounds int, profilePrefix string, phases ...phase) []result {
	rounds = max(1, rounds)
	out := make([]result, len(phases))
	for r := range rounds {
		for k := range phases {
			at := (r + k) % len(phases)
			p := phases[at]
			lo, hi := r*p.n/rounds, (r+1)*p.n/rounds
			stop := func() {}
			if p.profiled {
				stop = profile(profilePrefix, fmt.Sprintf("%s round %d", p.name, r+1))
			}
			out[at] = out[at].plus(run(p.name, hi-lo, p.c, func(i int) error { return p.op(lo + i) }))
			stop()
		}
	}
	for i := range out {
		slices.Sort(out[i].latencies)
	}
	return out
}

func (r result) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(p*float64(len(r.latencies))))]
}

func (r result) String() string {
	ops := float64(max(r.ops, 1))
	return fmt.Sprintf("%-44s %7d ops %8.0f /s   p50 %7.2f ms   p99 %7.2f ms   cpu/op %5.0f µs   machine/op %5.0f µs   alloc/op %4.0f KB   errors %d",
		r.name, r.ops, r.rate(), ms(r.pct(0.50)), ms(r.pct(0.99)), float64(r.cpu.Microseconds())/ops,
		r.machinePerOp(), float64(r.allocated)/1024/ops, r.errors)
}

// machinePerOp is the machine's CPU per operation in µs (machineCPU).
func (r result) machinePerOp() float64 {
	return float64(r.machineCPU.Microseconds()) / float64(max(r.ops, 1))
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapAllocated is what this process has allocated on the heap so far.
func heapAllocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// run calls op(i) for i in [0, n) from c workers and times each call; op returns an error for a failure.
func run(name string, n, c int, op func(i int) error) result {
	var (
		next   atomic.Int64
		errs   atomic.Int64
		mu     sync.Mutex
		all    = make([]time.Duration, 0, n)
		wg     sync.WaitGroup
		firstE atomic.Value
	)
	machineStart := descendantsCPU() // Reads /proc: outside the timed span.
	start, cpuStart, allocStart := time.Now(), processCPU(), heapAllocated()
	machineStart += cpuStart
	for range c {
		wg.Go(func() {
			local := make([]time.Duration, 0, n/c+1)
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					break
				}
				t := time.Now()
				if err := op(i); err != nil {
					errs.Add(1)
					firstE.CompareAndSwap(nil, err)
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			all = append(all, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), processCPU()
	r := result{name: name, ops: n, errors: errs.Load(), elapsed: elapsed, latencies: all, cpu: cpu - cpuStart,
		machineCPU: cpu + descendantsCPU() - machineStart, allocated: heapAllocated() - allocStart}
	if e := firstE.Load(); e != nil {
		fmt.Printf("  %s: first error: %v\n", name, e)
	}
	return r
}

// sender sends Entra-shaped requests to one SCIM base URL: do sends a request and fails unless the status
// is want; it returns the body.
type sender interface {
	do(method, path, body string, want int) ([]byte, error)
}

// The -client flag's values: the load generators that can stand in for Entra.
const (
	leanSender    = "lean"     // leanClient
	netHTTPSender = "net/http" // scimClient
)

var senderKinds = []string{leanSender, netHTTPSender}

// newSender returns the kind of client that -client names for base; conns is how many requests it
// will send at once.
func newSender(kind, base, token string, conns int) (sender, error) {
	switch kind {
	case leanSender:
		c, err := newLeanClient(base, token)
		if err != nil {
			return nil, err // Not a typed nil in the interface.
		}
		return c, nil
	case netHTTPSender:
		return newClient(base, token, conns), nil
	}
	return nil, fmt.Errorf("-client: %q is none of %q", kind, senderKinds)
}

// scimClient sends Entra-shaped requests to one SCIM base URL with net/http's Client.
type scimClient struct {
	base  string // e.g. http://127.0.0.1:8080/advisors/scim
	token string
	http  *http.Client
}

func newClient(base, token string, conns int) *scimClient {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &scimClient{base: base, token: token, http: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// do sends a request and fails unless the status is want; it returns the body.
func (c *scimClient) do(method, path, body string, want int) ([]byte, error) {
	var rdr io.Reader
	if body != "" {
		rdr = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.base+path, rdr)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return data, fmt.Errorf("%s %s: %d, want %d: %.200s", method, path, resp.StatusCode, want, data)
	}
	return data, nil
}

func userName(i int) string { return fmt.Sprintf("user%06d@contoso.com", i) }

func createBody(i int) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"externalId":"ext-%06d","userName":%q,"active":true,"displayName":"User %d",
"name":{"givenName":"Given","familyName":"Family %d"},"addresses":[{"type":"work","formatted":"Room %d"}],
"meta":{"resourceType":"User"},"roles":[]}`, i, userName(i), i, i, i)
}

const (
	patchLegacy = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
{"op":"Replace","path":"displayName","value":"Renamed %d"},{"op":"Replace","path":"name.familyName","value":"F%d"}]}`
	patchDisable = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`
)

// filterPath is Entra's match lookup, encoded as Entra encodes it.
func filterPath(name string) string {
	return `/Users?filter=userName+eq+"` + strings.ReplaceAll(name, "@", "%40") + `"`
}
