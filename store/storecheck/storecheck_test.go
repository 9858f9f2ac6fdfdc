package storecheck_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/pipeline"
	"github.com/credo-registry/credo/rulebooks"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/sqlite"
	"github.com/credo-registry/credo/store/storecheck"
)

// A Shanghai company (division 310112) and the authorities of the test
// registry: the city's market regulator, its Minhang district's, and an
// administrator.
const code = "91310112087994932F"

var (
	shAMR = &credo.Authority{ID: "sh-amr", Name: "上海市市场监督管理局", Divisions: []string{"31"}, Categories: []string{"market", "registration"}}
	mhAMR = &credo.Authority{ID: "mh-amr", Name: "上海市闵行区市场监督管理局", Divisions: []string{"310112"}, Categories: []string{"market"}}
)

// backend opens an empty store and runs SQL on it behind the store's back.
type backend struct {
	name string
	open func(t *testing.T) (credo.Store, func(t *testing.T, sql string))
}

var backends = []backend{
	{"sqlite", func(t *testing.T) (credo.Store, func(*testing.T, string)) {
		db, err := sqlite.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db, func(t *testing.T, stmt string) {
			t.Helper()
			raw, err := sql.Open("sqlite", "file:"+db.Path())
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if res, err := raw.Exec(stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			} else if n, _ := res.RowsAffected(); n == 0 {
				t.Fatalf("%s changed nothing", stmt)
			}
		}
	}},
	{"postgres", func(t *testing.T) (credo.Store, func(*testing.T, string)) {
		dsn := pgtest.DSN(t)
		schema := pgtest.Schema(t, dsn)
		db := pgtest.OpenSchema(t, dsn, schema)
		return db, func(t *testing.T, stmt string) {
			t.Helper()
			pgtest.Exec(t, schema, stmt)
		}
	}},
}

// registry is a small registry made through the real write paths: an
// organization, a penalty and a correction superseding it, another
// authority's record, a listing on the serious dishonesty list overturned
// on objection, and an objection to a record upheld; every grade current.
type registry struct {
	store                         credo.Store
	g                             *grading.Service
	penalty, correction, district int64
	entry                         *credo.ListEntry
	listingCase, recordCase       int64
}

func newRegistry(t *testing.T, store credo.Store) *registry {
	t.Helper()
	ctx := context.Background()
	for _, a := range []*credo.Authority{shAMR, mhAMR} {
		_, hash := credo.NewToken()
		if err := store.CreateAuthority(ctx, a, hash); err != nil {
			t.Fatal(err)
		}
	}
	set, err := rulebooks.Set()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := lists.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	pl := pipeline.New(pipeline.Config{Store: store, Keyer: credo.HMACKeyer{Secret: make([]byte, 32)}, Rulebooks: set, Catalogue: cat, Now: clock})
	g, in, p := pl.Grading, pl.Ingester, pl.Process
	submit := func(a *credo.Authority, run func(context.Context, *credo.Authority, []ingest.Line) ([]ingest.Result, error), v any) int64 {
		t.Helper()
		b, _ := json.Marshal(v)
		res, err := run(ctx, a, []ingest.Line{{Number: 1, Data: b}})
		if err != nil || res[0].Error != nil {
			t.Fatalf("submission: %v %v", err, res[0].Error)
		}
		now = now.Add(time.Hour)
		return res[0].ID
	}
	penalty := func(ext string, supersedes int64) map[string]any {
		return map[string]any{"subject": code, "category": "market", "kind": "penalty", "external_id": ext,
			"decision_number": "沪市监处〔2026〕" + ext + "号", "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
			"severity": "serious", "penalty_types": []string{"fine"}, "amount": 50000, "occurred_at": "2026-05-20", "supersedes": supersedes}
	}
	r := &registry{store: store, g: g}
	submit(shAMR, in.Subjects, map[string]any{"code": code, "name": "上海测试科技有限公司", "established": "2015-03-01"})
	r.penalty = submit(shAMR, in.Records, penalty("1", 0))
	r.correction = submit(shAMR, in.Records, penalty("2", r.penalty))
	r.district = submit(mhAMR, in.Records, map[string]any{"subject": code, "category": "market", "kind": "inspection",
		"external_id": "MH-1", "description": "抽查合格", "occurred_at": "2026-05-21"})
	authority := credo.Viewer{Role: credo.RoleAuthority, Authority: shAMR}
	org := credo.Viewer{Role: credo.RoleOrganization, Account: &credo.Account{ID: "org", Role: credo.RoleOrganization, Subject: code}}
	e, _, err := p.List(ctx, authority, dueprocess.ListRequest{List: "serious-dishonesty", Subject: code,
		LegalBasis: "《市场监督管理严重违法失信名单管理办法》第十条", DecisionNumber: "沪市监信〔2026〕1号",
		Reasons: []string{"提交虚假材料取得登记"}, DecidedAt: credo.NewTime(now.Add(-24 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	evidence := []credo.Attachment{{Name: "说明.pdf", MediaType: "application/pdf", Data: []byte("%PDF-1.4 facts")}}
	for _, c := range []struct {
		target  credo.Target
		outcome string
		id      *int64
	}{
		{credo.Target{Kind: credo.TargetListEntry, ID: e.ID}, credo.OutcomeRetracted, &r.listingCase},
		{credo.Target{Kind: credo.TargetRecord, ID: r.correction}, credo.OutcomeUpheld, &r.recordCase},
	} {
		k, err := p.File(ctx, org, credo.CaseObjection, dueprocess.CaseRequest{Target: c.target, Reasons: dueprocess.Texts{"认定的事实有误"}, Attachments: evidence})
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		if _, err := p.Decide(ctx, authority, credo.CaseObjection, k.ID, dueprocess.DecisionRequest{Outcome: c.outcome, Reasons: dueprocess.Texts{"经复核"}}); err != nil {
			t.Fatal(err)
		}
		*c.id = k.ID
		now = now.Add(time.Hour)
	}
	if r.entry, err = store.ListEntry(ctx, e.ID); err != nil || len(r.entry.Transitions) != 1 {
		t.Fatalf("the overturned entry: %v %+v", err, r.entry)
	}
	return r
}

func (r *registry) check(t *testing.T, now time.Time) *storecheck.Report {
	t.Helper()
	rep, err := storecheck.Check(context.Background(), r.store, r.g, storecheck.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestCheckFindsCorruption corrupts a registry directly with SQL, one way
// at a time, on both backends, and expects the check to name the problem;
// the registry as written passes.
func TestCheckFindsCorruption(t *testing.T) {
	type corruption struct {
		name             string
		sqlite, postgres string // statements, with %[1]d the penalty, %[2]d the correction, %[3]d the district's record, %[4]d the entry, %[5]d the listing's case
		kind, want       string
	}
	// When the check runs: the real now, except for a lost next change,
	// which shows once the penalties have stopped counting.
	checkedAt := map[string]time.Time{"next change lost": time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, c := range []corruption{
		{"stats count",
			`UPDATE counts SET n = n + 5 WHERE name = 'records'`,
			`UPDATE counters SET n = n + 5 WHERE name = 'records' AND slot = 0`,
			storecheck.KindCounts, "stats count 8 records; 3 are stored"},
		{"supersedes another authority's record",
			`UPDATE records SET supersedes = %[3]d WHERE id = %[2]d`,
			`UPDATE records SET supersedes = %[3]d WHERE id = %[2]d`,
			storecheck.KindSupersession, "supersedes record %[3]d of another authority (mh-amr)"},
		{"supersedes a missing record",
			`UPDATE records SET supersedes = 9999 WHERE id = %[2]d`,
			`UPDATE records SET supersedes = 9999 WHERE id = %[2]d`,
			storecheck.KindSupersession, "record %[2]d supersedes record 9999, which does not exist"},
		{"supersession cycle",
			`UPDATE records SET supersedes = %[2]d WHERE id = %[1]d`,
			`UPDATE records SET supersedes = %[2]d WHERE id = %[1]d`,
			storecheck.KindSupersession, "supersession cycle: records [%[1]d %[2]d]"},
		{"entry without reasons",
			`UPDATE list_entries SET reasons = '[]' WHERE id = %[4]d`,
			`UPDATE list_entries SET reasons = '[]'::jsonb WHERE id = %[4]d`,
			storecheck.KindEntries, "list entry %[4]d (serious-dishonesty, " + code + ") has no reasons"},
		{"transition without actor",
			`UPDATE list_transitions SET actor = '' WHERE entry = %[4]d`,
			`UPDATE list_transitions SET actor = '' WHERE entry = %[4]d`,
			storecheck.KindTransitions, "of list entry %[4]d names no actor"},
		{"transition before its entry",
			`UPDATE list_transitions SET at = 1000, recorded_at = 1000 WHERE entry = %[4]d`,
			`UPDATE list_transitions SET at_ns = 1000, recorded_ns = 1000 WHERE entry = %[4]d`,
			storecheck.KindTransitions, "comes before its list entry %[4]d"},
		{"decision without its consequence",
			`DELETE FROM list_transitions WHERE entry = %[4]d`,
			`DELETE FROM list_transitions WHERE entry = %[4]d`,
			storecheck.KindDecisions, "case %[5]d was decided retracted but list entry %[4]d was not ended"},
		{"decision before the case",
			`UPDATE case_decisions SET at = 1000 WHERE case_id = %[5]d`,
			`UPDATE case_decisions SET at_ns = 1000 WHERE case_id = %[5]d`,
			storecheck.KindDecisions, "case %[5]d was decided (1970-01-01T00:00:00"},
		{"decision without an actor",
			`UPDATE case_decisions SET actor = '' WHERE case_id = %[5]d`,
			`UPDATE case_decisions SET actor = '' WHERE case_id = %[5]d`,
			storecheck.KindDecisions, "the decision of case %[5]d names no actor"},
		{"grade edited",
			`UPDATE assessments SET body = json_set(CAST(body AS TEXT), '$.grade', 'Z') WHERE code = '` + code + `'`,
			`UPDATE assessments SET body = jsonb_set(body::jsonb, '{grade}', '"Z"')::json WHERE code = '` + code + `'`,
			storecheck.KindGrades, "organization " + code + ": the stored assessment (as of"},
		{"dimension score edited",
			`UPDATE assessments SET body = json_set(CAST(body AS TEXT), '$.dimensions.market.score', 42.5) WHERE code = '` + code + `'`,
			`UPDATE assessments SET body = jsonb_set(body::jsonb, '{dimensions,market,score}', '42.5')::json WHERE code = '` + code + `'`,
			storecheck.KindGrades, "recomputation: dimension market"},
		{"next change lost",
			`UPDATE assessment_stamps SET next_change = NULL, next_at = '' WHERE code = '` + code + `'`,
			`UPDATE assessment_stamps SET next_change_ns = NULL, next_at = '' WHERE code = '` + code + `'`,
			storecheck.KindGrades, "next change none) is no longer the grade now"},
		{"relationship ending before it begins",
			`INSERT INTO relationships(id, key, kind, source, from_code, to_code, since, until, share, person_key, person_name, roles, reference, authority, declarant, account, recorded_at, supersedes, hash) VALUES (900, 'guarantor|` + code + `|91110000600037341L|mh-amr|G', 'guarantor', 'authority', '` + code + `', '91110000600037341L', 172800000000000, 86400000000000, 0, '', '', '', 'G', 'mh-amr', '', '', 5, NULL, 'h')`,
			`INSERT INTO relationships(id, key, kind, source, from_code, to_code, since, until, share, person_key, person_name, roles, reference, authority, declarant, account, recorded_at, supersedes, hash) VALUES (900, 'guarantor|` + code + `|91110000600037341L|mh-amr|G', 'guarantor', 'authority', '` + code + `', '91110000600037341L', 172800000000000, 86400000000000, 0, '', '', '', 'G', 'mh-amr', '', '', 5, NULL, 'h')`,
			storecheck.KindRelationships, "relationship 900 ends (1970-01-02) before it begins (1970-01-03)"},
		{"relationship superseding another relationship",
			`INSERT INTO relationships(id, key, kind, source, from_code, to_code, since, until, share, person_key, person_name, roles, reference, authority, declarant, account, recorded_at, supersedes, hash) VALUES (900, 'x', 'guarantor', 'authority', '` + code + `', '91110000600037341L', 1000, 0, 0, '', '', '', 'G', 'mh-amr', '', '', 5, NULL, 'h'), (901, 'y', 'guarantor', 'authority', '` + code + `', '91110000600037341L', 1000, 0, 0, '', '', '', 'H', 'mh-amr', '', '', 6, 900, 'h')`,
			`INSERT INTO relationships(id, key, kind, source, from_code, to_code, since, until, share, person_key, person_name, roles, reference, authority, declarant, account, recorded_at, supersedes, hash) VALUES (900, 'x', 'guarantor', 'authority', '` + code + `', '91110000600037341L', 1000, 0, 0, '', '', '', 'G', 'mh-amr', '', '', 5, NULL, 'h'), (901, 'y', 'guarantor', 'authority', '` + code + `', '91110000600037341L', 1000, 0, 0, '', '', '', 'H', 'mh-amr', '', '', 6, 900, 'h')`,
			storecheck.KindRelationships, "relationship 901 supersedes 900, a version of another relationship"},
		{"assessment lost",
			`DELETE FROM assessments WHERE code = '` + code + `'`,
			`DELETE FROM assessments WHERE code = '` + code + `'`,
			storecheck.KindAssessments, "organization " + code + " has never been graded"},
	} {
		for _, b := range backends {
			t.Run(b.name+"/"+c.name, func(t *testing.T) {
				store, exec := b.open(t)
				r := newRegistry(t, store)
				if rep := r.check(t, checkedAt[c.name]); !rep.OK() {
					t.Fatalf("the registry as written fails the check: %v", rep.Problems)
				}
				stmt := map[string]string{"sqlite": c.sqlite, "postgres": c.postgres}[b.name]
				ids := []any{r.penalty, r.correction, r.district, r.entry.ID, r.listingCase}
				exec(t, format(stmt, ids))
				rep := r.check(t, checkedAt[c.name])
				want := format(c.want, ids)
				for _, p := range rep.Problems {
					if p.Kind == c.kind && strings.Contains(p.Message, want) {
						return
					}
				}
				t.Fatalf("after %q, want a %s problem containing %q; got %v", stmt, c.kind, want, rep.Problems)
			})
		}
	}
}

// TestCheckSample recomputes only about the sample's number of grades.
func TestCheckSample(t *testing.T) {
	store, _ := backends[0].open(t)
	r := newRegistry(t, store)
	rep, err := storecheck.Check(context.Background(), r.store, r.g, storecheck.Options{Sample: 1})
	if err != nil || !rep.OK() || rep.Recomputed > 1 || rep.Organizations != 1 {
		t.Fatalf("sample 1: %v %+v", err, rep)
	}
}

// format fills the ids into s where it names them.
func format(s string, ids []any) string {
	if !strings.Contains(s, "%[") {
		return s
	}
	return fmt.Sprintf(s, ids...)
}
