package storecopy_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/ledger"
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
			if i > 0 { // the first holds 60% of every other: a shareholder and a subsidiary relationship each
				sub.Shareholders = []credo.Shareholder{{Type: "organization", Code: code(0), Name: "淮北市第0实业有限公司", Share: 60}}
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
	fillDueProcess(t, s, orgs, records)
}

// fillDueProcess gives a store filled by fill list entries (a third of
// them ended by a transition), cases about records and entries (most
// decided; approved repairs of records mark them repaired), accounts with
// tokens and notices (most with keys), with microsecond times.
func fillDueProcess(t *testing.T, s credo.Store, orgs, records int) {
	t.Helper()
	at := func(i int) credo.Time {
		return credo.NewTime(t0.AddDate(1, 1, 0).Add(time.Duration(i)*time.Minute + 123456*time.Microsecond))
	}
	var entries []*credo.ListEntry
	for i := range 3 * orgs {
		e := &credo.ListEntry{List: "abnormal_operations", ListVersion: "2025.1", Subject: code(i % orgs), Division: "340600",
			Authority: "samr-340600", Source: credo.SourceDecision, LegalBasis: "《企业经营异常名录管理暂行办法》第四条",
			DecisionNumber: fmt.Sprintf("淮市监列〔2025〕%d号", i), Reasons: []string{"未按照规定的期限公示年度报告"},
			DecidedAt: at(i), NotifiedAt: at(i), EffectiveAt: at(i + 14400), RepairFrom: at(i + 200000), Until: at(i + 1000000),
			RecordedAt: at(i)}
		if i%5 == 4 {
			e.Source, e.Authority, e.Reasons, e.Until, e.RepairFrom = credo.SourceRule, credo.RegistryActor, nil, credo.Time{}, credo.Time{}
		}
		e.Key = fmt.Sprintf("decision:samr-340600:%s:%s", e.List, e.DecisionNumber)
		entries = append(entries, e)
	}
	out, err := s.AddListEntries(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	var ts []*credo.ListTransition
	for i, o := range out {
		if o.Status != credo.Created {
			t.Fatalf("entry %d: %+v", i, o)
		}
		if i%3 == 1 {
			ts = append(ts, &credo.ListTransition{Entry: o.ID, Status: credo.ListEnded, Reason: credo.EndRevoked,
				Note: "经审查决定移出", Actor: "admin", At: at(i + 50000), RecordedAt: at(i + 50000)})
		}
	}
	if err := s.AddListTransitions(ctx, ts); err != nil {
		t.Fatal(err)
	}
	recs, err := s.ScanRecords(ctx, 0, records)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 * orgs {
		c := &credo.Case{Kind: credo.CaseRepair, Subject: recs[i].Subject, Target: credo.Target{Kind: credo.TargetRecord, ID: recs[i].ID},
			Authority: "samr-340600", Reasons: "已缴清罚款并完成整改", Commitment: true, FiledBy: "account:org-" + recs[i].Subject,
			FiledAt: at(i + 60000), DecideBy: at(i + 80000)}
		if i%4 == 1 {
			c.Kind, c.Commitment, c.Target = credo.CaseObjection, false, credo.Target{Kind: credo.TargetListEntry, ID: out[i].ID}
			c.Attachments = []credo.Attachment{{Name: "说明.pdf", MediaType: "application/pdf", Size: 3, SHA256: "abc", Data: []byte{0, 1, 0xff}}}
		}
		if err := s.FileCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		if i%7 == 6 {
			continue // undecided
		}
		outcome := credo.OutcomeApproved
		if c.Kind == credo.CaseObjection {
			outcome = credo.OutcomeUpheld
		} else if i%3 == 2 {
			outcome = credo.OutcomeRejected
		}
		if err := s.DecideCase(ctx, &credo.CaseDecision{Case: c.ID, Outcome: outcome, Reasons: "材料真实有效",
			Actor: "authority:samr-340600", At: at(i + 70000)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		a := &credo.Account{ID: fmt.Sprintf("org-%d", i), Role: credo.RoleOrganization, Subject: code(i), Name: "机构",
			CreatedAt: at(i)}
		if i == 4 {
			a = &credo.Account{ID: "admin", Role: credo.RoleAdmin, CreatedAt: at(i)}
		}
		_, h := credo.NewToken()
		if err := s.CreateAccount(ctx, a, h); err != nil {
			t.Fatal(err)
		}
	}
	var notices []*credo.Notice
	for i := range 4 * orgs {
		n := &credo.Notice{Audience: code(i % orgs), Subject: code(i % orgs), Kind: credo.NoticeListing,
			What: fmt.Sprintf("拟列入经营异常名录（第%d号）", i), Why: "未按照规定的期限公示年度报告",
			Options: []string{"提出异议"}, Refs: credo.Refs{ListEntry: out[i%len(out)].ID}, At: at(i),
			Key: fmt.Sprintf("listing:%d", i)}
		if i%6 == 5 {
			n.Audience, n.Key, n.Options = credo.AudienceAdmin, "", nil
		}
		notices = append(notices, n)
	}
	if err := s.AddNotices(ctx, notices); err != nil {
		t.Fatal(err)
	}
	// Replies: one per organization, to its first list entry.
	for i := range orgs {
		if err := s.AddReply(ctx, &credo.Reply{Subject: code(i), Target: credo.Target{Kind: credo.TargetListEntry, ID: out[i%len(out)].ID},
			Text: "已按期报送年度报告，申请移出。", By: "account:org-" + code(i), At: at(i + 2000)}); err != nil {
			t.Fatal(err)
		}
	}
	fillMonitoring(t, s, at(0).Time)
	// Annual reports: one per organization, a correction of every third.
	for i := range orgs {
		employees := int64(10 + i)
		for v := 1; v <= 1+boolInt(i%3 == 0); v++ {
			r := &credo.AnnualReport{Subject: code(i), Year: 2024, Version: v, Corrects: v - 1,
				Contact: credo.ReportContact{Address: "安徽省淮北市相山区人民路" + fmt.Sprint(i) + "号"}, OperatingStatus: credo.OperatingOpen,
				Employees: &employees, Disclosed: []string{"employees"}, FiledAt: at(i + 1000*v), FiledBy: "account:org-" + code(i)}
			if err := s.FileAnnualReport(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// fillMonitoring gives a store filled by fill a client's watchlists
// (issue 16): one with members and two endpoints, one with a rotated
// secret still signing, one paused; a deleted one an endpoint still
// names; a deleted one nothing names (not carried); and the worker's
// cursor.
func fillMonitoring(t *testing.T, s credo.Store, at time.Time) {
	t.Helper()
	_, h := credo.NewToken()
	if err := s.CreateAccount(ctx, &credo.Account{ID: "client-1", Role: credo.RoleClient, Name: "淮北市供应链管理有限公司", CreatedAt: credo.NewTime(at)}, h); err != nil {
		t.Fatal(err)
	}
	watch := func(name string, members ...string) *credo.Watchlist {
		w := &credo.Watchlist{Owner: "client-1", Name: name, Types: []string{"credo.record.accepted", "credo.grade.changed"}, PartnerDepth: 1,
			CreatedAt: credo.NewTime(at)}
		if err := s.CreateWatchlist(ctx, w); err != nil {
			t.Fatal(err)
		}
		if len(members) > 0 {
			if err := s.ChangeWatchlistMembers(ctx, w.ID, members, nil, at); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	hook := func(w *credo.Watchlist, url string) *credo.Webhook {
		h := &credo.Webhook{Owner: "client-1", Watchlist: w.ID, URL: url, Secret: "whsec_" + url[len(url)-1:], CreatedAt: credo.NewTime(at)}
		if err := s.CreateWebhook(ctx, h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	gone := watch("已删除", code(9))
	if err := s.DeleteWatchlist(ctx, gone.ID, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	suppliers := watch("供应商", code(1), code(2), code(3))
	rotated := hook(suppliers, "https://203.0.113.10/a")
	if err := s.RotateWebhookSecret(ctx, rotated.ID, "whsec_rotated", at.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	paused := hook(suppliers, "https://203.0.113.10/b")
	if _, err := s.PauseWebhook(ctx, paused.ID, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	former := watch("原客户", code(4))
	hook(former, "https://203.0.113.10/c")
	if err := s.DeleteWatchlist(ctx, former.ID, at.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.EnqueueWebhookDeliveries(ctx, 0, 5, nil); err != nil {
		t.Fatal(err)
	}
}

// wantSameMonitoring checks that to holds the watchlists, members,
// endpoints (secrets included) and delivery cursor of fillMonitoring.
func wantSameMonitoring(t *testing.T, from, to credo.Store) {
	t.Helper()
	fw, err1 := from.Watchlists(ctx, "client-1")
	tw, err2 := to.Watchlists(ctx, "client-1")
	if err1 != nil || err2 != nil || len(fw) != 1 || jsonOf(t, fw) != jsonOf(t, tw) {
		t.Fatalf("watchlists differ (%v, %v):\n%s\n%s", err1, err2, jsonOf(t, fw), jsonOf(t, tw))
	}
	fm, _ := from.WatchlistMembers(ctx, fw[0].ID)
	tm, err := to.WatchlistMembers(ctx, fw[0].ID)
	if err != nil || len(fm) != 3 || jsonOf(t, fm) != jsonOf(t, tm) {
		t.Errorf("members: %v (%v), want %v", tm, err, fm)
	}
	fh, _ := from.Webhooks(ctx, "client-1")
	th, err := to.Webhooks(ctx, "client-1")
	if err != nil || len(fh) != 3 || len(th) != len(fh) {
		t.Fatalf("webhooks: %d (%v), want %d", len(th), err, len(fh))
	}
	for i, h := range fh {
		g := th[i]
		if jsonOf(t, h) != jsonOf(t, g) || h.Secret != g.Secret || h.Previous != g.Previous || !h.PreviousUntil.Equal(g.PreviousUntil.Time) {
			t.Errorf("webhook %d: %s %s/%s on the target, want %s %s/%s", h.ID, jsonOf(t, g), g.Secret, g.Previous, jsonOf(t, h), h.Secret, h.Previous)
		}
		if i == 0 && (g.Previous == "" || g.Secret != "whsec_rotated") || i == 1 && g.PausedAt.IsZero() {
			t.Errorf("webhook %d on the target lost its rotation or pause: %+v", h.ID, g)
		}
	}
	if w, err := to.Watchlist(ctx, fh[2].Watchlist); err != nil || w.DeletedAt.IsZero() || w.Members != 1 {
		t.Errorf("the deleted watchlist an endpoint names: %+v, %v", w, err)
	}
	if c, err := to.WebhookCursor(ctx); err != nil || c != 5 {
		t.Errorf("the target's webhook cursor: %d, %v; want 5", c, err)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
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
	wantSameDueProcess(t, from, to, orgs)
	wantSameMonitoring(t, from, to)
	fp, err1 := from.SearchSubjects(ctx, credo.SubjectQuery{Q: "第11实业"})
	tp, err2 := to.SearchSubjects(ctx, credo.SubjectQuery{Q: "第11实业"})
	if err1 != nil || err2 != nil || len(tp.Subjects) == 0 || jsonOf(t, fp) != jsonOf(t, tp) {
		t.Errorf("search on the target: %v, %v; on the source %v, %v", tp, err2, fp, err1)
	}
}

// wantSameDueProcess checks that to holds the list entries (keys and
// transitions included), cases, record repairs, accounts and notices (keys
// included) from holds.
func wantSameDueProcess(t *testing.T, from, to credo.Store, orgs int) {
	t.Helper()
	fe, err1 := from.ScanListEntries(ctx, 0, 100000)
	te, err2 := to.ScanListEntries(ctx, 0, 100000)
	if err1 != nil || err2 != nil || len(fe) == 0 || len(fe) != len(te) {
		t.Fatalf("list entries: %d, %v on the source; %d, %v on the target", len(fe), err1, len(te), err2)
	}
	for i := range fe {
		if fe[i].Key != te[i].Key || jsonOf(t, fe[i]) != jsonOf(t, te[i]) || jsonOf(t, fe[i].Transitions) != jsonOf(t, te[i].Transitions) {
			t.Fatalf("list entry %d differs:\n%s %s %s\n%s %s %s", fe[i].ID, fe[i].Key, jsonOf(t, fe[i]), jsonOf(t, fe[i].Transitions),
				te[i].Key, jsonOf(t, te[i]), jsonOf(t, te[i].Transitions))
		}
	}
	for i := range orgs {
		a, _ := from.SubjectListEntries(ctx, code(i))
		b, _ := to.SubjectListEntries(ctx, code(i))
		if jsonOf(t, a) != jsonOf(t, b) {
			t.Fatalf("list entries of %s differ", code(i))
		}
	}
	fc, err1 := from.ScanCases(ctx, 0, 100000)
	tc, err2 := to.ScanCases(ctx, 0, 100000)
	if err1 != nil || err2 != nil || len(fc) == 0 || jsonOf(t, fc) != jsonOf(t, tc) {
		t.Fatalf("cases differ (%v, %v):\n%s\n%s", err1, err2, jsonOf(t, fc), jsonOf(t, tc))
	}
	repaired := 0
	for _, c := range fc {
		if c.Target.Kind == credo.TargetRecord {
			a, err1 := from.Record(ctx, c.Target.ID)
			b, err2 := to.Record(ctx, c.Target.ID)
			if err1 != nil || err2 != nil || !a.RepairedAt.Equal(b.RepairedAt.Time) {
				t.Fatalf("record %d: RepairedAt %v on the source, %v on the target (%v, %v)", c.Target.ID, a.RepairedAt, b.RepairedAt, err1, err2)
			}
			if !a.RepairedAt.IsZero() {
				repaired++
			}
		}
	}
	if repaired == 0 {
		t.Error("no record repaired in the source")
	}
	fa, _ := from.Accounts(ctx)
	ta, _ := to.Accounts(ctx)
	if len(fa) == 0 || jsonOf(t, fa) != jsonOf(t, ta) {
		t.Errorf("accounts differ:\n%s\n%s", jsonOf(t, fa), jsonOf(t, ta))
	}
	for _, a := range fa {
		tokens, _ := from.AccountTokens(ctx, a.ID)
		for _, h := range tokens {
			got, err := to.AccountByToken(ctx, h)
			if err != nil || jsonOf(t, got) != jsonOf(t, a) {
				t.Errorf("token of account %s on the target: %v, %v", a.ID, got, err)
			}
		}
	}
	fn, err1 := from.ScanNotices(ctx, 0, 100000)
	tn, err2 := to.ScanNotices(ctx, 0, 100000)
	if err1 != nil || err2 != nil || len(fn) == 0 || len(fn) != len(tn) || jsonOf(t, fn) != jsonOf(t, tn) {
		t.Fatalf("notices differ (%v, %v)", err1, err2)
	}
	for i := range fn {
		if fn[i].Key != tn[i].Key {
			t.Fatalf("notice %d: key %q on the target, want %q", fn[i].ID, tn[i].Key, fn[i].Key)
		}
	}
	for _, audience := range []string{code(0), credo.AudienceAdmin} {
		a, err1 := from.Notices(ctx, audience, "", 1000)
		b, err2 := to.Notices(ctx, audience, "", 1000)
		if err1 != nil || err2 != nil || len(a.Notices) == 0 || jsonOf(t, a) != jsonOf(t, b) {
			t.Errorf("notices of %s differ (%v, %v)", audience, err1, err2)
		}
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
	// Three issued reports on one organization, one withdrawn, one
	// superseded.
	var issued []string
	for i, n := range []string{"CR-20240301-00000000A1", "CR-20240301-00000000A2", "CR-20240301-00000000A3"} {
		r := &credo.IssuedReport{Number: n, Subject: code(1), Viewer: "public", Format: credo.ReportPDF, IssuedAt: credo.NewTime(t0.Add(time.Duration(i) * time.Minute)),
			AsOf: credo.NewTime(t0), Rulebooks: []credo.RulebookRef{{ID: "copied", Version: "1"}}, SHA256: strings.Repeat(strconv.Itoa(i), 64)}
		if err := src.IssueReport(ctx, r); err != nil {
			t.Fatal(err)
		}
		issued = append(issued, n)
	}
	if _, err := src.WithdrawReport(ctx, issued[2], credo.ReportWithdrawal{At: credo.NewTime(t0.Add(time.Hour)), By: "admin", Reason: "错误"}); err != nil {
		t.Fatal(err)
	}
	// The source's ledger: integrated twice (two checkpoints), with a
	// leaf erased between.
	seed, err := src.Secret(ctx, credo.LedgerKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	signer, vkey, err := ledger.Signer("credo.test/copy", seed)
	if err != nil {
		t.Fatal(err)
	}
	srcLedger := ledger.New(src, signer)
	if _, err := srcLedger.Integrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srcLedger.Erase(ctx, 3, "《个人信息保护法》第四十七条"); err != nil {
		t.Fatal(err)
	}
	if _, err := srcLedger.Integrate(ctx); err != nil {
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
	srcHead, err := src.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var srcLog []*credo.Change
	for after := int64(0); after < srcHead; after = srcLog[len(srcLog)-1].Position {
		page, err := src.Changes(ctx, credo.ChangeQuery{After: after, Limit: credo.MaxPageSize})
		if err != nil || len(page) == 0 {
			t.Fatal(err)
		}
		srcLog = append(srcLog, page...)
	}
	if rep.Changes != int64(len(srcLog)) || len(srcLog) < records {
		t.Errorf("report %+v: %d changes copied of the source's %d (%v)", rep, rep.Changes, len(srcLog), err)
	}
	if head, err := dst.Head(ctx); err != nil || head < srcLog[len(srcLog)-1].Position {
		t.Errorf("the target's head %d is below the source's (%v)", head, err)
	}
	if rep.Authorities != 2 || rep.Subjects != versions || rep.Records != records+1 || len(rep.Checksum) != 64 {
		t.Errorf("report %+v, want 2 authorities, %d versions, %d records", rep, versions, records+1)
	}
	if rep.ListEntries != 3*orgs || rep.Cases != 2*orgs || rep.Accounts != 6 || rep.Notices != 4*orgs {
		t.Errorf("report %+v, want %d list entries, %d cases, 6 accounts, %d notices", rep, 3*orgs, 2*orgs, 4*orgs)
	}
	if want := int64(orgs + (orgs+2)/3); rep.AnnualReports != want {
		t.Errorf("report %+v, want %d annual report versions", rep, want)
	}
	if rep.Replies != orgs {
		t.Errorf("report %+v, want %d replies", rep, orgs)
	}
	if rep.Relationships != 2*(orgs-1) {
		t.Errorf("report %+v, want %d relationships", rep, 2*(orgs-1))
	}
	if rep.Watchlists != 2 || rep.Webhooks != 3 || rep.Accounts != 6 {
		t.Errorf("report %+v, want 2 watchlists, 3 webhooks and 6 accounts", rep)
	}
	if rep.IssuedReports != 3 {
		t.Errorf("report %+v, want 3 issued reports", rep)
	}
	for _, n := range issued {
		a, err1 := src.IssuedReport(ctx, n)
		b, err2 := dst.IssuedReport(ctx, n)
		if err1 != nil || err2 != nil || a.Status != b.Status || a.SupersededBy != b.SupersededBy || a.SHA256 != b.SHA256 ||
			(a.Withdrawal == nil) != (b.Withdrawal == nil) || !b.IssuedAt.Equal(a.IssuedAt.Time) {
			t.Errorf("issued report %s: source %+v (%v), copy %+v (%v)", n, a, err1, b, err2)
		}
	}
	if last.Done != records+1 || last.Copied != records+1 {
		t.Errorf("records progress %+v", last)
	}
	wantSame(t, src, dst, orgs)
	if rb, err := dst.Rulebook(ctx, "copied", "1"); err != nil || string(rb.Source) != string(source) {
		t.Errorf("published rulebook not copied exactly: %v", err)
	}
	wantSameLedger(t, src, dst, vkey, rep)

	// The target goes on where the source stopped.
	c := &credo.Case{Kind: credo.CaseObjection, Subject: code(1), Target: credo.Target{Kind: credo.TargetRecord, ID: 1},
		Authority: "samr-340600", Reasons: "异议", FiledBy: "account:org-1", FiledAt: credo.NewTime(t0), DecideBy: credo.NewTime(t0)}
	if err := dst.FileCase(ctx, c); err != nil || c.ID <= 2*orgs {
		t.Errorf("first case filed after the copy: id %d, %v; want an id above %d", c.ID, err, 2*orgs)
	}
	n := &credo.Notice{Audience: code(1), Kind: credo.NoticeCaseFiled, What: "已受理", At: credo.NewTime(t0)}
	if err := dst.AddNotices(ctx, []*credo.Notice{n}); err != nil || n.ID <= 4*orgs {
		t.Errorf("first notice after the copy: id %d, %v; want an id above %d", n.ID, err, 4*orgs)
	}
	next := &credo.Watchlist{Owner: "client-1", Name: "新", Types: []string{}, CreatedAt: credo.NewTime(t0)}
	if err := dst.CreateWatchlist(ctx, next); err != nil || next.ID <= 3 {
		t.Errorf("a watchlist created after the copy: id %d, %v; want above the source's 3", next.ID, err)
	}
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

// TestCopyResumesInEveryPart: a copy interrupted part way through a part
// skips, run again, the batches it restored and copies the rest; once
// more, it copies nothing and reports the same.
func TestCopyResumesInEveryPart(t *testing.T) {
	defer storecopy.SetBatchSize(7)()
	const orgs, records = 20, 100
	src := openSQLite(t)
	fill(t, src, orgs, records, "")
	for _, stage := range []string{"subjects", "records", "list entries", "cases", "notices", "annual reports", "relationships"} {
		t.Run(stage, func(t *testing.T) {
			dst := pgtest.Open(t)
			cctx, cancel := context.WithCancel(ctx)
			_, err := storecopy.Copy(cctx, src, dst, func(p storecopy.Progress) {
				if p.Stage == stage && p.Done >= 21 {
					cancel()
				}
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted Copy: %v, want context.Canceled", err)
			}
			var got storecopy.Progress
			rep, err := storecopy.Copy(ctx, src, dst, func(p storecopy.Progress) {
				if p.Stage == stage {
					got = p
				}
			})
			if err != nil {
				t.Fatalf("resumed Copy: %v", err)
			}
			if got.Copied == 0 || got.Copied >= got.Done {
				t.Errorf("resumed %s progress %+v: want the copied batches skipped", stage, got)
			}
			if rep.Records != records+1 || rep.ListEntries != 3*orgs || rep.Cases != 2*orgs || rep.Notices != 4*orgs || rep.Accounts != 6 {
				t.Errorf("report %+v", rep)
			}
			wantSame(t, src, dst, orgs)
			again, err := storecopy.Copy(ctx, src, dst, func(p storecopy.Progress) {
				if p.Stage == stage {
					got = p
				}
			})
			if err != nil || again != rep || got.Copied != 0 {
				t.Errorf("third Copy: %+v, %v, %s progress %+v; want %+v with nothing copied", again, err, stage, got, rep)
			}
		})
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

	t.Run("extra due process in the target", func(t *testing.T) {
		dst := pgtest.Open(t)
		if _, err := storecopy.Copy(ctx, src, dst, nil); err != nil {
			t.Fatal(err)
		}
		if err := dst.AddNotices(ctx, []*credo.Notice{{Audience: credo.AudienceAdmin, Kind: credo.NoticeOverdue, What: "逾期", At: credo.NewTime(t0)}}); err != nil {
			t.Fatal(err)
		}
		// As a regrade on the target would: a rule entry, and the end of a
		// copied one.
		es, err := dst.ScanListEntries(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		e := *es[0]
		e.ID, e.Transitions, e.Key, e.Source = 0, nil, "rule:abnormal_operations:"+code(1)+":1", credo.SourceRule
		if out, err := dst.AddListEntries(ctx, []*credo.ListEntry{&e}); err != nil || out[0].Status != credo.Created {
			t.Fatalf("AddListEntries: %+v, %v", out, err)
		}
		if err := dst.AddListTransitions(ctx, []*credo.ListTransition{{Entry: es[0].ID, Status: credo.ListEnded,
			Reason: credo.EndRevoked, Actor: credo.RegistryActor, At: credo.NewTime(t0), RecordedAt: credo.NewTime(t0)}}); err != nil {
			t.Fatal(err)
		}
		// Later: the entry, the transition and the notice, the two changes
		// they logged, and the two authorities' creation the first copy
		// logged on the target.
		rep, err := storecopy.Copy(ctx, src, dst, nil)
		if err != nil || rep.Later != 7 {
			t.Fatalf("Copy onto a target that wrote due process itself: %+v, %v; want 7 later items", rep, err)
		}
		// The case (filed only by organizations) is a mismatch.
		c := &credo.Case{Kind: credo.CaseObjection, Subject: code(1), Target: credo.Target{Kind: credo.TargetRecord, ID: 1},
			Authority: "samr-340600", Reasons: "异议", FiledBy: "account:org-1", FiledAt: credo.NewTime(t0), DecideBy: credo.NewTime(t0)}
		if err := dst.FileCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		rep, err = storecopy.Copy(ctx, src, dst, nil)
		if !errors.Is(err, storecopy.ErrMismatch) || !strings.Contains(err.Error(), "cases:") || rep.Later != 8 {
			t.Errorf("Copy onto a target with another case: %+v, %v; want ErrMismatch naming cases", rep, err)
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

// wantSameLedger: the copy holds the source's tree, checkpoints and key:
// the source's latest checkpoint verifies with the key the copy makes,
// every leaf's proof from the copy verifies against it, log_index lookups
// answer the same, and the copy signs on consistently with it.
func wantSameLedger(t *testing.T, src, dst credo.Store, vkey string, rep storecopy.Report) {
	t.Helper()
	size, _, err := src.LedgerSize(ctx)
	if err != nil || size < 900 {
		t.Fatalf("the source's ledger has %d leaves, %v", size, err)
	}
	if got, _, err := dst.LedgerSize(ctx); err != nil || got != size {
		t.Fatalf("the copy's ledger has %d leaves of %d, %v", got, size, err)
	}
	srcCP, _ := src.Checkpoint(ctx)
	dstCP, err := dst.Checkpoint(ctx)
	if err != nil || string(dstCP) != string(srcCP) {
		t.Fatalf("the copy's checkpoint %q, %v; want the source's", dstCP, err)
	}
	if cps, err := dst.LedgerCheckpoints(ctx, 0, 10); err != nil || len(cps) != 2 {
		t.Fatalf("the copy's checkpoints: %d, %v; want both of the source's", len(cps), err)
	}
	if rep.Ledger != size+2 {
		t.Errorf("report %+v: ledger %d, want %d leaves and 2 checkpoints", rep, rep.Ledger, size)
	}
	seed, err := dst.Secret(ctx, credo.LedgerKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	signer, dstKey, err := ledger.Signer("credo.test/copy", seed)
	if err != nil || dstKey != vkey {
		t.Fatalf("the copy's verifier key %q, %v; want the source's %q", dstKey, err, vkey)
	}
	cp, err := ledger.OpenCheckpoint(dstCP, vkey)
	if err != nil {
		t.Fatal(err)
	}
	dstLedger := ledger.New(dst, signer)
	for _, i := range []int64{0, 3, size / 2, size - 1} {
		leaf, err := dst.LedgerLeaf(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		p, err := dstLedger.InclusionProof(ctx, uint64(i), cp.Size)
		if err != nil || ledger.VerifyInclusion(cp, uint64(i), leaf.Hash, p) != nil {
			t.Errorf("leaf %d of the copy does not verify: %v", i, err)
		}
		if (leaf.Salt == nil) != (i == 3) {
			t.Errorf("leaf %d: salt %x; only leaf 3 is erased", i, leaf.Salt)
		}
	}
	for _, id := range []string{"1", "450"} {
		want, err1 := src.LedgerIndex(ctx, credo.ChangeRecordAccepted, id)
		got, err2 := dst.LedgerIndex(ctx, credo.ChangeRecordAccepted, id)
		if err1 != nil || err2 != nil || got != want {
			t.Errorf("log_index of record %s: copy %d (%v), source %d (%v)", id, got, err2, want, err1)
		}
	}
	// The copy integrates what it logged itself after the source's tree,
	// consistently with the source's checkpoint.
	if n, err := dstLedger.Integrate(ctx); err != nil || n == 0 {
		t.Fatalf("integrating on the copy: %d, %v", n, err)
	}
	msg, _ := dst.Checkpoint(ctx)
	newer, err := ledger.OpenCheckpoint(msg, vkey)
	if err != nil {
		t.Fatal(err)
	}
	p, err := dstLedger.ConsistencyProof(ctx, cp.Size, newer.Size)
	if err != nil || ledger.VerifyConsistency(cp, newer, p) != nil {
		t.Errorf("the copy's next checkpoint is not consistent with the source's: %v", err)
	}
}

// TestCopyPostgresToSQLite: the other direction, from a PostgreSQL
// registry (ids drawn from sequences) into the embedded store.
func TestCopyPostgresToSQLite(t *testing.T) {
	defer storecopy.SetBatchSize(13)()
	const orgs, records = 12, 90
	src := pgtest.Open(t)
	fill(t, src, orgs, records, "")
	dst := openSQLite(t)
	rep, err := storecopy.Copy(ctx, src, dst, nil)
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if rep.Records != records+1 || rep.Watchlists != 2 || rep.Webhooks != 3 || rep.Replies != orgs {
		t.Errorf("report %+v", rep)
	}
	wantSame(t, src, dst, orgs)
}

// TestCopyResumesInMonitoring: a copy interrupted after it made the first
// watchlist (no members yet) and the first endpoint (its secret not yet
// rotated) completes both and makes the rest.
func TestCopyResumesInMonitoring(t *testing.T) {
	const orgs, records = 10, 40
	src := openSQLite(t)
	fill(t, src, orgs, records, "")
	dst := openSQLite(t)
	cctx, cancel := context.WithCancel(ctx)
	_, err := storecopy.Copy(cctx, src, dst, func(p storecopy.Progress) {
		if p.Stage == "issued reports" {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Copy: %v, want context.Canceled", err)
	}
	ws, err := src.Watchlists(ctx, "client-1")
	if err != nil || len(ws) != 1 {
		t.Fatal(ws, err)
	}
	hs, err := src.Webhooks(ctx, "client-1")
	if err != nil || len(hs) != 3 {
		t.Fatal(hs, err)
	}
	// As the first steps of the monitoring stage leave the target.
	w := *ws[0]
	if err := dst.CreateWatchlist(ctx, &w); err != nil || w.ID != ws[0].ID {
		t.Fatal(w.ID, err)
	}
	first := *hs[0]
	first.Secret, first.PausedAt = first.Previous, credo.Time{}
	if err := dst.CreateWebhook(ctx, &first); err != nil {
		t.Fatal(err)
	}
	var got storecopy.Progress
	if _, err := storecopy.Copy(ctx, src, dst, func(p storecopy.Progress) {
		if p.Stage == "watchlists" {
			got = p
		}
	}); err != nil {
		t.Fatalf("resumed Copy: %v", err)
	}
	if got.Done != 5 || got.Copied != 5 {
		t.Errorf("watchlists progress %+v", got)
	}
	wantSame(t, src, dst, orgs)
}
