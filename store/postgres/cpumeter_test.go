package postgres_test

import (
	"testing"
	"time"

	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/store/postgres"
)

// cpuMeter measures the CPU time a benchmark costs this process (the
// client) and, when the PostgreSQL server runs on this machine and its
// /proc is readable, the server processes of the store's own pooled
// connections (their backends, read when all are idle: at the start and
// at the end). Other clients of the server do not count, and neither do
// the server's WAL writer and checkpointer. The machine is shared: CPU
// time per record is steadier than a wall-clock rate.
type cpuMeter struct {
	db      *postgres.DB
	client  time.Duration
	backend map[uint32]time.Duration
}

func startCPU(db *postgres.DB) cpuMeter {
	m := cpuMeter{db: db, client: cputime.Self(), backend: map[uint32]time.Duration{}}
	for _, pid := range postgres.IdlePIDs(ctx, db) {
		m.backend[pid] = cputime.Process(int(pid))
	}
	return m
}

// report adds cpu-µs/record (this process) and srv-cpu-µs/record (its
// backends), once every connection is idle again.
func (m cpuMeter) report(b *testing.B, records int) {
	b.ReportMetric(float64(cputime.Self()-m.client)/float64(time.Microsecond)/float64(records), "cpu-µs/record")
	var srv time.Duration
	for _, pid := range postgres.IdlePIDs(ctx, m.db) {
		cpu := cputime.Process(int(pid))
		if cpu == 0 {
			return // not a local server (/proc does not know the backend)
		}
		srv += cpu - m.backend[pid]
	}
	b.ReportMetric(float64(srv)/float64(time.Microsecond)/float64(records), "srv-cpu-µs/record")
}
