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

package scim_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/scimtest"
)

// fuzzRequestBound is how long one FuzzChain request may take, well inside the ten seconds a fuzz
// worker allows an input (internal/fuzz's "deadlocked!" panic) so that revalidate still fits.
const fuzzRequestBound = 6 * time.Second

var (
	// fuzzApps are the applications FuzzChain sends to, one of each kind, made once per test process.
	fuzzApps []*endpoint
	// fuzzUser is a record every fuzz input may read, patch, replace or delete.
	fuzzUser string
)

// fuzzMethods are the methods FuzzChain picks from by its first argument.
var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// FuzzChain sends arbitrary requests through the whole chain (HTTP server, authentication, body limit,
// normalisation, elimity, handler, store) to a real API server. No client input may get a 5xx, and no
// write may store a record the CRD's schema would refuse: the store's own checks must catch every value
// the CRD refuses (a refusal by the API server answers "not acceptable to the record schema"), and what
// was stored must pass the CRD's validation again.
//
// `go test` runs the seeds and the inputs in testdata/fuzz/FuzzChain. To explore:
//
//	go test -run '^$' -fuzz FuzzChain -parallel 1 -fuzztime 5m ./internal/scim/
//
// Under -run '^$' the coordinator runs no test and starts no control plane; each worker (one per
// -parallel) starts its own through TestMain, so gathering baseline coverage waits for a control
// plane's start. The minimisation of each new input stops after 10 runs unless -fuzzminimizetime says
// otherwise (see boundMinimization): a time-bounded one ends with the coordinator killing the worker.
// Many "new interesting" inputs owe their coverage to the manager's own goroutines, not to the input:
// the coverage counters are the process's. A failing input is written to testdata/fuzz/FuzzChain and
// runs with the seeds from then on. The run ends at -fuzztime and leaves no etcd or kube-apiserver
// behind, on Linux with setpriv(1) also when killed (see localcluster.Start).
func FuzzChain(f *testing.F) {
	const id = "{id}" // Replaced by the id of a record that exists.
	seeds := []struct {
		method uint8
		kind   uint8
		path   string
		body   string
	}{
		{1, 0, "/Users", postmanUser},
		{1, 1, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"r","name":{"givenName":"x"}}`},
		{1, 0, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + strings.Repeat("é", 200) + `"}`},
		{1, 0, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a\u0000b","displayName":"\ud800"}`},
		{1, 0, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"n","active":"no","addresses":{"formatted":1}}`},
		{1, 0, "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":" ","externalId":"` + strings.Repeat("x", 300) + `"}`},
		{1, 0, "/Users", `[]`},
		{0, 0, "/Users?filter=userName+eq+%22a%22&startIndex=-1&count=99999", ""},
		{0, 0, "/Users?filter=" + strings.Repeat("(", 100), ""},
		{0, 0, "/Users/" + id, ""},
		{0, 0, "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", ""},
		{3, 0, "/Users/" + id, patchBody(`{"op":"Replace","path":"active","value":"False"},{"op":"replace","value":{"name.givenName":null,"nickName":"x"}}`)},
		{3, 0, "/Users/" + id, patchBody(`{"op":"add","path":"addresses[type eq \"work\"].formatted","value":"` + strings.Repeat("x", 2000) + `"}`)},
		{3, 0, "/Users/" + id, patchBody(`{"op":"replace","path":"userName","value":"\u212Aim"},{"op":"add","path":"addresses","value":[1,{"type":5}]}`)},
		{3, 0, "/Users/" + id, patchBody(`{"op":"replace","path":"addresses[type eq \"work\" and primary eq true].formatted","value":"x"}`)},
		{3, 0, "/Users/" + id, patchBody(`{"op":"replace","path":"name","value":"x"},{"op":"replace","path":"displayName","value":{}}`)},
		{3, 0, "/Users/" + id, `{"Operations":[]}`},
		{2, 0, "/Users/" + id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"put","name":{"formatted":"F"}}`},
		{4, 0, "/Users/" + id, ""},
		{4, 0, "/Users/not-an-id", ""},
		{2, 1, "/Users/%2e%2e", `{}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.kind, s.path, []byte(s.body))
	}
	if cluster != nil { // The fuzz coordinator has none: it runs no input.
		// Here rather than in the first input, which a fuzz worker would give only ten seconds.
		setUpFuzzApps(f)
	}
	f.Fuzz(func(t *testing.T, method, kind uint8, path string, body []byte) {
		e := fuzzApps[int(kind)%len(fuzzApps)]
		e.t = t
		path = strings.ReplaceAll(path, id, fuzzUser)
		// A fuzz worker panics without a word when an input runs ten seconds; a request that hangs
		// fails here first, naming itself.
		ctx, cancel := context.WithTimeout(context.Background(), fuzzRequestBound)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, fuzzMethods[int(method)%len(fuzzMethods)],
			baseURL+e.prefix+"/"+strings.TrimPrefix(path, "/"), strings.NewReader(string(body)))
		if err != nil {
			t.Skip("not a request a client can send")
		}
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", req.Method, req.URL, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d %s", req.Method, req.URL, body, resp.StatusCode, raw)
		}
		if strings.Contains(string(raw), "not acceptable to the record schema") {
			t.Fatalf("%s %s %q: the API server refused a value the store let through: %s", req.Method, req.URL, body, raw)
		}
		revalidate(t, e)
	})
}

// setUpFuzzApps makes the fuzz applications and the shared record. They live as long as the test process:
// a fuzz input's t ends after the input.
func setUpFuzzApps(t testing.TB) {
	for _, rt := range []v1.ResourceType{v1.ResourceTypeAdvisors, v1.ResourceTypeRooms} {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "fuzz-"}}
		if err := cluster.Client.Create(context.Background(), ns); err != nil {
			t.Fatalf("create namespace: %v", err)
		}
		fuzzApps = append(fuzzApps, newApp(t, ns.Name, rt))
	}
	fuzzUser = fuzzApps[0].create("fuzz@contoso.com")
}

// revalidated holds, by uid, the resourceVersion of every record revalidate has found valid: the CRD
// does not change during a test process, so a record unchanged since then needs no second dry run. Each
// fuzz input would otherwise dry-run every record the inputs before it created.
var revalidated = map[types.UID]string{}

// revalidate checks that every record of the application still passes the CRD's validation, by a
// server-side dry-run update of each record written since it was last checked. When a fuzz input
// deleted the shared record, it comes back.
func revalidate(t *testing.T, e *endpoint) {
	t.Helper()
	for _, obj := range records(t, e) {
		uid, version := obj.GetUID(), obj.GetResourceVersion()
		if revalidated[uid] == version {
			continue
		}
		if err := cluster.Client.Update(t.Context(), obj, client.DryRunAll); err != nil {
			t.Fatalf("stored record %s no longer passes the CRD's validation: %v", obj.GetName(), err)
		}
		revalidated[uid] = version
	}
	if e == fuzzApps[0] && e.do(http.MethodGet, "/Users/"+fuzzUser, "").status == http.StatusNotFound {
		fuzzUser = e.create("fuzz-" + scimtest.RandomToken()[:8] + "@contoso.com")
	}
}
