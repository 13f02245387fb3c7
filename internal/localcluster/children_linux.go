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
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// closeInheritedFiles marks every file descriptor above stderr close-on-exec, so that etcd and
// kube-apiserver inherit none of them. Go opens its own files close-on-exec, but a descriptor this
// process inherited keeps what its parent set: a `go test -fuzz` worker gets the pipes to its
// coordinator as descriptors 3 and 4 without the flag. A control plane that kept them open made the
// coordinator wait for an end of file that never came once the worker had exited.
func closeInheritedFiles() error {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return fmt.Errorf("list open files: %w", err)
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		// A descriptor closed since the listing (the listing's own among them) is harmless to flag.
		syscall.CloseOnExec(fd)
	}
	return nil
}

// dieWithThisProcess writes into dir one script per control-plane binary that runs the binary from
// assets through setpriv(1) with a parent-death signal of SIGKILL, and returns their paths. envtest
// starts its children in their own process group with no such signal and offers no way to set one,
// so without this a test process killed by `kill -9`, by go test's -timeout, or by the fuzz
// coordinator (it kills a worker whose minimisation ran out of time) left etcd and kube-apiserver
// running. ok is false when setpriv is not installed: the binaries then run as before.
//
// The kernel sends the signal when the thread that started the child exits, not the process: the
// caller starts the control plane from a thread locked for the cluster's lifetime (see Start).
func dieWithThisProcess(dir, assets string) (etcd, apiServer string, ok bool, err error) {
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		return "", "", false, nil
	}
	write := func(name string) (string, error) {
		path := filepath.Join(dir, name)
		script := fmt.Sprintf("#!/bin/sh\nexec %s --pdeathsig KILL -- %s \"$@\"\n",
			shellQuote(setpriv), shellQuote(filepath.Join(assets, name)))
		if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
			return "", fmt.Errorf("write the %s launcher: %w", name, err)
		}
		return path, nil
	}
	if etcd, err = write("etcd"); err != nil {
		return "", "", false, err
	}
	if apiServer, err = write("kube-apiserver"); err != nil {
		return "", "", false, err
	}
	return etcd, apiServer, true, nil
}

// shellQuote quotes s as one word for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// processAlive tells whether a process with this id exists. A recycled id reads as alive, which only
// keeps a stale directory a while longer.
func processAlive(pid int) bool {
	return syscall.Kill(pid, 0) != syscall.ESRCH
}
