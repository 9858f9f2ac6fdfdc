package postgres_test

import (
	"testing"
	"time"

	"github.com/credo-registry/credo/store/postgres"
)

// cpuMeter measures the CPU time a benchmark costs this process (the
// client) and, when the PostgreSQL server runs on this machine and its
// /proc is readable, the server (every process of its postmaster:
// backends, WAL writer, checkpointer, ...; what another client of the
// same server does meanwhile counts too). The machine is shared: CPU
// time per record is steadier than a wall-clock rate.
type cpuMeter struct {
	client, server time.Duration
	postmaster     int // 0: the server's CPU is not measured
}

func startCPU(db *postgres.DB) cpuMeter {
	m := cpuMeter{client: processCPU()}
	for _, pid := range postgres.IdlePIDs(ctx, db) {
		if pm := parentPID(int(pid)); pm > 0 {
			m.postmaster = pm
			break
		}
	}
	if m.postmaster > 0 {
		m.server = serverCPU(m.postmaster)
	}
	return m
}

// report adds cpu-µs/record (this process) and srv-cpu-µs/record.
func (m cpuMeter) report(b *testing.B, records int) {
	b.ReportMetric(float64(processCPU()-m.client)/float64(time.Microsecond)/float64(records), "cpu-µs/record")
	if m.postmaster > 0 {
		b.ReportMetric(float64(serverCPU(m.postmaster)-m.server)/float64(time.Microsecond)/float64(records), "srv-cpu-µs/record")
	}
}
