package postgres_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// listEntry is an entry on the abnormal operations list of code, taking
// effect at t0 for three years.
func listEntry(code, key string) *credo.ListEntry {
	return &credo.ListEntry{
		List: "abnormal_operations", ListVersion: "2024", Subject: code, Division: code[2:8], Authority: "samr-340600",
		Source: credo.SourceDecision, LegalBasis: "《企业经营异常名录管理暂行办法》第四条", DecisionNumber: key,
		Reasons: []string{"未按规定公示年度报告"}, DecidedAt: credo.NewTime(t0.AddDate(0, 0, -15)),
		NotifiedAt: credo.NewTime(t0.AddDate(0, 0, -15)), EffectiveAt: credo.NewTime(t0),
		RepairFrom: credo.NewTime(t0.AddDate(1, 0, 0)), Until: credo.NewTime(t0.AddDate(3, 0, 0)),
		RecordedAt: credo.NewTime(t0.AddDate(0, 0, -15)), Key: "decision:samr-340600:abnormal_operations:" + key,
	}
}

// Nodes on one database deciding the same things at once: one list entry
// per key, one transition per entry, one decision per case, one account
// per id, one notice per key, whichever node is first; the others see the
// winner's (Exists, skipped) or are refused with ECONFLICT.
func TestTwoNodesDueProcess(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	nodes := []*postgres.DB{pgtest.OpenSchema(t, dsn, schema), pgtest.OpenSchema(t, dsn, schema)}
	out, err := nodes[0].AddListEntries(ctx, []*credo.ListEntry{listEntry(codes[0], "淮市监异〔2024〕1号")})
	if err != nil || out[0].Status != credo.Created {
		t.Fatalf("AddListEntries: %+v, %v", out, err)
	}
	entryID := out[0].ID
	recs := mustAppend(t, nodes[0], record(codes[0], "DP-1", 1))
	repair := &credo.Case{Kind: credo.CaseRepair, Subject: codes[0], Target: credo.Target{Kind: credo.TargetRecord, ID: recs[0].ID},
		Authority: "samr-340600", Reasons: "已整改", Commitment: true, FiledBy: "account:org-1",
		FiledAt: credo.NewTime(t0.AddDate(1, 0, 0)), DecideBy: credo.NewTime(t0.AddDate(1, 0, 21))}
	if err := nodes[0].FileCase(ctx, repair); err != nil {
		t.Fatal(err)
	}

	const writers = 8
	type result struct {
		entry       credo.Outcome
		entryErr    error
		transition  error
		decision    error
		account     error
		notice      *credo.Notice
		noticeError error
	}
	results := make([]result, writers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			node, r := nodes[w%2], &results[w]
			<-start
			out, err := node.AddListEntries(ctx, []*credo.ListEntry{listEntry(codes[1], "淮市监异〔2024〕2号")})
			if err == nil {
				r.entry = out[0]
			}
			r.entryErr = err
			r.transition = node.AddListTransitions(ctx, []*credo.ListTransition{{Entry: entryID, Status: credo.ListEnded,
				Reason: credo.EndRepaired, Actor: fmt.Sprintf("authority:node-%d", w),
				At: credo.NewTime(t0.AddDate(1, 1, 0)), RecordedAt: credo.NewTime(t0.AddDate(1, 1, 0))}})
			r.decision = node.DecideCase(ctx, &credo.CaseDecision{Case: repair.ID, Outcome: credo.OutcomeApproved,
				Reasons: fmt.Sprintf("writer %d", w), Actor: "authority:samr-340600", At: credo.NewTime(t0.AddDate(1, 0, w+1))})
			r.account = node.CreateAccount(ctx, &credo.Account{ID: "org-1", Role: credo.RoleOrganization, Subject: codes[0]},
				fmt.Sprintf("hash-%d", w))
			r.notice = &credo.Notice{Audience: codes[0], Kind: credo.NoticeRepair, What: "修复申请已决定", Why: fmt.Sprint(w),
				At: credo.NewTime(t0), Key: fmt.Sprintf("case:%d:decided", repair.ID)}
			r.noticeError = node.AddNotices(ctx, []*credo.Notice{r.notice})
		})
	}
	close(start)
	wg.Wait()

	var created, transitions, decisions, accounts, notices int
	var decidedAt credo.Time
	for w, r := range results {
		if r.entryErr != nil || r.noticeError != nil {
			t.Fatalf("writer %d: %v, %v", w, r.entryErr, r.noticeError)
		}
		switch r.entry.Status {
		case credo.Created:
			created++
		case credo.Exists:
		default:
			t.Errorf("writer %d: entry %+v", w, r.entry)
		}
		for _, c := range []struct {
			err error
			n   *int
		}{{r.transition, &transitions}, {r.decision, &decisions}, {r.account, &accounts}} {
			switch credo.ErrorCodeOf(c.err) {
			case "":
				*c.n++
			case credo.ECONFLICT:
			default:
				t.Errorf("writer %d: %v", w, c.err)
			}
		}
		if r.decision == nil {
			decidedAt = credo.NewTime(t0.AddDate(1, 0, w+1))
		}
		if r.notice.ID != 0 {
			notices++
		}
	}
	if created != 1 || transitions != 1 || decisions != 1 || accounts != 1 || notices != 1 {
		t.Errorf("winners: %d entries created, %d transitions, %d decisions, %d accounts, %d notices; want one each",
			created, transitions, decisions, accounts, notices)
	}
	for _, table := range []string{"list_entries", "list_transitions", "case_decisions", "record_repairs", "accounts", "notices"} {
		want := int64(1)
		if table == "list_entries" {
			want = 2
		}
		if n := pgtest.QueryInt(t, schema, `SELECT count(*) FROM `+table); n != want {
			t.Errorf("%d rows in %s, want %d", n, table, want)
		}
	}
	r, err := nodes[1].Record(ctx, recs[0].ID)
	if err != nil || !r.RepairedAt.Equal(decidedAt.Time) {
		t.Errorf("RepairedAt of the repaired record: %v (%v), want the winning decision's %v", r.RepairedAt, err, decidedAt)
	}
}

// A write whose COMMIT went through but whose acknowledgement was lost
// runs again and recognises its own rows: nothing is stored twice, and it
// answers success, not a conflict with itself.
func TestLostAcknowledgementDueProcess(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	db := pgtest.OpenSchema(t, dsn, schema)
	postgres.LoseFirstAcknowledgement(db)

	out, err := db.AddListEntries(ctx, []*credo.ListEntry{listEntry(codes[0], "1号")})
	if err != nil || out[0].Status != credo.Exists || out[0].ID == 0 {
		t.Fatalf("AddListEntries: %+v, %v; want exists (the first attempt stored it)", out, err)
	}
	tr := &credo.ListTransition{Entry: out[0].ID, Status: credo.ListEnded, Reason: credo.EndRevoked, Actor: "admin",
		At: credo.NewTime(t0), RecordedAt: credo.NewTime(t0)}
	if err := db.AddListTransitions(ctx, []*credo.ListTransition{tr}); err != nil || tr.ID == 0 {
		t.Fatalf("AddListTransitions: %v (id %d)", err, tr.ID)
	}
	c := &credo.Case{Kind: credo.CaseObjection, Subject: codes[0], Target: credo.Target{Kind: credo.TargetListEntry, ID: out[0].ID},
		Authority: "samr-340600", Reasons: "不应列入", FiledBy: "account:org-1", FiledAt: credo.NewTime(t0), DecideBy: credo.NewTime(t0.AddDate(0, 1, 0))}
	if err := db.FileCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := db.DecideCase(ctx, &credo.CaseDecision{Case: c.ID, Outcome: credo.OutcomeUpheld, Reasons: "维持",
		Actor: "authority:samr-340600", At: credo.NewTime(t0.AddDate(0, 0, 10))}); err != nil {
		t.Fatalf("DecideCase: %v", err)
	}
	if err := db.CreateAccount(ctx, &credo.Account{ID: "org-1", Role: credo.RoleOrganization, Subject: codes[0]}, "hash"); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	ns := []*credo.Notice{{Audience: codes[0], Kind: credo.NoticeCaseFiled, What: "a", Why: "b", At: credo.NewTime(t0)},
		{Audience: codes[0], Kind: credo.NoticeCaseFiled, What: "c", Why: "d", At: credo.NewTime(t0), Key: "k"}}
	if err := db.AddNotices(ctx, ns); err != nil || ns[0].ID == 0 || ns[1].ID == 0 {
		t.Fatalf("AddNotices: %v (ids %d, %d)", err, ns[0].ID, ns[1].ID)
	}
	for _, table := range []string{"list_entries", "list_transitions", "cases", "case_decisions", "accounts", "notices"} {
		want := int64(1)
		if table == "notices" {
			want = 2
		}
		if n := pgtest.QueryInt(t, schema, `SELECT count(*) FROM `+table); n != want {
			t.Errorf("%d rows in %s, want %d", n, table, want)
		}
	}
	got, err := db.Case(ctx, c.ID)
	if err != nil || got.Decision == nil {
		t.Errorf("Case %d: %+v, %v", c.ID, got, err)
	}
}
