package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/credo-registry/credo"
)

// fullDisk is a store whose disk fills up: in mode fillAfterAppend the next
// AppendRecords is stored and then the disk is full; while full, every
// write fails as a backend answers ENOSPC (ESTORAGE) and stores nothing.
type fullDisk struct {
	credo.Store
	mu   sync.Mutex
	mode string // "", "fill after append", "full"
}

var errENOSPC = errors.New("database or disk is full (13)")

func (f *fullDisk) set(mode string) { f.mu.Lock(); f.mode = mode; f.mu.Unlock() }

func (f *fullDisk) full() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.mode == "full" }

func (f *fullDisk) AppendRecords(ctx context.Context, recs []*credo.Record) ([]credo.Outcome, error) {
	if f.full() {
		return nil, credo.ErrStorageFull(errENOSPC)
	}
	out, err := f.Store.AppendRecords(ctx, recs)
	f.mu.Lock()
	if f.mode == "fill after append" {
		f.mode = "full"
	}
	f.mu.Unlock()
	return out, err
}

func (f *fullDisk) AddNotices(ctx context.Context, ns []*credo.Notice) error {
	if f.full() {
		return credo.ErrStorageFull(errENOSPC)
	}
	return f.Store.AddNotices(ctx, ns)
}

func (f *fullDisk) SaveAssessments(ctx context.Context, cs []*credo.AssessmentChange) error {
	if f.full() {
		return credo.ErrStorageFull(errENOSPC)
	}
	return f.Store.SaveAssessments(ctx, cs)
}

func (f *fullDisk) AddListEntries(ctx context.Context, es []*credo.ListEntry) ([]credo.Outcome, error) {
	if f.full() {
		return nil, credo.ErrStorageFull(errENOSPC)
	}
	return f.Store.AddListEntries(ctx, es)
}

// Finding Medium 5: a batch committed before the disk filled up (the
// failure came after, while writing its notices and grades) is answered
// as committed, not 500; /healthz says writes are failing and why; while
// the disk is full a write is refused with 507 problem+json and stores
// nothing, and reads keep working; once there is room again what the
// committed batch owed is completed and the registry is ok.
func TestFullDiskAfterCommit(t *testing.T) {
	var disk *fullDisk
	e := newEnv(t, func(s credo.Store) credo.Store { disk = &fullDisk{Store: s}; return disk }, withGrading(t))
	penalty := func(ext string) map[string]any {
		return map[string]any{"subject": codeHuaibei, "category": "market", "kind": "penalty", "external_id": ext, "severity": "general",
			"decision_number": "淮市监罚〔2026〕" + ext + "号", "legal_basis": "《中华人民共和国产品质量法》第五十条",
			"penalty_types": []string{"fine"}, "amount": 20000, "occurred_at": "2026-06-01"}
	}
	health := func() map[string]any {
		t.Helper()
		return e.get("/healthz").wantStatus(http.StatusOK).object()
	}
	if h := health(); h["status"] != "ok" {
		t.Fatalf("healthz before: %v", h)
	}

	disk.set("fill after append")
	var rep struct {
		Accepted int
		Results  []struct {
			Status string
			ID     int64
		}
	}
	e.postNDJSON("/v1/records", tokenHuaibei, penalty("HB-1"), penalty("HB-2")).wantStatus(http.StatusOK).decode(&rep)
	if rep.Accepted != 2 || rep.Results[0].ID == 0 {
		t.Fatalf("a committed batch must be answered as committed: %+v", rep)
	}
	for _, r := range rep.Results {
		e.get(fmt.Sprintf("/v1/records/%d", r.ID)).wantStatus(http.StatusOK)
	}
	h := health()
	if h["status"] != "degraded" || !strings.Contains(fmt.Sprint(h["reason"]), "disk is full") || h["since"] == nil {
		t.Fatalf("healthz while committed writes owe their notices for a full disk: %v", h)
	}

	// While full: writes refused with 507, nothing stored; reads work.
	p := e.postNDJSON("/v1/records", tokenHuaibei, penalty("HB-3")).problem(http.StatusInsufficientStorage, credo.ESTORAGE)
	if !strings.Contains(p.Detail, "disk is full") || strings.Contains(p.Detail, "(13)") {
		t.Fatalf("507 detail %q: must say the disk is full, never the driver's text", p.Detail)
	}
	e.postJSON("/v1/records", tokenHuaibei, penalty("HB-3")).problem(http.StatusInsufficientStorage, credo.ESTORAGE)
	if st := e.get("/v1/stats").wantStatus(http.StatusOK).object(); st["records"] != 2.0 {
		t.Fatalf("stats while full: %v", st)
	}
	e.get("/v1/subjects/" + codeHuaibei + "/records").wantStatus(http.StatusOK)
	if h := health(); h["status"] != "degraded" || !strings.Contains(fmt.Sprint(h["reason"]), "writes are failing") {
		t.Fatalf("healthz after a refused write: %v", h)
	}

	// Room again: the next write succeeds and completes what the committed
	// batch owed (serve's once-a-minute pass would too); the registry is ok.
	disk.set("")
	e.postJSON("/v1/records", tokenHuaibei, penalty("HB-3")).wantStatus(http.StatusCreated)
	if h := health(); h["status"] != "ok" {
		t.Fatalf("healthz once writes succeed and nothing is owed: %v", h)
	}
	notices, err := e.store.Notices(context.Background(), codeHuaibei, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	told := map[int64]bool{}
	for _, n := range notices.Notices {
		told[n.Refs.Record] = true
	}
	for _, r := range rep.Results {
		if !told[r.ID] {
			t.Errorf("the notice of committed record %d was lost: %v", r.ID, told)
		}
	}
	a, err := e.store.CurrentAssessment(context.Background(), codeHuaibei)
	if err != nil {
		t.Fatal(err)
	}
	counted := map[int64]bool{}
	for _, d := range a.Dimensions {
		for _, c := range d.Contributions {
			counted[c.Record] = true
		}
	}
	for _, r := range rep.Results {
		if !counted[r.ID] {
			t.Errorf("committed record %d is not in the grade after the disk had room again", r.ID)
		}
	}
}
