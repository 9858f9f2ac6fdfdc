// Package cputime measures what work cost on a shared machine: the CPU
// time (user and system) a process used, which wall time under load does
// not tell, and the machine's load average to report beside it.
package cputime

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Process is the CPU time process pid has used, read from
// /proc/PID/stat; 0 where /proc does not say (another platform, a process
// gone).
func Process(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	_, cpu := stat(b)
	return cpu
}

// Named is the CPU time used by every process whose command is name (for
// "postgres", the server's processes: this process's sessions and any
// other's), read from /proc; 0 where /proc does not say.
func Named(name string) time.Duration {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var sum time.Duration
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if command, cpu := stat(b); command == name {
			sum += cpu
		}
	}
	return sum
}

// stat reads the command and the CPU time from a /proc/PID/stat line.
// The command is in parentheses and may hold spaces; after it, utime and
// stime are the 12th and 13th fields, in clock ticks (USER_HZ, 100 a
// second on Linux).
func stat(b []byte) (string, time.Duration) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", 0
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 13 {
		return "", 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return string(b[open+1 : end]), time.Duration(u+s) * (time.Second / 100)
}

// LoadAverage is the machine's one-minute load average ("" where
// unknown).
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
