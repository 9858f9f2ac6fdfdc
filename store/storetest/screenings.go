package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// testScreenings: decisions are appended and the latest per code counts,
// per owner and input; jobs keep their rows, count their stored results,
// skip a result line stored twice, page results by line, and end once;
// an audit job keeps its audit and its total is set as tiers are found.
func testScreenings(t *testing.T, h Harness) {
	s := h.Open(t)
	at := credo.NewTime(t0)
	decide := func(owner, input, code, verdict, note string, min int) {
		t.Helper()
		d := &credo.ScreeningDecision{Owner: owner, Input: input, Code: code, Verdict: verdict, Note: note, By: owner,
			At: credo.NewTime(t0.Add(time.Duration(min) * time.Minute))}
		if err := s.AddScreeningDecision(ctx, d); err != nil || d.ID == 0 {
			t.Fatalf("AddScreeningDecision: id %d, %v", d.ID, err)
		}
	}
	decide("account:a", "华为技术", codes[1], credo.NotCounterparty, "同名不同主体", 1)
	decide("account:a", "华为技术", codes[0], credo.NotCounterparty, "first thought", 2)
	decide("account:a", "华为技术", codes[0], credo.Counterparty, "confirmed by contract", 3)
	decide("account:b", "华为技术", codes[2], credo.NotCounterparty, "another caller", 4)
	got, err := s.ScreeningDecisions(ctx, "account:a", "华为技术")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{codes[0], codes[1]}
	slices.Sort(want)
	var gotCodes []string
	for _, d := range got {
		gotCodes = append(gotCodes, d.Code)
		if d.Code == codes[0] && (d.Verdict != credo.Counterparty || d.Note != "confirmed by contract" || !d.At.Equal(t0.Add(3*time.Minute))) {
			t.Errorf("latest decision for %s: %+v", codes[0], d)
		}
	}
	if !slices.Equal(gotCodes, want) {
		t.Errorf("decisions for account:a: %v, want %v", gotCodes, want)
	}
	if none, err := s.ScreeningDecisions(ctx, "account:c", "华为技术"); err != nil || none == nil || len(none) != 0 {
		t.Errorf("another owner's decisions: %v %v, want an empty slice", none, err)
	}

	j := &credo.ScreeningJob{ID: "job-1", Owner: "account:a", Action: "public_procurement", Inputs: []byte(`[{"name":"x"}]`), Total: 3, CreatedAt: at}
	if err := s.CreateScreeningJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	other := *j
	other.Owner, other.CreatedAt = "account:b", credo.NewTime(t0.Add(time.Hour))
	if err := s.CreateScreeningJob(ctx, &other); credo.ErrorCodeOf(err) != credo.ECONFLICT {
		t.Errorf("a second job with the same id: %v, want ECONFLICT", err)
	}
	if _, err := s.ScreeningJob(ctx, "nope"); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Errorf("unknown job: %v", err)
	}
	res := []credo.ScreeningResult{{Line: 1, Body: []byte(`{"line":1}`)}, {Line: 2, Body: []byte(`{"line":2}`)}}
	if err := s.AddScreeningResults(ctx, "job-1", res); err != nil {
		t.Fatal(err)
	}
	if err := s.AddScreeningResults(ctx, "job-1", []credo.ScreeningResult{{Line: 2, Body: []byte(`{"line":2,"again":true}`)}}); err != nil {
		t.Fatal(err)
	}
	back, err := s.ScreeningJob(ctx, "job-1")
	if err != nil || back.Done != 2 || back.Total != 3 || back.Owner != "account:a" || string(back.Inputs) != `[{"name":"x"}]` ||
		!back.CreatedAt.Equal(t0) || !back.FinishedAt.IsZero() || back.Action != "public_procurement" {
		t.Fatalf("job read back: %+v, %v", back, err)
	}
	if open, err := s.UnfinishedScreeningJobs(ctx); err != nil || len(open) != 1 || open[0].ID != "job-1" {
		t.Errorf("unfinished jobs: %v %v", open, err)
	}
	// An audit job keeps its audit, and its total grows as tiers are found.
	audit := &credo.ScreeningJob{ID: "job-audit", Owner: "account:a", Depth: 2, Audit: "supply_chain", Inputs: []byte(`[{"code":"x"}]`),
		Total: 1, CreatedAt: credo.NewTime(t0.Add(time.Minute))}
	if err := s.CreateScreeningJob(ctx, audit); err != nil {
		t.Fatal(err)
	}
	if err := s.SetScreeningJobTotal(ctx, "job-audit", 7); err != nil {
		t.Fatal(err)
	}
	if back, err := s.ScreeningJob(ctx, "job-audit"); err != nil || back.Audit != "supply_chain" || back.Depth != 2 || back.Total != 7 || back.Done != 0 {
		t.Errorf("audit job read back: %+v, %v", back, err)
	}
	if err := s.SetScreeningJobTotal(ctx, "nope", 7); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Errorf("total of an unknown job: %v, want ENOTFOUND", err)
	}
	if back, err := s.ScreeningJob(ctx, "job-1"); err != nil || back.Total != 3 || back.Audit != "" {
		t.Errorf("another job's total changed: %+v, %v", back, err)
	}
	if err := s.FinishScreeningJob(ctx, "job-audit", credo.NewTime(t0.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	page, err := s.ScreeningResults(ctx, "job-1", 1, 10)
	if err != nil || len(page) != 1 || page[0].Line != 2 || string(page[0].Body) != `{"line":2}` {
		t.Errorf("results after line 1: %+v %v", page, err)
	}
	if err := s.FinishScreeningJob(ctx, "job-1", credo.NewTime(t0.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishScreeningJob(ctx, "job-1", credo.NewTime(t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	back, err = s.ScreeningJob(ctx, "job-1")
	if err != nil || !back.FinishedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("finished job: %+v %v", back, err)
	}
	if open, err := s.UnfinishedScreeningJobs(ctx); err != nil || len(open) != 0 {
		t.Errorf("unfinished jobs after the end: %v %v", open, err)
	}
}
