//go:build !linux

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

// closeInheritedFiles has no portable way to list open descriptors outside Linux: children inherit
// what this process inherited.
func closeInheritedFiles() error { return nil }

// dieWithThisProcess has no parent-death signal to use outside Linux: ok is false and the binaries
// run as they are, outliving a killed test process.
func dieWithThisProcess(_, _ string) (etcd, apiServer string, ok bool, err error) {
	return "", "", false, nil
}

// processAlive answers true: without a reliable check, no other process's directory is removed.
func processAlive(int) bool { return true }
