//go:build linux

package postgres_test

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// processCPU is the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procStat returns the fields of /proc/pid/stat after the command name
// (fields[0] is the state, fields[1] the parent's pid).
func procStat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// parentPID is pid's parent, 0 if unknown.
func parentPID(pid int) int {
	f := procStat(pid)
	if len(f) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(f[1])
	return p
}

// ticks is the unit of /proc/pid/stat's times (USER_HZ, 100 on Linux).
const ticks = 10 * time.Millisecond

// serverCPU is the CPU time of the postmaster's children, living
// (utime+stime) and exited (the postmaster's cutime+cstime).
func serverCPU(postmaster int) time.Duration {
	sum := func(f []string, from int) (n int64) {
		for _, s := range f[from : from+2] {
			v, _ := strconv.ParseInt(s, 10, 64)
			n += v
		}
		return n
	}
	f := procStat(postmaster)
	if len(f) < 15 {
		return 0
	}
	total := sum(f, 13) // cutime, cstime (fields 16, 17)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if c := procStat(pid); len(c) > 13 && c[1] == strconv.Itoa(postmaster) {
			total += sum(c, 11) // utime, stime (fields 14, 15)
		}
	}
	return time.Duration(total) * ticks
}
