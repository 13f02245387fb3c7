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
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/localcluster"
	"github.com/andmoney/scim-operator/internal/scim"
	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/scimtest"
)

var (
	cluster *localcluster.Cluster
	// baseURL is the SCIM server of the suite's manager, e.g. http://127.0.0.1:41234.
	baseURL string
	// testMgr is the suite's manager, for tests that drive the store directly.
	testMgr manager.Manager
	// httpClient talks to it; keep-alive as Entra does.
	httpClient = &http.Client{Timeout: 30 * time.Second}
)

// TestMain runs one control plane and one manager with the real SCIM server for the package: every
// test gets its own namespace and applications.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if fuzzCoordinator() {
		boundMinimization()
		if runsNoTests() {
			// The coordinator of `go test -fuzz` runs no input itself: only its workers need a control
			// plane, and each starts its own.
			return m.Run()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	var err error
	cluster, err = localcluster.Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start local control plane:", err)
		return 1
	}
	defer func() {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop local control plane:", err)
		}
	}()
	if os.Getenv("SCIM_TEST_LOG") != "" {
		ctrl.SetLogger(zap.New(zap.UseDevMode(true)))
	}
	installCtx, cancelInstall := context.WithTimeout(context.Background(), 2*time.Minute)
	err = installDesks(installCtx)
	cancelInstall()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	endpoint, err := scimtest.Start(cluster, scim.Options{MaxBodyBytes: 16 << 10, MaxResults: 50,
		Kinds: append(model.BuiltinKinds(), deskKind)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	testMgr, baseURL = endpoint.Manager, endpoint.URL
	defer func() {
		if err := endpoint.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	if err := waitServing(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if fuzzWorker() {
		// The coordinator ends a worker by closing its input, then sends SIGINT after a second and
		// SIGKILL after two. Stopping the manager and the control plane takes about a second; ignoring
		// SIGINT lets that finish, so the worker removes its own etcd data rather than leaving it for
		// the next run to sweep.
		signal.Ignore(os.Interrupt)
	}
	return code
}

// fuzzCoordinator tells whether this process coordinates `go test -fuzz`: it hands inputs to worker
// processes (started with -test.fuzzworker) and runs the package's tests, but no fuzz input.
func fuzzCoordinator() bool {
	fuzz, worker := flag.Lookup("test.fuzz"), flag.Lookup("test.fuzzworker")
	return fuzz != nil && fuzz.Value.String() != "" && worker != nil && worker.Value.String() == "false"
}

// fuzzWorker tells whether this process is a `go test -fuzz` worker, which runs the inputs its
// coordinator hands it.
func fuzzWorker() bool {
	worker := flag.Lookup("test.fuzzworker")
	return worker != nil && worker.Value.String() == "true"
}

// runsNoTests tells whether -run is '^$', which matches no test.
func runsNoTests() bool {
	run := flag.Lookup("test.run")
	return run != nil && run.Value.String() == "^$"
}

// minimizeExecs bounds the minimisation of each new input by count unless -fuzzminimizetime is given.
// Bounded by time (60 s by default), a minimisation that runs out is ended by the coordinator, whose
// deadline passes just before the worker's: it kills the worker and starts a new one, which costs a
// control plane's start. A count ends inside the worker, which then fuzzes on. It is small because
// fuzzing waits while a worker minimises and an input here takes 10 ms to 1 s (a DELETE takes about
// a second): at 100 runs, minimising took 400 of 600 seconds. Much new coverage comes from the
// manager's own goroutines rather than the input, so a long minimisation buys little.
const minimizeExecs = "10x"

// boundMinimization sets -fuzzminimizetime to minimizeExecs unless the command line set it.
func boundMinimization() {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.fuzzminimizetime" })
	if !given {
		if err := flag.Set("test.fuzzminimizetime", minimizeExecs); err != nil {
			panic(err) // The testing package renamed or retyped the flag: the suite must learn its new form.
		}
	}
}

func waitServing() error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := httpClient.Get(baseURL + "/")
		if err == nil {
			_ = resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the SCIM server did not come up at %s", baseURL)
}

// newNamespace gives each test its own namespace.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "scim-"}}
	if err := cluster.Client.Create(t.Context(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() { _ = cluster.Client.Delete(context.Background(), ns) })
	return ns.Name
}

// endpoint is a SCIM client for one application, as Entra is configured with it.
type endpoint struct {
	t      testing.TB
	prefix string
	token  string
	app    *v1.ScimApplication
}

// newApp creates a token Secret and a ScimApplication of the kind, and waits until the endpoint accepts
// the token.
func newApp(t testing.TB, ns string, rt v1.ResourceType) *endpoint {
	t.Helper()
	g := NewWithT(t)
	token := scimtest.RandomToken()
	// A trailing newline, as `kubectl create secret --from-file` leaves it.
	app, err := scimtest.NewApplication(t.Context(), cluster.Client, ns, "", rt, token+"\n")
	g.Expect(err).NotTo(HaveOccurred())
	e := &endpoint{t: t, prefix: "/" + string(rt) + "/scim", token: token, app: app}
	g.Eventually(func() int { return e.do(http.MethodGet, "/ServiceProviderConfig", "").status }).
		WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusOK))
	return e
}

// response is a decoded SCIM response.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (e *endpoint) do(method, path, body string) response {
	return e.doWithToken(e.token, method, path, body)
}

func (e *endpoint) doWithToken(token, method, path, body string) response {
	e.t.Helper()
	var rdr io.Reader
	if body != "" {
		rdr = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, baseURL+e.prefix+path, rdr)
	if err != nil {
		e.t.Fatalf("build request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read response: %v", err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			e.t.Fatalf("%s %s: response is not a JSON object: %v\n%s", method, path, err, raw)
		}
	}
	return r
}

// create POSTs an Entra-shaped user and returns its id.
func (e *endpoint) create(userName string) string {
	e.t.Helper()
	r := e.do(http.MethodPost, "/Users", userBody(e.prefix, userName, "ext-"+userName))
	if r.status != http.StatusCreated {
		e.t.Fatalf("create %s: %d %s", userName, r.status, r.raw)
	}
	return r.body["id"].(string)
}

func userBody(prefix, userName, externalID string) string {
	name := `"name":{"givenName":"Ada","familyName":"Lovelace"},`
	if strings.HasPrefix(prefix, "/rooms") {
		name = ""
	}
	return fmt.Sprintf(`{
  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "externalId":%q, "userName":%q, "active":true, "displayName":"Ada Lovelace", %s
  "addresses":[{"type":"work","formatted":"Room 4.12"}],
  "meta":{"resourceType":"User"}, "roles":[]
}`, externalID, userName, name)
}

// patchBody wraps operations in a PatchOp message.
func patchBody(ops string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`
}

// expectError checks the SCIM error shape: media type, status as a string, scimType.
func expectError(g Gomega, r response, status int, scimType string) {
	g.ExpectWithOffset(1, r.status).To(Equal(status), "body: %s", r.raw)
	g.ExpectWithOffset(1, r.header.Get("Content-Type")).To(HavePrefix("application/scim+json"))
	g.ExpectWithOffset(1, r.body).To(HaveKeyWithValue("schemas", ConsistOf("urn:ietf:params:scim:api:messages:2.0:Error")))
	g.ExpectWithOffset(1, r.body).To(HaveKeyWithValue("status", fmt.Sprint(status)))
	if scimType != "" {
		g.ExpectWithOffset(1, r.body).To(HaveKeyWithValue("scimType", scimType))
	} else {
		g.ExpectWithOffset(1, r.body).NotTo(HaveKey("scimType"))
	}
}

// records lists the records of an application straight from the API server.
func records(t *testing.T, e *endpoint) []client.Object {
	t.Helper()
	var out []client.Object
	sel := client.MatchingLabels{v1.ApplicationLabel: e.app.Name}
	if e.app.Spec.ResourceType == v1.ResourceTypeRooms {
		list := &v1.RoomList{}
		if err := cluster.Client.List(t.Context(), list, client.InNamespace(e.app.Namespace), sel); err != nil {
			t.Fatalf("list rooms: %v", err)
		}
		for i := range list.Items {
			out = append(out, &list.Items[i])
		}
		return out
	}
	list := &v1.AdvisorList{}
	if err := cluster.Client.List(t.Context(), list, client.InNamespace(e.app.Namespace), sel); err != nil {
		t.Fatalf("list advisors: %v", err)
	}
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out
}

// optIn is the label every token Secret the endpoint may read carries.
var optIn = map[string]string{v1.SecretTypeLabel: v1.SecretTypeSCIMToken}
