//go:build linux

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
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// killedChildEnv makes the test binary act as TestKilledProcessLeavesNothingBehind's child: start a
// control plane, say so, and wait to be killed.
const killedChildEnv = "LOCALCLUSTER_TEST_KILLED_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(killedChildEnv) != "" {
		runKilledChild()
		return
	}
	os.Exit(m.Run())
}

func runKilledChild() {
	cluster, err := Start(context.Background())
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ready", cluster.scratch)
	select {} // Until killed.
}

// TestKilledProcessLeavesNothingBehind kills a process running a control plane with SIGKILL, as go
// test's fuzz coordinator kills a worker, and checks what go test -fuzz depends on: etcd and
// kube-apiserver die with it, they held no copy of a pipe the process inherited (the coordinator
// reads such a pipe to its end), and the next Start removes the killed process's data.
func TestKilledProcessLeavesNothingBehind(t *testing.T) {
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Fatalf("setpriv(1) is needed for children to die with their parent: %v", err)
	}
	inheritedR, inheritedW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = inheritedR.Close() }()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killedChildEnv+"=1")
	cmd.ExtraFiles = []*os.File{inheritedW} // Descriptor 3 of the child, as a fuzz worker's input pipe.
	var pipe syscall.Stat_t
	if err := syscall.Fstat(int(inheritedW.Fd()), &pipe); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = inheritedW.Close()
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready ") {
		t.Fatalf("the child did not start a control plane: %q %v", line, err)
	}
	scratch := strings.TrimSpace(strings.TrimPrefix(line, "ready "))
	children := childrenOf(t, cmd.Process.Pid)
	t.Cleanup(func() {
		// Should the children outlive the child (the regression this test is for), end them.
		for _, pid := range children {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	if len(children) != 2 {
		t.Fatalf("the child runs %v, not etcd and kube-apiserver", children)
	}
	// The parent-death signal alone would close the pipe in time; this checks the descriptors themselves.
	for name, pid := range children {
		if fd := holding(t, pid, fmt.Sprintf("pipe:[%d]", pipe.Ino)); fd != "" {
			t.Errorf("%s inherited the pipe as descriptor %s", name, fd)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	// Bounded only so that a regression fails rather than hangs: end of file comes at once when no
	// control-plane process holds the pipe.
	if err := inheritedR.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(inheritedR); err != nil {
		t.Fatalf("a control-plane process kept the inherited pipe open: %v", err)
	}
	for name, pid := range children {
		waitGone(t, name, pid)
	}

	if _, err := os.Stat(scratch); err != nil {
		t.Fatalf("the killed process's directory should still be there to sweep: %v", err)
	}
	own, err := newScratchDir()
	if err != nil {
		t.Fatal(err)
	}
	_ = os.RemoveAll(own)
	if _, err := os.Stat(scratch); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the next Start left the killed process's directory %s: %v", scratch, err)
	}
}

// childrenOf maps the command names of a process's children to their process ids.
func childrenOf(t *testing.T, parent int) map[string]int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue // Exited since the listing.
		}
		// pid (comm) state ppid ...; comm may hold spaces, so split after its closing parenthesis.
		open, end := strings.IndexByte(string(raw), '('), strings.LastIndexByte(string(raw), ')')
		fields := strings.Fields(string(raw[end+1:]))
		if open < 0 || end < open || len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == parent {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
			out[string(raw[open+1:end])] = pid
		}
	}
	return out
}

// holding returns a descriptor of the process that links to target, or "".
func holding(t *testing.T, pid int, target string) string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("list the descriptors of pid %d: %v", pid, err)
	}
	for _, e := range entries {
		if link, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && link == target {
			return e.Name()
		}
	}
	return ""
}

// waitGone waits until the process has exited (a zombie counts), failing after a minute: the
// parent-death signal kills at once, so only a regression reaches the bound.
func waitGone(t *testing.T, name string, pid int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		if end := strings.LastIndexByte(string(raw), ')'); end > 0 && strings.HasPrefix(string(raw[end+1:]), " Z") {
			return
		}
	}
	t.Fatalf("%s (pid %d) outlived the killed test process", name, pid)
}
