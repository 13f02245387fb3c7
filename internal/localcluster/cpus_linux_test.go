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

package localcluster

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// TestControlPlaneOnItsOwnCPUs starts a control plane on one CPU and checks that every thread of etcd
// and kube-apiserver runs there, that no thread of this process was left on it, and that KeepOffCPUs
// then moves every thread of this process off that CPU.
func TestControlPlaneOnItsOwnCPUs(t *testing.T) {
	var all unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		t.Fatal(err)
	}
	if all.Count() < 2 {
		t.Skipf("needs two CPUs to put the control plane on one of them; this process may use %d", all.Count())
	}
	reserved := -1
	for cpu := 0; reserved < 0; cpu++ {
		if all.IsSet(cpu) {
			reserved = cpu
		}
	}

	cluster, err := Start(context.Background(), OnCPUs(reserved))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Stop() })

	children := childrenOf(t, os.Getpid())
	if len(children) != 2 {
		t.Fatalf("this process runs %v, not etcd and kube-apiserver", children)
	}
	for name, pid := range children {
		for tid, cpus := range threadCPUs(t, pid) {
			if cpus.Count() != 1 || !cpus.IsSet(reserved) {
				t.Errorf("%s thread %d may run on %d CPUs, not only on CPU %d", name, tid, cpus.Count(), reserved)
			}
		}
	}
	for tid, cpus := range threadCPUs(t, os.Getpid()) {
		if cpus != all {
			t.Errorf("thread %d of this process kept the control plane's CPUs (%d CPUs, want %d)", tid, cpus.Count(), all.Count())
		}
	}

	procs := runtime.GOMAXPROCS(0)
	kept, err := KeepOffCPUs(reserved)
	t.Cleanup(func() { restoreThreads(t, all, procs) })
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != all.Count()-1 || runtime.GOMAXPROCS(0) != len(kept) {
		t.Errorf("kept CPUs %v with GOMAXPROCS %d, want %d CPUs", kept, runtime.GOMAXPROCS(0), all.Count()-1)
	}
	for tid, cpus := range threadCPUs(t, os.Getpid()) {
		if cpus.IsSet(reserved) {
			t.Errorf("thread %d of this process may still run on CPU %d", tid, reserved)
		}
	}
}

// threadCPUs maps each thread of a process to the CPUs it may run on.
func threadCPUs(t *testing.T, pid int) map[int]unix.CPUSet {
	t.Helper()
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]unix.CPUSet{}
	for _, task := range tasks {
		tid, err := strconv.Atoi(task.Name())
		if err != nil {
			continue
		}
		var cpus unix.CPUSet
		if err := unix.SchedGetaffinity(tid, &cpus); err == nil { // A thread may have exited since the listing.
			out[tid] = cpus
		}
	}
	if len(out) == 0 {
		t.Fatalf("no thread of pid %d could be read", pid)
	}
	return out
}

// restoreThreads gives every thread of this process the CPUs it had, for the tests after this one.
func restoreThreads(t *testing.T, cpus unix.CPUSet, procs int) {
	for tid := range threadCPUs(t, os.Getpid()) {
		_ = unix.SchedSetaffinity(tid, &cpus)
	}
	runtime.GOMAXPROCS(procs)
}
