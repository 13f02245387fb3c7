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

// Command postman runs Microsoft's SCIM conformance collection (PostmanCollection.json of the
// AzureAD/SCIMReferenceCode repository) with newman against the SCIM endpoint of an empty advisors
// ScimApplication, on a local control plane (the kube-apiserver and etcd the tests use), and checks every
// failed assertion against the committed list of expected failures in expected.go.
//
// It exits non-zero when an assertion fails that the list does not expect, or when one the list expects
// to fail passes (or no longer runs): either way the list, and docs/scim-conformance.md, need a look.
//
// The collection is Microsoft's, not ours, so it is neither committed nor run in CI: fetch it yourself and
// install newman outside the clone (npm install --prefix /tmp/newman newman). See docs/scim-conformance.md.
//
// Usage: go run ./hack/postman -collection /tmp/postman/collection.json [-newman /tmp/newman/node_modules/.bin/newman] [-v]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/localcluster"
	"github.com/andmoney/scim-operator/internal/scim"
	"github.com/andmoney/scim-operator/internal/scim/scimtest"
)

func main() {
	collection := flag.String("collection", "", "Path to the collection JSON (PostmanCollection.json of AzureAD/SCIMReferenceCode).")
	newman := flag.String("newman", "newman", "The newman executable.")
	keep := flag.String("report", "", "Also write newman's JSON report to this file.")
	verbose := flag.Bool("v", false, "Log what the manager and the SCIM endpoint log, and show newman's own output.")
	flag.Parse()
	if *collection == "" {
		fmt.Fprintln(os.Stderr, "postman: -collection is required")
		os.Exit(2)
	}
	ctrl.SetLogger(logr.Discard())
	if *verbose {
		ctrl.SetLogger(zap.New(zap.UseDevMode(true)))
	}
	ok, err := run(*collection, *newman, *keep, *verbose)
	if err != nil {
		fmt.Fprintln(os.Stderr, "postman:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(collectionPath, newman, keep string, verbose bool) (bool, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tmp, err := os.MkdirTemp("", "scim-postman-")
	if err != nil {
		return false, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	coll, version, err := prepareCollection(collectionPath, filepath.Join(tmp, "collection.json"))
	if err != nil {
		return false, err
	}

	fmt.Println("Starting the local control plane (kube-apiserver + etcd)...")
	cluster, err := localcluster.Start(ctx)
	if err != nil {
		return false, err
	}
	defer func() { _ = cluster.Stop() }()
	// The endpoint alone, as cmd/main.go sets it up; no controller runs: it serves an application from
	// its token Secret.
	endpoint, err := scimtest.Start(cluster, scim.Options{})
	if err != nil {
		return false, err
	}
	defer func() { _ = endpoint.Stop() }()
	addr := strings.TrimPrefix(endpoint.URL, "http://")
	token, err := newApplication(ctx, cluster)
	if err != nil {
		return false, err
	}
	if err := waitServing("http://"+addr+advisorsPrefix+"/ServiceProviderConfig", token); err != nil {
		return false, err
	}
	host, port, _ := net.SplitHostPort(addr)

	report := filepath.Join(tmp, "report.json")
	args := []string{"run", coll, "--reporters", "cli,json", "--reporter-json-export", report, "--disable-unicode", "--color", "off"}
	// The collection's own variables point at the reference implementation; environment variables take
	// precedence over them.
	for _, v := range []string{"Protocol=http", "Server=" + host, "Port=:" + port,
		"Api=" + strings.TrimPrefix(advisorsPrefix, "/"), "token=" + token} {
		args = append(args, "--env-var", v)
	}
	if !verbose {
		args = append(args, "--reporter-cli-no-summary", "--reporter-cli-no-failures", "--reporter-cli-no-assertions")
	}
	fmt.Printf("Running the collection with newman against %s%s\n", addr, advisorsPrefix)
	cmd := exec.CommandContext(ctx, newman, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	// newman exits 1 when any assertion fails; that is judged below, from its report.
	if err := cmd.Run(); err != nil {
		if _, ok := errors.AsType[*exec.ExitError](err); !ok {
			return false, fmt.Errorf("run %s: %w", newman, err)
		}
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		return false, fmt.Errorf("newman wrote no report: %w", err)
	}
	if keep != "" {
		if err := os.WriteFile(keep, raw, 0o600); err != nil {
			return false, err
		}
	}
	results, total, err := parseReport(raw)
	if err != nil {
		return false, err
	}
	return judge(results, total, version), nil
}

// advisorsPrefix is where the endpoint serves the advisors resource type.
const advisorsPrefix = "/advisors/scim"

// newApplication creates the empty advisors ScimApplication the collection runs against, with its token
// Secret, and returns the token.
func newApplication(ctx context.Context, cluster *localcluster.Cluster) (string, error) {
	const ns, name = "postman", "advisors"
	if err := cluster.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return "", fmt.Errorf("create namespace %s: %w", ns, err)
	}
	token := scimtest.RandomToken()
	_, err := scimtest.NewApplication(ctx, cluster.Client, ns, name, v1.ResourceTypeAdvisors, token)
	return token, err
}

// waitServing returns once the endpoint answers an authenticated request: the manager's caches have
// synced and the endpoint has read the new application's token.
func waitServing(url, token string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the SCIM endpoint did not start serving: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// prepareCollection writes a copy of the collection that newman runs: every request gets a stable id,
// "<folder>/<request name>" with "#2", "#3"... for repeated names, which names it in newman's report and
// in the expected list; and requests to the reference implementation's own /Token login are dropped,
// because this endpoint takes the application's bearer token, passed in as the token variable.
func prepareCollection(in, out string) (path, version string, err error) {
	raw, err := os.ReadFile(in)
	if err != nil {
		return "", "", err
	}
	var coll map[string]any
	if err := json.Unmarshal(raw, &coll); err != nil {
		return "", "", fmt.Errorf("read the collection %s: %w", in, err)
	}
	info, _ := coll["info"].(map[string]any)
	version, _ = info["_postman_id"].(string)
	seen := map[string]int{}
	var walk func(items []any, folder string) []any
	walk = func(items []any, folder string) []any {
		kept := items[:0]
		for _, it := range items {
			item, ok := it.(map[string]any)
			if !ok {
				continue
			}
			name, _ := item["name"].(string)
			if children, ok := item["item"].([]any); ok {
				item["item"] = walk(children, folder+name+"/")
				if len(item["item"].([]any)) > 0 {
					kept = append(kept, item)
				}
				continue
			}
			if isTokenLogin(item) {
				continue
			}
			id := folder + name
			seen[id]++
			if n := seen[id]; n > 1 {
				id += "#" + strconv.Itoa(n)
			}
			item["id"] = id
			kept = append(kept, item)
		}
		return kept
	}
	items, _ := coll["item"].([]any)
	coll["item"] = walk(items, "")
	b, err := json.Marshal(coll)
	if err != nil {
		return "", "", err
	}
	return out, version, os.WriteFile(out, b, 0o600)
}

// isTokenLogin reports whether a request is the reference implementation's GET {{Api}}/Token.
func isTokenLogin(item map[string]any) bool {
	req, _ := item["request"].(map[string]any)
	u, _ := req["url"].(map[string]any)
	raw, _ := u["raw"].(string)
	return strings.HasSuffix(strings.SplitN(raw, "?", 2)[0], "/Token")
}

// result is one assertion newman ran, or one test script that threw before its assertions.
type result struct {
	key    string // "<request id> :: <assertion>"
	failed bool
	detail string
}

// parseReport reads newman's JSON report. A test script that throws (e.g. on a response that is not
// JSON) is a result of its own, "<request id> :: (test script)", since its assertions never ran.
func parseReport(raw []byte) ([]result, int, error) {
	var rep struct {
		Run struct {
			Executions []struct {
				Item struct {
					ID string `json:"id"`
				} `json:"item"`
				Response struct {
					Code int `json:"code"`
				} `json:"response"`
				Assertions []struct {
					Assertion string `json:"assertion"`
					Error     *struct {
						Message string `json:"message"`
					} `json:"error"`
				} `json:"assertions"`
				TestScript []struct {
					Error *struct {
						Message string `json:"message"`
					} `json:"error"`
				} `json:"testScript"`
			} `json:"executions"`
		} `json:"run"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		return nil, 0, fmt.Errorf("read newman's report: %w", err)
	}
	var results []result
	total := 0
	for _, ex := range rep.Run.Executions {
		for _, a := range ex.Assertions {
			total++
			r := result{key: ex.Item.ID + " :: " + a.Assertion}
			if a.Error != nil {
				r.failed, r.detail = true, fmt.Sprintf("HTTP %d: %s", ex.Response.Code, a.Error.Message)
			}
			results = append(results, r)
		}
		for _, ts := range ex.TestScript {
			if ts.Error != nil {
				results = append(results, result{key: ex.Item.ID + " :: " + scriptError, failed: true,
					detail: fmt.Sprintf("HTTP %d: %s", ex.Response.Code, ts.Error.Message)})
			}
		}
	}
	return results, total, nil
}

// scriptError names a test script that threw, in place of an assertion name.
const scriptError = "(test script)"

// judge prints the run's outcome against the expected failures of the collection's version (its
// _postman_id) and reports whether it matches them.
func judge(results []result, total int, version string) bool {
	var applicable []expectedFailure
	expected := map[string]string{}
	for _, e := range expectedFailures {
		if e.OnlyIn == "" || e.OnlyIn == version {
			applicable = append(applicable, e)
			expected[e.Key] = e.Reason
		}
	}
	failed := 0
	var asExpected, unexpected, stale []string
	ran := map[string]bool{}
	for _, r := range results {
		ran[r.key] = true
		_, isExpected := expected[r.key]
		switch {
		case r.failed && isExpected:
			failed++
			asExpected = append(asExpected, fmt.Sprintf("%s\n      %s", r.key, expected[r.key]))
		case r.failed:
			failed++
			unexpected = append(unexpected, fmt.Sprintf("%s\n      %s", r.key, r.detail))
		case isExpected:
			stale = append(stale, r.key+" (passes now)")
		}
	}
	for _, e := range applicable {
		if !ran[e.Key] {
			stale = append(stale, e.Key+" (did not run)")
		}
	}
	sort.Strings(stale)
	assertionsFailed := 0
	for _, r := range results {
		if r.failed && !strings.HasSuffix(r.key, scriptError) {
			assertionsFailed++
		}
	}
	fmt.Printf("\n%d assertions, %d passed, %d failed (%d expected, %d unexpected); %d test scripts threw.\n",
		total, total-assertionsFailed, assertionsFailed, failed-len(unexpected), len(unexpected), failed-assertionsFailed)
	for _, e := range asExpected {
		fmt.Println("expected failure:", e)
	}
	for _, u := range unexpected {
		fmt.Println("UNEXPECTED FAILURE:", u)
	}
	for _, s := range stale {
		fmt.Println("EXPECTED TO FAIL, BUT:", s)
	}
	return len(unexpected) == 0 && len(stale) == 0
}
