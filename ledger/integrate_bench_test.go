package ledger

import (
	"fmt"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/cputime"
)

// BenchmarkIntegrate integrates b.N changes shaped like record
// acceptances, appended beforehand: the integrator's cost per leaf, in
// wall time and in CPU time (what it takes from a shared machine).
//
//	go test ./ledger -run XXX -bench Integrate -benchtime 100000x
func BenchmarkIntegrate(b *testing.B) {
	s := openStore(b)
	l, _ := testLog(b, s, "bench.credo/log", 3)
	var batch []*credo.Change
	flush := func() {
		if _, err := s.AppendChanges(ctx, batch); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for i := range b.N {
		batch = append(batch, &credo.Change{Type: credo.ChangeRecordAccepted, Subject: "91440300192203821X", Ref: fmt.Sprint(i + 1),
			At:   credo.NewTime(time.Unix(1_760_000_000+int64(i), 0)),
			Data: []byte(fmt.Sprintf(`{"authority":"gd-amr","category":"market","kind":"penalty","external_id":"GD-MKT-2025-%d","occurred_at":"2025-03-14T00:00:00Z","record":%d,"digest":"2f1c8e8a5d0b7e3f9c1a4d6e8b0f2a4c6e8a0c2e4f6a8c0e2a4c6e8f0a2c4e6a8"}`, i, i+1))})
		if len(batch) == 1000 {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
	b.ResetTimer()
	cpu0 := cputime.Self()
	n, err := l.Integrate(ctx)
	if err != nil || n != b.N {
		b.Fatalf("Integrate = %d, %v; want %d", n, err, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "leaves/s")
	b.ReportMetric(float64((cputime.Self()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/leaf")
}
