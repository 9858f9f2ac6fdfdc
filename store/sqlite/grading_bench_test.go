package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/uscc"
)

// BenchmarkEachSubject streams every organization with its records, as a
// rescore of the whole registry does: 20,000 registered organizations with
// 10 records each, plus 2,000 registered ones without records. Each
// iteration is one pass over the registry; organizations/s is the rate to
// compare with the 50,000/s a rescore of a million organizations needs.
func BenchmarkEachSubject(b *testing.B) {
	const orgs, perOrg, bare = 20000, 10, 2000
	ctx := context.Background()
	db := mustOpen(b, b.TempDir())
	w := newWorkload(orgs)
	subjects := make([]*credo.Subject, 0, orgs+bare)
	for i := range orgs + bare {
		code := ""
		if i < orgs {
			code = w.codes[i]
		} else {
			var err error
			if code, err = uscc.Build('9', '1', "440300", fmt.Sprintf("%08d", 30000000+i*7)); err != nil {
				b.Fatal(err)
			}
		}
		subjects = append(subjects, &credo.Subject{Code: code, Name: fmt.Sprintf("测试企业%d有限公司", i),
			Authority: "samr-440300", RecordedAt: w.recorded, Status: credo.StatusActive})
	}
	for i := 0; i < len(subjects); i += 5000 {
		if _, err := db.PutSubjects(ctx, subjects[i:min(i+5000, len(subjects))]); err != nil {
			b.Fatal(err)
		}
	}
	for range orgs * perOrg / benchBatch {
		if _, err := db.AppendRecords(ctx, w.batch(benchBatch)); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cputime.Self()
	b.ReportAllocs()
	b.ResetTimer()
	visited, records := 0, 0
	for b.Loop() {
		err := db.EachSubject(ctx, "", func(code string, recs []*credo.Record) error {
			visited++
			records += len(recs)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if visited != b.N*(orgs+bare) || records != b.N*orgs*perOrg {
		b.Fatalf("visited %d organizations with %d records in %d passes", visited, records, b.N)
	}
	b.ReportMetric(float64(visited)/b.Elapsed().Seconds(), "organizations/s")
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(cputime.Self()-cpu)/float64(time.Microsecond)/float64(visited), "cpu-µs/organization")
}
