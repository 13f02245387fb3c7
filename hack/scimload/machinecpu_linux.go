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
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// clockTick is the unit of the CPU times in /proc/<pid>/stat (USER_HZ, 100 on every Linux port Go runs
// on).
const clockTick = 10 * time.Millisecond

// descendantsCPU is the CPU time, user and system, that this process's live descendants have used: etcd
// and kube-apiserver, which localcluster starts. With processCPU it is what the whole machine spends on
// the benchmark, whichever process spends it. It reads /proc, and is 0 where that cannot be read.
func descendantsCPU() time.Duration {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	parent := map[int]int{}
	used := map[int]time.Duration{}
	for _, path := range stats {
		pid, ppid, cpu, ok := readStat(path)
		if ok {
			parent[pid], used[pid] = ppid, cpu
		}
	}
	self := os.Getpid()
	var total time.Duration
	for pid, cpu := range used {
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == self {
				total += cpu
				break
			}
		}
	}
	return total
}

// readStat reads a process's parent and its CPU time (utime + stime) from its /proc/<pid>/stat.
func readStat(path string) (pid, ppid int, cpu time.Duration, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, 0, false
	}
	// The command name, in parentheses, may hold blanks and parentheses: fields are counted after the last
	// ")". What follows it: state (3), ppid (4), ..., utime (14), stime (15).
	end := bytes.LastIndexByte(data, ')')
	open := bytes.IndexByte(data, '(')
	if end < 0 || open < 1 {
		return 0, 0, 0, false
	}
	if pid, err = strconv.Atoi(string(bytes.TrimSpace(data[:open]))); err != nil {
		return 0, 0, 0, false
	}
	fields := bytes.Fields(data[end+1:])
	if len(fields) < 13 {
		return 0, 0, 0, false
	}
	ppid, err1 := strconv.Atoi(string(fields[1]))
	utime, err2 := strconv.ParseInt(string(fields[11]), 10, 64)
	stime, err3 := strconv.ParseInt(string(fields[12]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, 0, false
	}
	return pid, ppid, time.Duration(utime+stime) * clockTick, true
}
