package sqlite_test

import (
	"testing"
	"time"

	"github.com/credo-registry/credo/internal/cputime"
)

// cpuMeter reports the process's CPU time per record next to the wall-clock
// rate: the machine is shared, and CPU time is steadier than elapsed time.
type cpuMeter struct{ start time.Duration }

func startCPU() cpuMeter { return cpuMeter{cputime.Self()} }

// report adds records/s and cpu-µs/record; the CPU time includes what the
// benchmark spent generating records with the timer stopped, so it is an
// upper bound.
func (m cpuMeter) report(b *testing.B, records int) {
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(cputime.Self()-m.start)/float64(time.Microsecond)/float64(records), "cpu-µs/record")
}
