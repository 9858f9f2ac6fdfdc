package api_test

import (
	"cmp"
	"context"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/demo"
	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/report"
)

// BenchmarkReport measures issuing a credit report over HTTP on SQLite,
// in a registry of CREDO_BENCH_REPORT_ORGS generated organizations
// (default 20,000; demo generator, seed 1, 12 records each on average),
// for a typical organization (the median number of records) and the one
// with the most: the JSON due-diligence report
// (GET /v1/subjects/{code}/report, the same reads, no rendering and no
// write) as the same-run baseline, and the PDF (GET .../report.pdf:
// reads, layout, font subsetting, the issue stored with its change).
func BenchmarkReport(b *testing.B) {
	orgs := 20_000
	if v := os.Getenv("CREDO_BENCH_REPORT_ORGS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("CREDO_BENCH_REPORT_ORGS=%q: a number of organizations", v)
		}
		orgs = n
	}
	e := newEnv(b, nil, withGrading(b), func(s *api.Server) { s.PublicURL = "https://credo.example" })
	ctx := context.Background()
	cfg := demo.Config{Seed: 1, Subjects: orgs, Records: orgs * demo.RecordsPerSubject, Now: testNow.Add(-24 * time.Hour)}
	recorded := credo.NewTime(testNow.Add(-time.Hour))
	for _, a := range demo.Authorities(cfg) {
		if err := e.store.CreateAuthority(ctx, a, credo.HashToken("bench-"+a.ID)); err != nil {
			b.Fatal(err)
		}
	}
	var subjects []*credo.Subject
	flushSubjects := func() {
		if _, err := e.store.PutSubjects(ctx, subjects); err != nil {
			b.Fatal(err)
		}
		subjects = subjects[:0]
	}
	if err := demo.Subjects(cfg, func(s *credo.Subject) error {
		s.RecordedAt = recorded
		if subjects = append(subjects, s); len(subjects) == 5000 {
			flushSubjects()
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	flushSubjects()
	counts := map[string]int{}
	var records []*credo.Record
	flushRecords := func() {
		if _, err := e.store.AppendRecords(ctx, records); err != nil {
			b.Fatal(err)
		}
		records = records[:0]
	}
	if err := demo.Records(cfg, func(r *credo.Record) error {
		r.RecordedAt = recorded
		counts[r.Subject]++
		if records = append(records, r); len(records) == 5000 {
			flushRecords()
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	flushRecords()
	// The organization with the most records, and a typical one: the
	// first by code with the median number of records.
	byCount := make([]string, 0, len(counts))
	for c := range counts {
		byCount = append(byCount, c)
	}
	slices.SortFunc(byCount, func(a, b string) int { return cmp.Or(cmp.Compare(counts[a], counts[b]), cmp.Compare(a, b)) })
	largest, typical := byCount[len(byCount)-1], byCount[len(byCount)/2]
	b.Logf("%d organizations, %d records; typical %s (%d records), largest %s (%d records; a report lists at most %d)",
		orgs, orgs*demo.RecordsPerSubject, typical, counts[typical], largest, counts[largest], report.MaxItems)

	get := func(b *testing.B, path string) int {
		res, err := http.Get(e.url + path)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("%s: status %d", path, res.StatusCode)
		}
		return int(n)
	}
	for _, org := range []struct{ name, code string }{{"typical", typical}, {"largest", largest}} {
		for _, c := range []struct{ name, path string }{
			{"json", "/v1/subjects/" + org.code + "/report"},
			{"pdf", "/v1/subjects/" + org.code + "/report.pdf"},
		} {
			b.Run(org.name+"/"+c.name, func(b *testing.B) {
				size := 0
				cpu := cputime.Self()
				for b.Loop() {
					size = get(b, c.path)
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/report")
				b.ReportMetric(float64((cputime.Self()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/report")
				b.ReportMetric(float64(size), "bytes")
			})
		}
	}
}
