package risk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
	"github.com/credo-registry/credo/partners/risk"
	"github.com/credo-registry/credo/rulebooks"
)

// memStore is the part of a store gathering reads, in memory.
type memStore struct {
	rels        []*credo.Relationship
	assessments map[string]*credo.Assessment
	entries     map[string][]*credo.ListEntry
}

func (m *memStore) Relationships(_ context.Context, q credo.RelationshipQuery) ([]*credo.Relationship, error) {
	var out []*credo.Relationship
	for _, r := range m.rels {
		if (slices.Contains(q.Codes, r.From) || slices.Contains(q.Codes, r.To)) && r.InForce(q.AsOf) &&
			(len(q.Kinds) == 0 || slices.Contains(q.Kinds, r.Kind)) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memStore) EachRelationship(_ context.Context, asOf time.Time, fn func([]credo.Edge) error) error {
	var batch []credo.Edge
	for _, r := range m.rels {
		if r.InForce(asOf) {
			batch = append(batch, credo.Edge{ID: r.ID, Kind: r.Kind, Source: r.Source, From: r.From, To: r.To, Since: r.Since})
		}
		if len(batch) == 7 { // small batches, as a store pages
			if err := fn(batch); err != nil {
				return err
			}
			batch = nil
		}
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

func (m *memStore) CurrentAssessment(_ context.Context, code string) (*credo.Assessment, error) {
	if a, ok := m.assessments[code]; ok {
		return a, nil
	}
	return nil, credo.ErrNotFound("assessment", code)
}

func (m *memStore) SubjectListEntries(_ context.Context, code string) ([]*credo.ListEntry, error) {
	return m.entries[code], nil
}

func (m *memStore) SubjectVersions(_ context.Context, code string) ([]*credo.Subject, error) {
	return nil, credo.ErrNotFound("subject", code)
}

func (m *memStore) AllRecords(context.Context, string) ([]*credo.Record, error) { return nil, nil }

// codes are real codes (shared/data/uscc).
var codes = strings.Fields(`91152201078377449P 91152201078382010M 91152201078394644D 91310112087994932F
91310116052958608G 91340600MA2PBM9HXD 91340600MA2PBN188W 91340600MA2PBNE723 91340600MA2PBP6A1W
91340600MA2PENWF9P 91340600MA2PEP7F5B 91340600MA2UJYG49B 91340602MA2UJYD90G 91340603MA2UJYNU67
91340604MA2PEL1X3M 91340621MA2PEMUHX8 91340621MA2PEPJB9F 914112810713741814 91620100719023721L
91620105556273987U 91620105556287545F 91620105585923360D 9162010567592034XQ 91620105750935948X
91620105767728304H 91620105789620900B`)

var now = time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)

// randomRegistry makes relationships of every kind between the codes,
// some shared officers with roles, some organizations graded D in tax and
// some on adverse lists.
func randomRegistry(seed uint64) *memStore {
	r := rand.New(rand.NewPCG(seed, 11))
	m := &memStore{assessments: map[string]*credo.Assessment{}, entries: map[string][]*credo.ListEntry{}}
	since := credo.NewDate(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	for i := range 40 + r.IntN(30) {
		a, b := codes[r.IntN(len(codes))], codes[r.IntN(len(codes))]
		if a == b {
			continue
		}
		rel := &credo.Relationship{ID: int64(i + 1), Kind: credo.RelationshipKinds[r.IntN(len(credo.RelationshipKinds))], From: a, To: b, Since: since}
		if rel.Kind == credo.RelationshipSharedOfficer {
			roles := []string{"legal_representative", "manager", "supervisor", "director"}
			rel.Roles = &credo.SharedRoles{From: []string{roles[r.IntN(4)]}, To: []string{roles[r.IntN(4)]}}
		}
		if r.IntN(10) == 0 { // ended before now
			rel.Until = credo.NewDate(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		}
		m.rels = append(m.rels, rel)
	}
	for i, c := range codes {
		grade := []string{"A", "B", "C", "D"}[r.IntN(4)]
		m.assessments[c] = &credo.Assessment{Subject: c, AsOf: credo.NewTime(now.Add(-time.Hour)),
			Dimensions: map[string]*credo.Dimension{"tax": {Grade: grade}}}
		if r.IntN(4) == 0 {
			list := []string{"serious-dishonesty", "major-tax-violation", "abnormal-operations", "red"}[r.IntN(4)]
			m.entries[c] = []*credo.ListEntry{{ID: int64(i + 1), List: list, Subject: c, DecisionNumber: fmt.Sprintf("决定〔2026〕%d号", i),
				NotifiedAt: credo.NewTime(now.AddDate(0, -3, 0)), EffectiveAt: credo.NewTime(now.AddDate(0, -2, 0))}}
		}
	}
	return m
}

func adverse(list string) bool { return list != "red" }

// TestAllEqualsEachOrganization: the whole graph gives every organization
// exactly the partners its own neighbourhood gives it, so a rescore and a
// regrade on a write agree.
func TestAllEqualsEachOrganization(t *testing.T) {
	set, err := rulebooks.Set()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	counted, direct := 0, 0
	for seed := range uint64(8) {
		m := randomRegistry(seed)
		f := &risk.Facts{Store: m, Adverse: adverse}
		all, tm, err := f.All(ctx, set, now, false, 1+int(seed%3))
		if err != nil {
			t.Fatal(err)
		}
		if tm.Edges == 0 {
			t.Fatal("no relationships in force")
		}
		many, err := f.PartnersMany(ctx, set, codes[:len(codes)/2+int(seed)], now)
		if err != nil {
			t.Fatal(err)
		}
		for c, ps := range many {
			if !same(ps, all[c]) {
				t.Fatalf("seed %d %s: several at once differ from the whole graph", seed, c)
			}
		}
		for _, c := range codes {
			one, err := f.Partners(ctx, set, c, now)
			if err != nil {
				t.Fatal(err)
			}
			if !same(one, all[c]) {
				x, _ := json.Marshal(one)
				y, _ := json.Marshal(all[c])
				t.Fatalf("seed %d %s:\n  alone %s\n  whole %s", seed, c, x, y)
			}
			if one != nil {
				counted += len(one.Counted)
				direct += len(one.Direct)
			}
			// And the assessment made with them names each path.
			a, err := assess.AssessWithPartners(set, c, nil, nil, one, now)
			if err != nil {
				t.Fatal(err)
			}
			if d := a.Dimensions["partners"]; d != nil {
				for _, x := range d.Contributions {
					if x.Partner == "" || len(x.Path) == 0 || !strings.Contains(x.Reason, c+" ") {
						t.Fatalf("%s: contribution %+v names no path", c, x)
					}
				}
			}
		}
	}
	if counted == 0 || direct == 0 {
		t.Fatalf("the registries gave %d counted and %d direct partners: the test proves nothing", counted, direct)
	}
}

func same(a, b *credo.Partners) bool {
	empty := func(p *credo.Partners) bool { return p == nil || (len(p.Counted) == 0 && len(p.Direct) == 0) }
	if empty(a) || empty(b) {
		return empty(a) && empty(b)
	}
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestStateIsOwn: a partner's grades are its own (OwnGrade where an
// officer link changed one; never the dimension made of partners), and
// only its adverse entries in effect count.
func TestStateIsOwn(t *testing.T) {
	set, err := rulebooks.Set()
	if err != nil {
		t.Fatal(err)
	}
	c := codes[0]
	m := &memStore{
		assessments: map[string]*credo.Assessment{c: {Subject: c, AsOf: credo.NewTime(now.Add(-time.Hour)), Dimensions: map[string]*credo.Dimension{
			"tax":      {Grade: "D", ByPartners: true, OwnGrade: "A"},
			"court":    {Grade: "C"},
			"partners": {Grade: "D"},
		}}},
		entries: map[string][]*credo.ListEntry{c: {
			{ID: 1, List: "serious-dishonesty", DecisionNumber: "沪市监信〔2026〕7号", NotifiedAt: credo.NewTime(now.AddDate(0, -2, 0)), EffectiveAt: credo.NewTime(now.AddDate(0, -1, 0))},
			{ID: 2, List: "abnormal-operations", NotifiedAt: credo.NewTime(now.AddDate(0, 0, -1)), EffectiveAt: credo.NewTime(now.AddDate(0, 0, 9))},
			{ID: 3, List: "red", NotifiedAt: credo.NewTime(now.AddDate(-1, 0, 0)), EffectiveAt: credo.NewTime(now.AddDate(-1, 0, 0))},
		}},
	}
	p, err := (&risk.Facts{Store: m, Adverse: adverse}).State(context.Background(), set, c, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Grades) != 2 || p.Grades["tax"] != "A" || p.Grades["court"] != "C" {
		t.Errorf("grades %v, want tax A (its own) and court C", p.Grades)
	}
	if len(p.Entries) != 1 || p.Entries[0].List != "serious-dishonesty" || p.Entries[0].DecisionNumber != "沪市监信〔2026〕7号" {
		t.Errorf("entries %+v, want the serious dishonesty entry alone", p.Entries)
	}
}

// TestAllWithin: the partners over the whole graph of what is within
// reach of some codes are the organizations the walk from them reaches
// that have a relationship in force, each with what All gives it.
func TestAllWithin(t *testing.T) {
	set, err := rulebooks.Set()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	reach := risk.Reach(set, now)
	partial := 0
	for seed := range uint64(8) {
		m := randomRegistry(seed)
		m.rels = m.rels[:12] // sparse: some organizations out of reach
		f := &risk.Facts{Store: m, Adverse: adverse}
		all, _, err := f.All(ctx, set, now, true, 1)
		if err != nil {
			t.Fatal(err)
		}
		from := codes[:3+int(seed)]
		got, _, err := f.AllWithin(ctx, set, from, now, 1)
		if err != nil {
			t.Fatal(err)
		}
		near, err := f.WithinMany(ctx, from, reach, now)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, c := range near {
			if all[c] != nil {
				want = append(want, c)
			}
		}
		if len(want) < len(all) {
			partial++
		}
		if len(got) != len(want) {
			t.Fatalf("seed %d: %d organizations, want %d", seed, len(got), len(want))
		}
		for _, c := range want {
			if ps, ok := got[c]; !ok || !same(ps, all[c]) {
				t.Fatalf("seed %d %s: %v, want what All gives", seed, c, ps)
			}
		}
	}
	if partial == 0 {
		t.Fatal("every organization was within reach in every registry: the test proves nothing")
	}
}
