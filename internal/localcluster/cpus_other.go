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

import "errors"

var errNoAffinity = errors.New("placing processes on CPUs needs Linux")

func onCPUs(cpus []int, start func() error) error {
	if len(cpus) > 0 {
		return errNoAffinity
	}
	return start()
}

// KeepOffCPUs needs Linux; elsewhere it fails.
func KeepOffCPUs(...int) ([]int, error) { return nil, errNoAffinity }
