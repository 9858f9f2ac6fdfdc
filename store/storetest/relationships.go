package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// pk is a person key of the fixtures.
func pk(n byte) string {
	return "pk_00112233445566778899aabbccddee" + string("0123456789abcdef"[n%16]) + "0"
}

// at returns the fixtures' recording time moved by d days.
func at(days int) credo.Time { return credo.NewTime(recorded.AddDate(0, 0, days)) }

// guarantee returns codes[i] guaranteeing codes[j], submitted by the tax
// authority with reference ref.
func guarantee(i, j int, ref string, days int) *credo.Relationship {
	return &credo.Relationship{Kind: credo.RelationshipGuarantor, From: codes[i], To: codes[j], Reference: ref,
		Since: credo.NewDate(t0), Source: credo.SourceAuthority, Authority: tax, RecordedAt: at(days)}
}

func relKinds(rels []*credo.Relationship) []string {
	var out []string
	for _, r := range rels {
		out = append(out, r.Kind+":"+r.From+">"+r.To)
	}
	slices.Sort(out)
	return out
}

// mustRelationships reads q, and checks that Adjacent answers the same
// relationships as edges.
func mustRelationships(t *testing.T, s credo.Store, q credo.RelationshipQuery) []*credo.Relationship {
	t.Helper()
	got, err := s.Relationships(ctx, q)
	if err != nil {
		t.Fatalf("Relationships: %v", err)
	}
	edges, err := s.Adjacent(ctx, q)
	if err != nil {
		t.Fatalf("Adjacent: %v", err)
	}
	var want []credo.Edge
	for _, r := range got {
		want = append(want, credo.Edge{ID: r.ID, Kind: r.Kind, Source: r.Source, From: r.From, To: r.To,
			Since: r.Since, Share: r.Share, Declarant: r.Declarant})
	}
	slices.SortFunc(edges, func(a, b credo.Edge) int { return int(a.ID - b.ID) })
	if len(edges) != len(want) || len(want) > 0 && !slices.Equal(edges, want) {
		t.Fatalf("Adjacent(%+v) = %+v; Relationships gave %+v", q, edges, want)
	}
	// AdjacentVersions in force at q.AsOf are Adjacent's answer (with
	// q.Kinds; Except is Adjacent's own).
	versions, err := s.AdjacentVersions(ctx, q.Codes)
	if err != nil {
		t.Fatalf("AdjacentVersions: %v", err)
	}
	var inForce []credo.Edge
	seen := map[int64]bool{}
	for _, v := range versions {
		if seen[v.ID] {
			t.Fatalf("AdjacentVersions(%v) gave version %d twice", q.Codes, v.ID)
		}
		seen[v.ID] = true
		if v.InForce(q.AsOf) && (len(q.Kinds) == 0 || slices.Contains(q.Kinds, v.Kind)) {
			inForce = append(inForce, v.Edge)
		}
	}
	slices.SortFunc(inForce, func(a, b credo.Edge) int { return int(a.ID - b.ID) })
	if !slices.Equal(inForce, want) {
		t.Fatalf("AdjacentVersions(%v) in force at %v = %+v; Relationships gave %+v", q.Codes, q.AsOf, inForce, want)
	}
	return got
}

// testRelationships checks credo.RelationshipStore.
func testRelationships(t *testing.T, h Harness) {
	s := h.Open(t)
	putAll(t, s)

	t.Run("registration data makes relationships", func(t *testing.T) {
		head, _ := s.Head(ctx)
		v := subject(1)
		v.RecordedAt = at(1)
		v.BranchOf = codes[2]
		v.Officers = []credo.Officer{{Role: credo.RoleLegalRepresentative, Name: "王芳", PersonKey: pk(1)}}
		v.Shareholders = []credo.Shareholder{{Type: "organization", Code: codes[0], Name: companies[0].name, Share: 60},
			{Type: "person", Name: "王芳", PersonKey: pk(1), Share: 40}}
		w := subject(3)
		w.RecordedAt = at(1)
		w.Officers = []credo.Officer{{Role: credo.RoleDirector, Name: "王芳", PersonKey: pk(1)}}
		mustPut(t, s, v, w)
		got := mustRelationships(t, s, credo.RelationshipQuery{Codes: []string{codes[1]}})
		want := []string{"branch:" + codes[1] + ">" + codes[2], "shareholder:" + codes[0] + ">" + codes[1],
			"shared_officer:" + min(codes[1], codes[3]) + ">" + max(codes[1], codes[3]), "subsidiary:" + codes[1] + ">" + codes[0]}
		slices.Sort(want)
		if !slices.Equal(relKinds(got), want) {
			t.Fatalf("relationships of %s: %v, want %v", codes[1], relKinds(got), want)
		}
		for _, r := range got {
			if r.Source != credo.SourceRegistration || r.Authority != samr || r.ID == 0 || !r.RecordedAt.Equal(at(1).Time) {
				t.Errorf("%s: %s", r.Kind, jsonOf(t, r))
			}
			switch r.Kind {
			case credo.RelationshipShareholder, credo.RelationshipSubsidiary:
				if r.Share != 60 {
					t.Errorf("%s share %v, want 60", r.Kind, r.Share)
				}
			case credo.RelationshipSharedOfficer:
				roles := map[string][]string{codes[1]: {"legal_representative", "shareholder"}, codes[3]: {"director"}}
				if r.PersonKey != pk(1) || r.PersonName != "王芳" || !slices.Equal(r.Roles.From, roles[r.From]) || !slices.Equal(r.Roles.To, roles[r.To]) {
					t.Errorf("shared officer: %s", jsonOf(t, r))
				}
			}
		}
		changes := allChanges(t, s, credo.ChangeQuery{After: head, Types: []string{credo.ChangeRelationshipChanged}})
		if len(changes) != 2*len(got) {
			t.Errorf("%d relationship changes for %d relationships, want one per end", len(changes), len(got))
		}
		roles, err := s.PersonRoles(ctx, pk(1))
		if err != nil || len(roles) != 2 || roles[0].Code != min(codes[1], codes[3]) {
			t.Fatalf("PersonRoles: %s, %v", jsonOf(t, roles), err)
		}
		if none, err := s.PersonRoles(ctx, pk(9)); err != nil || none == nil || len(none) != 0 {
			t.Fatalf("PersonRoles of no one: %v, %v; want an empty slice", none, err)
		}
	})

	t.Run("a new registration version changes them, read as of any time", func(t *testing.T) {
		v := subject(1)
		v.RecordedAt = at(10)
		v.Officers = []credo.Officer{{Role: credo.RoleLegalRepresentative, Name: "王芳", PersonKey: pk(1)}}
		v.Shareholders = []credo.Shareholder{{Type: "organization", Code: codes[0], Name: companies[0].name, Share: 30}}
		mustPut(t, s, v)
		now := mustRelationships(t, s, credo.RelationshipQuery{Codes: []string{codes[1]}})
		want := []string{"shareholder:" + codes[0] + ">" + codes[1], "shared_officer:" + min(codes[1], codes[3]) + ">" + max(codes[1], codes[3])}
		slices.Sort(want)
		if !slices.Equal(relKinds(now), want) {
			t.Fatalf("after the change: %v, want %v", relKinds(now), want)
		}
		for _, r := range now {
			if r.Kind == credo.RelationshipShareholder && (r.Share != 30 || r.Supersedes == 0 || !r.Since.Equal(credo.NewDate(at(1).Time).Time)) {
				t.Errorf("shareholder after the sale: %s", jsonOf(t, r))
			}
			if r.Kind == credo.RelationshipSharedOfficer && slices.Contains(r.Roles.From, "shareholder") {
				t.Errorf("roles not updated: %s", jsonOf(t, r))
			}
		}
		before := mustRelationships(t, s, credo.RelationshipQuery{Codes: []string{codes[1]}, AsOf: at(5).Time})
		if len(before) != 4 {
			t.Fatalf("as of day 5: %v, want the 4 of day 1", relKinds(before))
		}
		if got := mustRelationships(t, s, credo.RelationshipQuery{Codes: []string{codes[1]}, AsOf: at(0).Time}); len(got) != 0 {
			t.Fatalf("as of before any was recorded: %v", relKinds(got))
		}
		hist, err := s.RelationshipHistory(ctx, codes[1])
		if err != nil {
			t.Fatal(err)
		}
		ended := 0
		for _, r := range hist {
			if !r.Until.IsZero() {
				ended++
				if !r.Until.Equal(credo.NewDate(at(10).Time).Time) || r.Supersedes == 0 {
					t.Errorf("ended version: %s", jsonOf(t, r))
				}
			}
			if r.Supersedes != 0 {
				prev, err := s.Relationship(ctx, r.Supersedes)
				if err != nil || prev.SupersededBy != r.ID {
					t.Errorf("Relationship(%d).SupersededBy = %v (%v), want %d", r.Supersedes, prev, err, r.ID)
				}
			}
		}
		// Day 1: four; day 10: the share and the roles changed, the
		// subsidiary and the branch ended.
		if ended != 2 || len(hist) != 8 {
			t.Errorf("history: %d versions, %d ended; want 8 and 2 (subsidiary and branch)", len(hist), ended)
		}
		if _, err := s.Relationship(ctx, 1<<40); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			t.Errorf("Relationship of an unknown id: %v", err)
		}
	})

	t.Run("append: created, exists, conflicts", func(t *testing.T) {
		g := guarantee(4, 5, "G-1", 2)
		out, err := s.AppendRelationships(ctx, []*credo.Relationship{g})
		if err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, "a new guarantee", out[0], credo.Created, g.ID)
		again := guarantee(4, 5, "G-1", 3)
		changed := guarantee(4, 5, "G-1", 3)
		changed.Since = credo.NewDate(t0.AddDate(0, 1, 0))
		other := guarantee(4, 5, "G-2", 3)
		wrongKey := guarantee(4, 6, "G-1", 3)
		wrongKey.Supersedes = g.ID
		unknown := guarantee(4, 5, "G-1", 3)
		unknown.Supersedes = 1 << 40
		out, err = s.AppendRelationships(ctx, []*credo.Relationship{again, changed, other, wrongKey, unknown})
		if err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, "the same again", out[0], credo.Exists, g.ID)
		wantRefused(t, "another version without supersedes", out[1], credo.ECONFLICT, "supersedes")
		wantOutcome(t, "another reference", out[2], credo.Created, other.ID)
		wantRefused(t, "supersedes another relationship", out[3], credo.EINVALID, "supersedes")
		wantRefused(t, "supersedes nothing", out[4], credo.EINVALID, "supersedes")

		end := guarantee(4, 5, "G-1", 4)
		end.Until, end.Supersedes = credo.NewDate(recorded.AddDate(0, 0, 4)), g.ID
		late := guarantee(4, 5, "G-1", 4)
		late.Since, late.Supersedes = credo.NewDate(t0.AddDate(0, 2, 0)), g.ID
		out, err = s.AppendRelationships(ctx, []*credo.Relationship{end, end, late})
		if err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, "the end", out[0], credo.Created, end.ID)
		wantOutcome(t, "the end again", out[1], credo.Exists, end.ID)
		wantRefused(t, "superseding a superseded version", out[2], credo.ECONFLICT, "supersedes")
		if got := mustRelationships(t, s, credo.RelationshipQuery{Codes: []string{codes[5]}, Kinds: []string{credo.RelationshipGuarantor}}); len(got) != 1 || got[0].ID != other.ID {
			t.Errorf("guarantees in force after the end: %s", jsonOf(t, got))
		}
		if got := mustRelationships(t, s, credo.RelationshipQuery{Codes: []string{codes[5]}, AsOf: at(3).Time}); len(got) != 2 {
			t.Errorf("as of day 3 both guarantees hold: %s", jsonOf(t, got))
		}
		// Once ended, the same tie may begin again as a new relationship.
		renewed := guarantee(4, 5, "G-1", 5)
		renewed.Since = credo.NewDate(recorded.AddDate(0, 0, 5))
		out, err = s.AppendRelationships(ctx, []*credo.Relationship{renewed})
		if err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, "begun again", out[0], credo.Created, renewed.ID)
	})

	t.Run("two writers superseding one version: one wins", func(t *testing.T) {
		g := guarantee(7, 8, "G-9", 2)
		if _, err := s.AppendRelationships(ctx, []*credo.Relationship{g}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		outs := make([]credo.Outcome, 6)
		for i := range outs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := guarantee(7, 8, "G-9", 3)
				r.Supersedes, r.Until = g.ID, credo.NewDate(recorded.AddDate(0, 0, 3+i))
				o, err := s.AppendRelationships(ctx, []*credo.Relationship{r})
				if err != nil {
					t.Error(err)
					return
				}
				outs[i] = o[0]
			}()
		}
		wg.Wait()
		created := 0
		for _, o := range outs {
			if o.Status == credo.Created {
				created++
			}
		}
		if created != 1 {
			t.Fatalf("%d writers superseded version %d: %v", created, g.ID, outs)
		}
	})

	t.Run("batched reads of many codes and the whole-graph scan", func(t *testing.T) {
		var batch []*credo.Relationship
		for i := 20; i < 40; i++ {
			batch = append(batch, guarantee(i, i+1, "W", 1))
		}
		if _, err := s.AppendRelationships(ctx, batch); err != nil {
			t.Fatal(err)
		}
		got := mustRelationships(t, s, credo.RelationshipQuery{Codes: codes[20:30], Kinds: []string{credo.RelationshipGuarantor}})
		if len(got) != 10 { // 20>21 ... 29>30
			t.Fatalf("guarantees touching codes 20-29: %d, want 10", len(got))
		}
		for i := 1; i < len(got); i++ {
			if got[i].ID <= got[i-1].ID {
				t.Fatal("not by id, or twice")
			}
		}
		if es, err := s.Adjacent(ctx, credo.RelationshipQuery{Codes: codes[21:22], Except: codes[20:21]}); err != nil || len(es) != 1 || es[0].To != codes[22] {
			t.Errorf("Adjacent of %s except %s: %+v, %v; want only the guarantee of %s", codes[21], codes[20], es, err, codes[22])
		}
		if _, err := s.Relationships(ctx, credo.RelationshipQuery{Codes: make([]string, credo.MaxRelationshipCodes+1)}); credo.ErrorCodeOf(err) != credo.EINVALID {
			t.Errorf("too many codes: %v", err)
		}
		count := func(asOf time.Time) (n int, ids []int64) {
			err := s.EachRelationship(ctx, asOf, func(es []credo.Edge) error {
				for _, e := range es {
					n++
					ids = append(ids, e.ID)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		n, ids := count(time.Time{})
		if !slices.IsSorted(ids) {
			t.Error("EachRelationship is not by id")
		}
		var want int
		for i := range codes {
			want += len(mustRelationships(t, s, credo.RelationshipQuery{Codes: codes[i : i+1]}))
		}
		// Each relationship touches two codes, both among codes.
		if 2*n != want {
			t.Errorf("EachRelationship gave %d edges; the reads by code %d ends", n, want)
		}
		if early, _ := count(at(0).Time); early != 0 {
			t.Errorf("as of before any: %d edges", early)
		}
	})
}
