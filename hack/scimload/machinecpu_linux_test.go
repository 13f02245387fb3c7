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
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestReadStat(t *testing.T) {
	// A command name may hold blanks and parentheses; the fields after it are what count.
	line := "4242 (kube (api) server) S 17 4242 4242 0 -1 4194560 1 2 3 4 250 75 9 9 20 0 12 0 100 1000 50\n"
	path := filepath.Join(t.TempDir(), "stat")
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	pid, ppid, cpu, ok := readStat(path)
	if !ok || pid != 4242 || ppid != 17 || cpu != 325*clockTick {
		t.Errorf("readStat = %d, %d, %v, %v; want 4242, 17, %v, true", pid, ppid, cpu, ok, 325*clockTick)
	}
	for _, bad := range []string{"", "4242 kube S 17", "x (a) S 17 1 1 0 -1 0 0 0 0 0 1 1", "1 (a) S 17 1 1 0 -1 0 0 0 0 0 u 1"} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, _, ok := readStat(path); ok {
			t.Errorf("readStat(%q) ok; want not", bad)
		}
	}
}

// TestDescendantsCPU: a child that spins is counted, and a grandchild too; this process's own CPU is not.
func TestDescendantsCPU(t *testing.T) {
	before := descendantsCPU()
	// sh starts the spinning loop as its own child, so the CPU is a grandchild's.
	child := exec.Command("sh", "-c", "sh -c 'while :; do :; done' & wait")
	child.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // A group of its own, to end both at once.
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-child.Process.Pid, syscall.SIGKILL); _ = child.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for descendantsCPU()-before < 200*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatalf("descendants' CPU grew by %v in 20 s of a spinning grandchild", descendantsCPU()-before)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
