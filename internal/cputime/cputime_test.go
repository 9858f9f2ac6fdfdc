package cputime

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

func TestStat(t *testing.T) {
	for _, c := range []struct {
		name, line, command string
		cpu                 time.Duration
	}{
		{"plain", "4242 (postgres) S 1 4242 4242 0 -1 4194560 330 0 0 0 150 25 0 0 20 0 1 0 100 0 0", "postgres", 1750 * time.Millisecond},
		{"spaces and parentheses in the command", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 100 0 0", "a (b) c", 70 * time.Millisecond},
		{"cut short", "7 (x) R 1 7 7", "", 0},
		{"no command", "garbage", "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			command, cpu := stat([]byte(c.line))
			if command != c.command || cpu != c.cpu {
				t.Errorf("stat(%q) = %q, %v; want %q, %v", c.line, command, cpu, c.command, c.cpu)
			}
		})
	}
}

// spin uses about d of CPU time.
func spin(d time.Duration) {
	for start := Self(); Self()-start < d; {
		for range 100000 {
		}
	}
}

func TestSelf(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("not measured on", runtime.GOOS)
	}
	before := Self()
	spin(50 * time.Millisecond)
	if used := Self() - before; used < 50*time.Millisecond || used > 5*time.Second {
		t.Errorf("Self grew by %v over a 50 ms spin", used)
	}
}

func TestProcessAndNamed(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc:", err)
	}
	spin(100 * time.Millisecond) // /proc counts in ticks of 10 ms
	self := Process(os.Getpid())
	if self <= 0 {
		t.Errorf("Process(self) = %v after 100 ms of CPU", self)
	}
	b, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	if named := Named(string(b[:len(b)-1])); named < self {
		t.Errorf("Named(our command) = %v, less than this process alone (%v)", named, self)
	}
	if got := Process(1 << 30); got != 0 {
		t.Errorf("Process of no process = %v", got)
	}
	if got := Named("no such command " + strconv.Itoa(os.Getpid())); got != 0 {
		t.Errorf("Named(no such command) = %v", got)
	}
	if _, err := os.Stat(filepath.Join("/proc", "loadavg")); err == nil {
		if l := LoadAverage(); l == "" {
			t.Error("LoadAverage is empty where /proc/loadavg is")
		} else if _, err := strconv.ParseFloat(l, 64); err != nil {
			t.Errorf("LoadAverage = %q", l)
		}
	}
}
