package storecopy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/sqlite"
	"github.com/credo-registry/credo/store/storecopy"
)

var ctx = context.Background()

var t0 = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)

func code(i int) string { return fmt.Sprintf("91340600MA2%06dX", i) }

func openSQLite(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fill gives a store some of everything: authorities with several tokens,
// the person-key secret, organizations with several versions, and records
// that supersede others by id and by external id, with nanosecond times.
func fill(t *testing.T, s credo.Store, orgs, records int, description string) {
	t.Helper()
	for i, id := range []string{"samr-340600", "tax-340600"} {
		a := &credo.Authority{ID: id, Name: "机构 " + id, Divisions: []string{"3406"}, Categories: []string{"market", "tax", "registration"},
			CreatedAt: credo.NewTime(t0.Add(time.Duration(i) * time.Nanosecond))}
		_, h := credo.NewToken()
		if err := s.CreateAuthority(ctx, a, h); err != nil {
			t.Fatal(err)
		}
		for range i + 1 {
			_, h := credo.NewToken()
			if err := s.AddToken(ctx, id, h); err != nil {
				t.Fatal(err)
			}
		}
	}
	secret, err := s.Secret(ctx, storecopy.PersonKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	keyer := credo.HMACKeyer{Secret: secret}
	var subjects []*credo.Subject
	for i := range orgs {
		for v := range 1 + i%3 {
			sub := &credo.Subject{
				Code: code(i), Name: fmt.Sprintf("淮北市第%d实业有限公司", i*10+v), Division: "340600", Status: credo.StatusActive,
				Officers:   []credo.Officer{{Role: credo.RoleLegalRepresentative, Name: "张三", IDNumber: fmt.Sprintf("P%07d", i)}},
				Authority:  "samr-340600",
				RecordedAt: credo.NewTime(t0.Add(time.Duration(i*1000+v) * time.Nanosecond)),
			}
			if v > 0 {
				sub.FormerNames = []credo.FormerName{{Name: fmt.Sprintf("淮北市第%d实业有限公司", i*10+v-1)}}
			}
			sub.Pseudonymize(keyer)
			subjects = append(subjects, sub)
		}
	}
	if _, err := s.PutSubjects(ctx, subjects); err != nil {
		t.Fatal(err)
	}
	var batch []*credo.Record
	for i := range records {
		amount := float64(i) + 0.25
		r := &credo.Record{
			Subject: code(i % orgs), Authority: "samr-340600", Category: "market", Kind: "penalty",
			ExternalID: fmt.Sprintf("R-%05d", i), DecisionNumber: fmt.Sprintf("淮市监罚〔2024〕%d号", i),
			LegalBasis: "《产品质量法》第四十九条", Description: description, PenaltyTypes: []string{"fine"}, Amount: &amount,
			OccurredAt: credo.NewTime(t0.Add(time.Duration(i)*time.Hour + 123*time.Nanosecond)),
			RecordedAt: credo.NewTime(t0.AddDate(1, 0, 0).Add(time.Duration(i) * time.Nanosecond)),
		}
		if i%10 == 9 && i >= orgs {
			r.SupersedesExternalID = fmt.Sprintf("R-%05d", i-orgs) // same subject
		}
		batch = append(batch, r)
		if len(batch) == 250 {
			mustAppend(t, s, batch)
			batch = nil
		}
	}
	mustAppend(t, s, batch)
	// A retraction by id.
	first, err := s.ScanRecords(ctx, 0, 1)
	if err != nil || len(first) == 0 {
		t.Fatal(err)
	}
	r := *first[0]
	r.ID, r.ExternalID, r.Kind, r.SupersededBy, r.SupersedesExternalID = 0, "RETRACT-1", "retraction", 0, ""
	r.Supersedes = first[0].ID
	mustAppend(t, s, []*credo.Record{&r})
}

func mustAppend(t *testing.T, s credo.Store, recs []*credo.Record) {
	t.Helper()
	if len(recs) == 0 {
		return
	}
	out, err := s.AppendRecords(ctx, recs)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if o.Status != credo.Created {
			t.Fatalf("record %s: %+v", recs[i].ExternalID, o)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantSame checks that to holds what from holds, read through the store
// contract.
func wantSame(t *testing.T, from, to credo.Store, orgs int) {
	t.Helper()
	fs, _ := from.Stats(ctx)
	ts, _ := to.Stats(ctx)
	if fs != ts {
		t.Errorf("stats: source %+v, target %+v", fs, ts)
	}
	fa, _ := from.Authorities(ctx)
	ta, _ := to.Authorities(ctx)
	if jsonOf(t, fa) != jsonOf(t, ta) {
		t.Errorf("authorities differ:\n%s\n%s", jsonOf(t, fa), jsonOf(t, ta))
	}
	for _, a := range fa {
		tokens, _ := from.AuthorityTokens(ctx, a.ID)
		for _, h := range tokens {
			got, err := to.AuthorityByToken(ctx, h)
			if err != nil || got.ID != a.ID {
				t.Errorf("token of %s on the target: %v, %v", a.ID, got, err)
			}
		}
	}
	fsec, _ := from.Secret(ctx, storecopy.PersonKeySecret)
	tsec, _ := to.Secret(ctx, storecopy.PersonKeySecret)
	if string(fsec) != string(tsec) {
		t.Error("person-key secrets differ")
	}
	for i := range orgs {
		fv, err1 := from.SubjectVersions(ctx, code(i))
		tv, err2 := to.SubjectVersions(ctx, code(i))
		if err1 != nil || err2 != nil || jsonOf(t, fv) != jsonOf(t, tv) {
			t.Fatalf("versions of %s differ (%v, %v):\n%s\n%s", code(i), err1, err2, jsonOf(t, fv), jsonOf(t, tv))
		}
		fr, _ := from.SubjectRecords(ctx, code(i), credo.RecordFilter{Limit: 1000})
		tr, _ := to.SubjectRecords(ctx, code(i), credo.RecordFilter{Limit: 1000})
		if jsonOf(t, fr) != jsonOf(t, tr) {
			t.Fatalf("records of %s differ:\n%s\n%s", code(i), jsonOf(t, fr), jsonOf(t, tr))
		}
	}
	fp, err1 := from.SearchSubjects(ctx, credo.SubjectQuery{Q: "第11实业"})
	tp, err2 := to.SearchSubjects(ctx, credo.SubjectQuery{Q: "第11实业"})
	if err1 != nil || err2 != nil || len(tp.Subjects) == 0 || jsonOf(t, fp) != jsonOf(t, tp) {
		t.Errorf("search on the target: %v, %v; on the source %v, %v", tp, err2, fp, err1)
	}
}

func TestCopySQLiteToPostgres(t *testing.T) {
	defer storecopy.SetBatchSize(97)()
	const orgs, records = 40, 900
	src := openSQLite(t)
	fill(t, src, orgs, records, "")
	source := []byte("apiVersion: credo/v1\nid: copied\n")
	if err := src.PublishRulebook(ctx, &credo.Rulebook{ID: "copied", Version: "1", Source: source}); err != nil {
		t.Fatal(err)
	}
	dst := pgtest.Open(t)

	var last storecopy.Progress
	rep, err := storecopy.Copy(ctx, src, dst, func(p storecopy.Progress) {
		if p.Stage == "records" {
			last = p
		}
	})
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	versions := int64(0)
	for i := range orgs {
		versions += int64(1 + i%3)
	}
	if rep.Authorities != 2 || rep.Subjects != versions || rep.Records != records+1 || len(rep.Checksum) != 64 {
		t.Errorf("report %+v, want 2 authorities, %d versions, %d records", rep, versions, records+1)
	}
	if last.Done != records+1 || last.Copied != records+1 {
		t.Errorf("records progress %+v", last)
	}
	wantSame(t, src, dst, orgs)
	if rb, err := dst.Rulebook(ctx, "copied", "1"); err != nil || string(rb.Source) != string(source) {
		t.Errorf("published rulebook not copied exactly: %v", err)
	}

	// The target goes on where the source stopped.
	out, err := dst.AppendRecords(ctx, []*credo.Record{{Subject: code(1), Authority: "tax-340600", Category: "tax", Kind: "arrears",
		ExternalID: "NEW-1", OccurredAt: credo.NewTime(t0), RecordedAt: credo.NewTime(t0)}})
	if err != nil || out[0].Status != credo.Created || out[0].ID <= records+1 {
		t.Errorf("first append after the copy: %+v, %v; want an id above %d", out, err, records+1)
	}

	// A copy of the same source into another empty store has the same checksum.
	again, err := storecopy.Copy(ctx, src, pgtest.Open(t), nil)
	if err != nil || again.Checksum != rep.Checksum {
		t.Errorf("second copy: %+v, %v; want checksum %s", again, err, rep.Checksum)
	}
}

func TestCopyResumesAfterInterruption(t *testing.T) {
	defer storecopy.SetBatchSize(50)()
	const orgs, records = 20, 400
	src := openSQLite(t)
	fill(t, src, orgs, records, "")
	dst := pgtest.Open(t)

	cctx, cancel := context.WithCancel(ctx)
	_, err := storecopy.Copy(cctx, src, dst, func(p storecopy.Progress) {
		if p.Stage == "records" && p.Done >= 150 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Copy: %v, want context.Canceled", err)
	}
	st, _ := dst.Stats(ctx)
	if st.Records == 0 || st.Records >= records {
		t.Fatalf("after the interruption the target holds %d records", st.Records)
	}

	var recs storecopy.Progress
	rep, err := storecopy.Copy(ctx, src, dst, func(p storecopy.Progress) {
		if p.Stage == "records" {
			recs = p
		}
	})
	if err != nil {
		t.Fatalf("resumed Copy: %v", err)
	}
	if recs.Done != records+1 || recs.Copied >= recs.Done || recs.Copied == 0 {
		t.Errorf("resumed records progress %+v: want the copied batches skipped", recs)
	}
	if rep.Records != records+1 {
		t.Errorf("report %+v", rep)
	}
	wantSame(t, src, dst, orgs)

	// Once more: nothing left to copy.
	rep2, err := storecopy.Copy(ctx, src, dst, func(p storecopy.Progress) {
		if p.Stage == "records" || p.Stage == "subjects" {
			recs = p
		}
	})
	if err != nil || rep2 != rep || recs.Copied != 0 {
		t.Errorf("third Copy: %+v, %v, progress %+v", rep2, err, recs)
	}
}

func TestCopyDetectsMismatch(t *testing.T) {
	const orgs, records = 10, 60
	src := openSQLite(t)
	fill(t, src, orgs, records, "")

	t.Run("extra record in the target", func(t *testing.T) {
		dst := pgtest.Open(t)
		if _, err := storecopy.Copy(ctx, src, dst, nil); err != nil {
			t.Fatal(err)
		}
		mustAppend(t, dst, []*credo.Record{{Subject: code(1), Authority: "tax-340600", Category: "tax", Kind: "arrears",
			ExternalID: "EXTRA", OccurredAt: credo.NewTime(t0), RecordedAt: credo.NewTime(t0)}})
		_, err := storecopy.Copy(ctx, src, dst, nil)
		if !errors.Is(err, storecopy.ErrMismatch) {
			t.Errorf("Copy onto a changed target: %v, want ErrMismatch", err)
		}
	})

	t.Run("different records under the copied ids", func(t *testing.T) {
		dst := openSQLite(t)
		if _, err := storecopy.Copy(ctx, src, dst, nil); err != nil {
			t.Fatal(err)
		}
		// Another registry of the same shape and secret, whose records
		// say something else: Restore skips their ids, which the target
		// holds, and only the checksums can tell.
		secret, _ := src.Secret(ctx, storecopy.PersonKeySecret)
		other := openSQLite(t)
		if err := other.RestoreSecret(ctx, storecopy.PersonKeySecret, secret); err != nil {
			t.Fatal(err)
		}
		fill(t, other, orgs, records, "另一份")
		_, err := storecopy.Copy(ctx, other, dst, nil)
		if !errors.Is(err, storecopy.ErrMismatch) || !strings.Contains(err.Error(), "records:") {
			t.Errorf("Copy of another registry onto a copy: %v, want ErrMismatch naming records", err)
		}
	})

	t.Run("another secret in the target", func(t *testing.T) {
		dst := pgtest.Open(t)
		if _, err := dst.Secret(ctx, storecopy.PersonKeySecret); err != nil {
			t.Fatal(err)
		}
		_, err := storecopy.Copy(ctx, src, dst, nil)
		if !errors.Is(err, storecopy.ErrMismatch) {
			t.Errorf("Copy into a target with its own secret: %v, want ErrMismatch", err)
		}
	})
}
