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
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// onCPUs runs start with the calling thread restricted to cpus, and restores the thread's CPUs after.
// A child inherits the CPUs of the thread that forks it, so etcd and kube-apiserver (and every thread
// they start) run on cpus only. The caller runs on the locked starter thread, from which envtest forks.
func onCPUs(cpus []int, start func() error) error {
	if len(cpus) == 0 {
		return start()
	}
	var before, want unix.CPUSet
	if err := unix.SchedGetaffinity(0, &before); err != nil {
		return fmt.Errorf("read this thread's CPUs: %w", err)
	}
	for _, cpu := range cpus {
		want.Set(cpu)
	}
	if err := unix.SchedSetaffinity(0, &want); err != nil {
		return fmt.Errorf("run the control plane on CPUs %v: %w", cpus, err)
	}
	defer func() { _ = unix.SchedSetaffinity(0, &before) }()
	return start()
}

// KeepOffCPUs restricts every thread of this process to the CPUs it may use now, less cpus, and lowers
// GOMAXPROCS to match. Threads started later inherit the restriction from the thread that starts them.
// It returns the CPUs this process keeps.
func KeepOffCPUs(cpus ...int) ([]int, error) {
	var mine unix.CPUSet
	if err := unix.SchedGetaffinity(0, &mine); err != nil {
		return nil, fmt.Errorf("read this process's CPUs: %w", err)
	}
	for _, cpu := range cpus {
		mine.Clear(cpu)
	}
	if mine.Count() == 0 {
		return nil, fmt.Errorf("no CPU left for this process after keeping off %v", cpus)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil, fmt.Errorf("list this process's threads: %w", err)
	}
	for _, task := range tasks {
		tid, err := strconv.Atoi(task.Name())
		if err != nil {
			continue
		}
		// A thread may have exited since the listing; the rest must still move.
		if err := unix.SchedSetaffinity(tid, &mine); err != nil && err != unix.ESRCH {
			return nil, fmt.Errorf("move thread %d: %w", tid, err)
		}
	}
	var kept []int
	for cpu := 0; len(kept) < mine.Count(); cpu++ {
		if mine.IsSet(cpu) {
			kept = append(kept, cpu)
		}
	}
	runtime.GOMAXPROCS(len(kept))
	return kept, nil
}
