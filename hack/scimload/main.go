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

// Command scimload is the SCIM endpoint's load benchmark. In one run, on one local control plane (the
// same kube-apiserver and etcd the tests use), it drives Entra's create cycle (filter miss + POST), its
// read path (GET by filter, GET by id) and its updates (legacy PATCH + disable) against:
//
//   - the SCIM endpoint, running in a controller-runtime manager as in production;
//   - (a) the storage limit: plain client creates of the same Advisor objects on the same API server;
//   - (b) the library limit: elimity-com/scim with an in-memory map handler.
//
// It then measures the manager's heap per cached record and, with -startup, how long a new replica takes
// from start to serving that many records. See docs/benchmarks.md for the method and figures.
//
// With -control-plane-cpus, etcd and kube-apiserver run on those CPUs and this process (load generator
// and endpoint) on the others, as in a real cluster, where the API server never shares cores with the
// operator or with Entra. Without it, everything shares every core.
//
// The load generator stands in for Entra, whose CPU in production is on Microsoft's machines, not on the
// operator's: here it shares the CPUs of the endpoint and the API server it measures. So by default
// (-client lean) it is a lean HTTP/1.1 client: a pool of keep-alive connections, each request written in
// one write and its response read on the caller's goroutine, which costs the machine far less than
// net/http's Client. -client net/http uses net/http's Client instead, for the same requests.
//
// Usage: go run ./hack/scimload [-n 2000] [-c 16] [-read-concurrency 64] [-memory 10000,50000] [-startup 50000] [-rounds 4] [-cpuprofile /tmp/scim] [-control-plane-cpus 1] [-client lean|net/http]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/localcluster"
	"github.com/andmoney/scim-operator/internal/scim"
	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/scimtest"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// settings are the command's flags.
type settings struct {
	n, c, rc, reads int
	rounds          int
	memory          []int // Record counts of the memory step, growing; none skips it.
	startup         int
	cpuprofile      string
	// controlPlaneCPUs are where etcd and kube-apiserver run; empty shares every CPU.
	controlPlaneCPUs []int
	client           string // The load generator: leanSender or netHTTPSender (see newSender).
}

func main() {
	var set settings
	flag.IntVar(&set.n, "n", 2000, "Users per phase.")
	flag.IntVar(&set.c, "c", 16, "Concurrent clients for creates and patches.")
	flag.IntVar(&set.rc, "read-concurrency", 64, "Concurrent clients for reads.")
	flag.IntVar(&set.reads, "reads", 20000, "Requests per read phase.")
	flag.IntVar(&set.rounds, "rounds", 4, "Rounds that the phases compared with each other take turns in.")
	memory := flag.String("memory", "10000", "Comma-separated record counts for the memory measurement, growing; empty skips it.")
	flag.StringVar(&set.cpuprofile, "cpuprofile", "",
		"Write a CPU profile of each round of each SCIM endpoint phase to <this prefix>-<phase>_round_<k>.pprof (go tool pprof).")
	flag.IntVar(&set.startup, "startup", 0, "Records a new replica starts with, for the start-to-ready measurement; 0 skips it.")
	onlyStartup := flag.Bool("only-startup", false, "Measure only the start-up (with -startup), no load phases.")
	verbose := flag.Bool("v", false, "Log what the manager and the SCIM endpoint log.")
	controlPlaneCPUs := flag.String("control-plane-cpus", "",
		"Comma-separated CPUs for etcd and kube-apiserver; this process keeps off them. Empty: all share every CPU.")
	flag.StringVar(&set.client, "client", leanSender,
		"The load generator's HTTP client: lean (a minimal HTTP/1.1 client, the least CPU) or net/http (net/http's Client).")
	flag.Parse()
	ctrl.SetLogger(logr.Discard())
	if *verbose {
		ctrl.SetLogger(zap.New(zap.UseDevMode(true)))
	}
	if *onlyStartup {
		set.n, *memory = 0, ""
	}
	var err error
	if set.memory, err = parseNumbers("-memory", *memory); err == nil && !slices.IsSorted(set.memory) {
		err = fmt.Errorf("-memory: the record counts must grow")
	}
	if err == nil {
		set.controlPlaneCPUs, err = parseNumbers("-control-plane-cpus", *controlPlaneCPUs)
	}
	if err == nil && !slices.Contains(senderKinds, set.client) {
		err = fmt.Errorf("-client: %q is none of %q", set.client, senderKinds)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scimload:", err)
		os.Exit(2)
	}
	if err := bench(set); err != nil {
		fmt.Fprintln(os.Stderr, "scimload:", err)
		os.Exit(1)
	}
}

func bench(set settings) error {
	n, c, rc, reads, rounds := set.n, set.c, set.rc, set.reads, set.rounds
	ctx := context.Background()
	fmt.Println("Starting the local control plane (kube-apiserver + etcd, etcd with --unsafe-no-fsync as envtest runs it)...")
	cluster, err := localcluster.Start(ctx, localcluster.OnCPUs(set.controlPlaneCPUs...))
	if err != nil {
		return err
	}
	defer func() { _ = cluster.Stop() }()
	if len(set.controlPlaneCPUs) > 0 {
		kept, err := localcluster.KeepOffCPUs(set.controlPlaneCPUs...)
		if err != nil {
			return err
		}
		fmt.Printf("etcd and kube-apiserver on CPUs %v; the load generator and the endpoint on CPUs %v\n", set.controlPlaneCPUs, kept)
	}

	endpoint, err := scimtest.Start(cluster, scim.Options{})
	if err != nil {
		return err
	}
	defer func() { _ = endpoint.Stop() }()
	mgr := endpoint.Manager
	token, err := newApplication(ctx, cluster.Client, "bench", "bench")
	if err != nil {
		return err
	}
	ours, err := newSender(set.client, endpoint.URL+"/advisors/scim", token, max(c, rc))
	if err != nil {
		return err
	}
	if err := waitFor(func() error { _, err := ours.do(http.MethodGet, "/ServiceProviderConfig", "", 200); return err }); err != nil {
		return err
	}
	mem, err := startMemServer(set.client, max(c, rc))
	if err != nil {
		return err
	}
	if n == 0 {
		return measureStartup(ctx, cluster, set.client, set.startup)
	}

	fmt.Printf("\nN=%d users, %d clients for writes, %d for reads, %s client, GOMAXPROCS=%d, %d rounds\n\n",
		n, c, rc, set.client, runtime.GOMAXPROCS(0), rounds)
	compare := func(phases ...phase) []result { return interleave(rounds, set.cpuprofile, phases...) }

	// (a) The storage limit: the records alone, created through the API server.
	if err := ensureNamespace(ctx, cluster.Client, "bench-raw"); err != nil {
		return err
	}
	rawCreate := func(i int) error { return cluster.Client.Create(ctx, advisor("bench-raw", "raw", i)) }
	createCycle := func(cl sender, ids []string) func(int) error {
		return func(i int) error {
			if _, err := cl.do(http.MethodGet, filterPath(userName(i)), "", 200); err != nil {
				return err
			}
			body, err := cl.do(http.MethodPost, "/Users", createBody(i), 201)
			if err != nil {
				return err
			}
			var res struct{ ID string }
			if err := json.Unmarshal(body, &res); err != nil {
				return err
			}
			ids[i] = res.ID
			return nil
		}
	}
	memIDs, ourIDs := make([]string, n), make([]string, n)
	creates := compare(
		phase{name: "(a) client Create of Advisor objects", n: n, c: c, op: rawCreate},
		phase{name: "(b) elimity+map: filter miss + POST", n: n, c: c, op: createCycle(mem, memIDs)},
		phase{name: "SCIM endpoint: filter miss + POST", n: n, c: c, op: createCycle(ours, ourIDs), profiled: true})
	rawA, ourCreate := creates[0], creates[2]

	filterOp := func(cl sender) func(int) error {
		return func(i int) error {
			_, err := cl.do(http.MethodGet, filterPath(strings.ToUpper(userName(i%n))), "", 200)
			return err
		}
	}
	getOp := func(cl sender, ids []string) func(int) error {
		return func(i int) error { _, err := cl.do(http.MethodGet, "/Users/"+ids[i%n], "", 200); return err }
	}
	filters := compare(
		phase{name: "(b) elimity+map: GET filter userName eq", n: reads, c: rc, op: filterOp(mem)},
		phase{name: "SCIM endpoint: GET filter userName eq", n: reads, c: rc, op: filterOp(ours), profiled: true})
	memFilter, ourFilter := filters[0], filters[1]
	gets := compare(
		phase{name: "(b) elimity+map: GET by id", n: reads, c: rc, op: getOp(mem, memIDs)},
		phase{name: "SCIM endpoint: GET by id", n: reads, c: rc, op: getOp(ours, ourIDs), profiled: true})
	memGet, ourGet := gets[0], gets[1]

	patchOp := func(cl sender, ids []string) func(int) error {
		return func(i int) error {
			if _, err := cl.do(http.MethodPatch, "/Users/"+ids[i], fmt.Sprintf(patchLegacy, i, i), 200); err != nil {
				return err
			}
			_, err := cl.do(http.MethodPatch, "/Users/"+ids[i], patchDisable, 200)
			return err
		}
	}
	// (a) The storage limit for updates: two merge patches per record, as the two PATCHes of a user.
	rawPatch := func(i int) error {
		obj := advisor("bench-raw", "raw", i)
		if err := cluster.Client.Patch(ctx, obj, client.RawPatch(types.MergePatchType,
			fmt.Appendf(nil, `{"spec":{"displayName":"Patched %d","name":{"familyName":"Patched %d"}}}`, i, i))); err != nil {
			return err
		}
		return cluster.Client.Patch(ctx, obj, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"active":false}}`)))
	}
	patches := compare(
		phase{name: "(a) client merge patch of Advisor objects (x2)", n: n, c: c, op: rawPatch},
		phase{name: "(b) elimity+map: legacy PATCH + disable", n: n, c: c, op: patchOp(mem, memIDs)},
		phase{name: "SCIM endpoint: legacy PATCH + disable", n: n, c: c, op: patchOp(ours, ourIDs), profiled: true})
	rawPatchA, memPatch, ourPatch := patches[0], patches[1], patches[2]
	results := slices.Concat(creates, filters, gets, patches)

	fmt.Println("Phase                                            ops     rate        latency")
	for _, r := range results {
		fmt.Println(r)
	}
	fmt.Printf("\nCreate path: endpoint %.0f cycles/s vs (a) %.0f creates/s = %.2fx (target >= 0.9x)\n",
		ourCreate.rate(), rawA.rate(), ourCreate.rate()/rawA.rate())
	printMachineCPU(ourCreate, rawA)
	fmt.Printf("Filter:      endpoint %.0f/s vs (b) %.0f/s = %.2fx (target >= 0.8x), p99 %.2f ms (target < 5 ms)\n",
		ourFilter.rate(), memFilter.rate(), ourFilter.rate()/memFilter.rate(), ms(ourFilter.pct(0.99)))
	fmt.Printf("GET by id:   endpoint %.0f/s vs (b) %.0f/s = %.2fx (target >= 1.0x), p99 %.2f ms (target < 5 ms)\n",
		ourGet.rate(), memGet.rate(), ourGet.rate()/memGet.rate(), ms(ourGet.pct(0.99)))
	fmt.Printf("Patches:     endpoint %.0f users/s vs (a) %.0f records/s = %.2fx (target >= 0.8x); (b) %.0f users/s (2 PATCHes or merge patches each)\n",
		ourPatch.rate(), rawPatchA.rate(), ourPatch.rate()/rawPatchA.rate(), memPatch.rate())
	printMachineCPU(ourPatch, rawPatchA)

	if len(set.memory) > 0 {
		if err := measureMemory(ctx, cluster, mgr, set.memory); err != nil {
			return err
		}
	}
	if set.startup > 0 {
		return measureStartup(ctx, cluster, set.client, set.startup)
	}
	return nil
}

// startMemServer serves (b), the library limit (see newMemServer), on a local port, and returns a client
// of the clientKind the -client flag names for it; conns is how many requests the client will send at once.
func startMemServer(clientKind string, conns int) (sender, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String() + "/advisors/scim"
	handler, err := newMemServer(base)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	go func() { _ = (&http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}).Serve(ln) }()
	return newSender(clientKind, base, "", conns)
}

// measureStartup makes sure an application has size records, then starts a second manager with the SCIM
// endpoint, as a new replica would start, and measures the time from its start until it answers a filter
// for the last record (the endpoint serves only after the informer caches have synced). clientKind is the
// -client flag: the load generator that asks.
func measureStartup(ctx context.Context, cluster *localcluster.Cluster, clientKind string, size int) error {
	const ns, app = "bench-start", "start"
	token, err := newApplication(ctx, cluster.Client, ns, app)
	if err != nil {
		return err
	}
	r := run(fmt.Sprintf("create %d records for the start-up measurement", size), size, 32, func(i int) error {
		return cluster.Client.Create(ctx, advisor(ns, app, 2_000_000+i))
	})
	if r.errors > 0 {
		return fmt.Errorf("%d creates failed", r.errors)
	}
	start := time.Now()
	replica, err := scimtest.Start(cluster, scim.Options{})
	if err != nil {
		return err
	}
	defer func() { _ = replica.Stop() }()
	cl, err := newSender(clientKind, replica.URL+"/advisors/scim", token, 1)
	if err != nil {
		return err
	}
	last := userName(2_000_000 + size - 1)
	deadline := start.Add(5 * time.Minute)
	for {
		body, err := cl.do(http.MethodGet, filterPath(last), "", 200)
		if err == nil && strings.Contains(string(body), `"totalResults":1`) {
			break
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("not found: %s", body)
			}
			return fmt.Errorf("the new replica did not serve %s within 5 minutes: %w", last, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("\nNew replica with %d records: start to serving the last one %.2f s (target < 10 s)\n",
		size, time.Since(start).Seconds())
	return nil
}

func ensureNamespace(ctx context.Context, c client.Client, name string) error {
	err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}

// newApplication creates a namespace, a token Secret and an advisors ScimApplication; it returns the token.
func newApplication(ctx context.Context, c client.Client, ns, name string) (string, error) {
	if err := ensureNamespace(ctx, c, ns); err != nil {
		return "", err
	}
	token := scimtest.RandomToken()
	_, err := scimtest.NewApplication(ctx, c, ns, name, v1.ResourceTypeAdvisors, token)
	return token, err
}

// advisor is the object the endpoint would store for createBody(i) in application app: named after its
// folded userName, with its SCIM id in a label, so that (a) writes the very objects the endpoint writes.
func advisor(ns, app string, i int) *v1.Advisor {
	return &v1.Advisor{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: store.ObjectName(app, model.Fold(userName(i))),
			Labels: map[string]string{v1.ApplicationLabel: app,
				v1.RecordIDLabel: fmt.Sprintf("%08x-0000-4000-8000-%012d", i, i)},
			Annotations: map[string]string{store.LastModifiedAnnotation: time.Now().UTC().Format(time.RFC3339)},
		},
		Spec: v1.AdvisorSpec{
			RecordFields: v1.RecordFields{
				UserName: userName(i), DisplayName: fmt.Sprintf("User %d", i), ExternalID: fmt.Sprintf("ext-%06d", i),
				Active: new(true), WorkAddress: &v1.WorkAddress{Formatted: fmt.Sprintf("Room %d", i)},
			},
			Name: &v1.PersonName{GivenName: "Given", FamilyName: fmt.Sprintf("Family %d", i)},
		},
	}
}

// printMachineCPU prints the endpoint's and (a)'s machine CPU per operation, and the ratio of rates it
// allows when every CPU is busy.
func printMachineCPU(ours, raw result) {
	fmt.Printf("             machine CPU per op: endpoint %.0f µs vs (a) %.0f µs = %.2fx as a rate when every CPU is busy\n",
		ours.machinePerOp(), raw.machinePerOp(), raw.machinePerOp()/ours.machinePerOp())
}

// parseNumbers reads a flag's comma-separated list of whole numbers (CPUs, record counts); empty is none.
func parseNumbers(name, list string) ([]int, error) {
	var numbers []int
	for field := range strings.SplitSeq(list, ",") {
		if field = strings.TrimSpace(field); field == "" {
			continue
		}
		n, err := strconv.Atoi(field)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s: %q is not a whole number", name, field)
		}
		numbers = append(numbers, n)
	}
	return numbers, nil
}

func waitFor(f func() error) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// measureMemory creates records (straight through the API server, as the endpoint would have) and
// measures how much the manager's heap grows per record once its informer cache and indexes hold them.
func measureMemory(ctx context.Context, cluster *localcluster.Cluster, mgr manager.Manager, sizes []int) error {
	if err := ensureNamespace(ctx, cluster.Client, "bench-mem"); err != nil {
		return err
	}
	base := heap()
	created := 0
	fmt.Println("\nRecords   heap growth   per record   (Go heap in use after GC; informer cache + field indexes)")
	for _, size := range sizes {
		if size == created {
			continue
		}
		start := created
		r := run(fmt.Sprintf("create %d records", size-start), size-start, 32, func(i int) error {
			return cluster.Client.Create(ctx, advisor("bench-mem", "mem", 1_000_000+start+i))
		})
		if r.errors > 0 {
			return fmt.Errorf("%d creates failed", r.errors)
		}
		created = size
		err := waitFor(func() error {
			list := &v1.AdvisorList{}
			if err := mgr.GetCache().List(ctx, list, client.InNamespace("bench-mem"),
				client.MatchingFields{store.IndexApplication: "mem"}, client.UnsafeDisableDeepCopy); err != nil {
				return err
			}
			if len(list.Items) != size {
				return fmt.Errorf("cache holds %d of %d records", len(list.Items), size)
			}
			return nil
		})
		if err != nil {
			return err
		}
		grown := heap() - base
		fmt.Printf("%7d   %8.1f MiB   %7.0f B\n", size, float64(grown)/(1<<20), float64(grown)/float64(size))
	}
	return nil
}

func heap() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// profile starts a CPU profile of a phase into prefix-<phase>.pprof and returns what stops it; with no
// prefix it does nothing.
func profile(prefix, phase string) (stop func()) {
	if prefix == "" {
		return func() {}
	}
	name := prefix + "-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, phase) + ".pprof"
	f, err := os.Create(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scimload: cpu profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "scimload: cpu profile:", err)
		_ = f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }
}
