package report_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/report"
)

// BenchmarkPDF renders the sample report with 1 record and with 1,000
// (the most a report lists): layout, font subsetting and compression, no
// store. cpu-ms/op is the process's CPU time per report (the
// garbage collector's included), steadier than the wall time on a shared
// machine.
func BenchmarkPDF(b *testing.B) {
	for _, n := range []int{1, 100, report.MaxItems} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			r := sample()
			rec := r.Records[0]
			for i := 1; i < n; i++ {
				rec.DecisionNumber = fmt.Sprintf("深市监罚〔2026〕%d号", i+1)
				rec.Decided = rec.Decided.Add(-24 * time.Hour)
				r.Records = append(r.Records, rec)
			}
			size := 0
			cpu := cputime.Self()
			for b.Loop() {
				pdf, err := report.PDF(r)
				if err != nil {
					b.Fatal(err)
				}
				size = len(pdf)
			}
			b.ReportMetric(float64((cputime.Self()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(size), "bytes")
		})
	}
}
