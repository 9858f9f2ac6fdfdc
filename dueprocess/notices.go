package dueprocess

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/rulebook"
)

// Every adverse change about an organization, and every decision on its
// objections and repairs, is written to its inbox, saying what happened,
// why, and what it can do about it. Notices carry keys, so that writing one
// twice (a retry, two nodes) stores it once.

func (s *Effects) notify(ctx context.Context, ns ...*credo.Notice) error {
	if len(ns) == 0 {
		return nil
	}
	return s.Store.AddNotices(ctx, ns)
}

// notifyListing tells the organization it is to be listed: the reasons,
// the basis, when the entry takes effect and ends, and how to object or
// repair; and which punishments will apply from then.
func (s *Effects) notifyListing(ctx context.Context, def *lists.Definition, e *credo.ListEntry) error {
	return s.notify(ctx, s.listingNotices(def, e)...)
}

// listingNotices are the notices of a new entry.
func (s *Effects) listingNotices(def *lists.Definition, e *credo.ListEntry) []*credo.Notice {
	if !def.Adverse {
		return nil
	}
	now := s.now()
	opts := []string{
		fmt.Sprintf("Object to this listing, with reasons and documents: POST /v1/objections {\"target\": {\"kind\": \"list_entry\", \"id\": %d}}; the authority must decide within %d working days.", e.ID, def.ObjectionDays),
	}
	if def.TermMin.IsZero() {
		opts = append(opts, fmt.Sprintf("Once the cause is corrected, apply for removal (credit repair): POST /v1/repairs {\"target\": {\"kind\": \"list_entry\", \"id\": %d}}.", e.ID))
	} else {
		opts = append(opts, fmt.Sprintf("From %s, once the obligations are fulfilled and the violation corrected, apply for removal (credit repair): POST /v1/repairs {\"target\": {\"kind\": \"list_entry\", \"id\": %d}}.", e.RepairFrom, e.ID))
	}
	ends := "it has no fixed term"
	if !e.Until.IsZero() {
		ends = "it ends by itself at " + e.Until.String()
	}
	ns := []*credo.Notice{{
		Audience: e.Subject, Subject: e.Subject, Kind: credo.NoticeListing, At: credo.NewTime(now),
		What:    fmt.Sprintf("You are to be listed on the %s (%s), in effect from %s; %s.", def.Title, def.ID, e.EffectiveAt, ends),
		Why:     fmt.Sprintf("%s. Decision %s by %s; legal basis: %s.", strings.Join(e.Reasons, "; "), e.DecisionNumber, e.Authority, e.LegalBasis),
		Options: opts, Refs: credo.Refs{ListEntry: e.ID},
		Key: "listing:" + strconv.FormatInt(e.ID, 10),
	}}
	// The punishments that will follow once the entry is in effect.
	for _, m := range s.Catalogue.Measures {
		if m.Kind != "punishment" || m.Trigger.List != def.ID {
			continue
		}
		ns = append(ns, &credo.Notice{
			Audience: e.Subject, Subject: e.Subject, Kind: credo.NoticeMeasure, At: credo.NewTime(now),
			What:    fmt.Sprintf("%s (%s) will apply to %s from %s.", m.Title, effectWords(m.Effect), strings.Join(m.Actions, ", "), e.EffectiveAt),
			Why:     fmt.Sprintf("Listing on the %s (entry %d); legal basis: %s.", def.Title, e.ID, m.LegalBasis),
			Options: []string{"The measure ends when the listing ends: by objection, credit repair, or at its term."},
			Refs:    credo.Refs{ListEntry: e.ID, Measure: m.ID},
			Key:     "measure:" + m.ID + ":entry:" + strconv.FormatInt(e.ID, 10),
		})
	}
	return ns
}

func effectWords(effect string) string {
	return strings.ReplaceAll(effect, "_", " ")
}

// notifyEnded tells the organization an entry ended, and why.
func (s *Effects) notifyEnded(ctx context.Context, e *credo.ListEntry, tr *credo.ListTransition) error {
	if n := s.endedNotice(e, tr); n != nil {
		return s.notify(ctx, n)
	}
	return nil
}

// endedNotice is the notice of an entry's end, nil when none is due (a
// red-list entry ends by rule: the grade fall says why).
func (s *Effects) endedNotice(e *credo.ListEntry, tr *credo.ListTransition) *credo.Notice {
	title := e.List
	if def := s.Catalogue.List(e.List); def != nil {
		title = def.Title
		if !def.Adverse && tr.Actor == credo.RegistryActor {
			return nil
		}
	}
	why := tr.Note
	if why == "" {
		why = tr.Reason
	}
	return &credo.Notice{
		Audience: e.Subject, Subject: e.Subject, Kind: credo.NoticeListEnded, At: tr.RecordedAt,
		What: fmt.Sprintf("Your entry %d on the %s ended (%s) at %s.", e.ID, title, tr.Reason, tr.At),
		Why:  fmt.Sprintf("%s (by %s).", why, tr.Actor),
		Refs: credo.Refs{ListEntry: e.ID, Case: tr.Case},
		Key:  "ended:" + strconv.FormatInt(e.ID, 10),
	}
}

// Recorded writes a notice for each new adverse record (see
// recordNotices), judging with the rulebooks in force. The write path
// writes them with its regrade (Effects.Round); Follow calls this.
func (s *Service) Recorded(ctx context.Context, created []*credo.Record) error {
	if s.Grading == nil {
		return nil
	}
	now := s.now()
	var failed error
	ns := s.recordNotices(s.Grading.Set(), created, now, func(code string) map[int64]bool {
		a, err := s.Grading.Assess(ctx, code, now)
		if err != nil {
			failed = err
			return nil
		}
		return countedAgainst(a, gradeRanks(s.Grading.Set(), code, now))
	})
	if failed != nil {
		return failed
	}
	return s.notify(ctx, ns...)
}

// recordNotices are the notices of new adverse records (one the
// publicity rules show as dishonesty information: a penalty, a failed
// inspection, an unfulfilled judgment, ...): what was decided, by whom,
// on what basis, how long it is shown, and how to object or repair. A
// record no publicity rule names is adverse when counted (asked once per
// organization) says it counts against it.
func (s *Effects) recordNotices(set *rulebook.Set, created []*credo.Record, now time.Time, counted func(code string) map[int64]bool) []*credo.Notice {
	var ns []*credo.Notice
	against := map[string]map[int64]bool{} // per organization, the records that count against it
	for _, r := range created {
		if r.Retracted() {
			continue
		}
		w := set.Publicity(r, now)
		if w.Row == nil {
			// No publicity rule names it: adverse when the rulebooks count
			// it against the organization (an unfulfilled judgment the
			// court did not grade), not a licence or an honour. Only a
			// record some rule could apply to is worth an assessment.
			if !mayCount(set, r, now) {
				continue
			}
			if _, ok := against[r.Subject]; !ok {
				against[r.Subject] = counted(r.Subject)
			}
			if !against[r.Subject][r.ID] {
				continue
			}
		}
		shown := "shown publicly from " + credo.NewTime(w.From).String()
		if !w.Until.IsZero() {
			shown += " until " + credo.NewTime(w.Until).String()
		}
		rule := ""
		if w.Row != nil {
			rule = " (rule " + w.Row.ID + ")"
		}
		opts := []string{
			fmt.Sprintf("If it is wrong, object with reasons and documents: POST /v1/objections {\"target\": {\"kind\": \"record\", \"id\": %d}}; %s must decide within %d working days.", r.ID, r.Authority, s.RecordObjectionDays),
		}
		repair := "Once the penalty is fulfilled and the violation corrected"
		if !w.RepairFrom.IsZero() && w.RepairFrom.After(now) {
			repair = fmt.Sprintf("From %s, once the penalty is fulfilled and the violation corrected", credo.NewTime(w.RepairFrom))
		}
		opts = append(opts, fmt.Sprintf("%s, apply for credit repair to end its publicity early: POST /v1/repairs {\"target\": {\"kind\": \"record\", \"id\": %d}} with evidence and a signed credit commitment.", repair, r.ID))
		what := r.Kind
		if r.Description != "" {
			what += ": " + r.Description
		}
		why := "Decided by " + r.Authority
		if r.DecisionNumber != "" {
			why += ", decision " + r.DecisionNumber
		}
		if r.LegalBasis != "" {
			why += ", legal basis " + r.LegalBasis
		}
		ns = append(ns, &credo.Notice{
			Audience: r.Subject, Subject: r.Subject, Kind: recordNoticeKind(r), At: credo.NewTime(now),
			What:    fmt.Sprintf("A %s record was added about you (record %d, %s); it is %s%s.", r.Category, r.ID, what, shown, rule),
			Why:     why + ".",
			Options: opts, Refs: credo.Refs{Record: r.ID},
			Key: "record:" + strconv.FormatInt(r.ID, 10),
		})
	}
	return ns
}

// mayCount reports whether a rule or direct grade of the rulebooks in
// force could apply to r: one of a dimension of r's category that names
// r's kind or no kind.
func mayCount(set *rulebook.Set, r *credo.Record, now time.Time) bool {
	div := ""
	if len(r.Subject) >= 8 {
		div = r.Subject[2:8]
	}
	p, _ := set.Plan(now, div)
	if p == nil {
		return false
	}
	names := func(kinds []string) bool { return len(kinds) == 0 || slices.Contains(kinds, r.Kind) }
	for _, d := range p.Dimensions {
		if !slices.Contains(d.Categories, r.Category) {
			continue
		}
		for _, rule := range d.Rules {
			if names(rule.Kinds) {
				return true
			}
		}
		for _, dg := range d.Direct {
			if names(dg.Kinds) {
				return true
			}
		}
	}
	return false
}

// countedAgainst returns the records that lower the grades of a: a
// contribution of negative points, or a direct grade below the best.
func countedAgainst(a *credo.Assessment, ranks map[string]map[string]int) map[int64]bool {
	out := map[int64]bool{}
	if a == nil {
		return out
	}
	for id, d := range a.Dimensions {
		for _, c := range d.Contributions {
			if c.Record != 0 && (c.Points < 0 || c.Grade != "" && ranks[id][c.Grade] > 0) {
				out[c.Record] = true
			}
		}
	}
	return out
}

// recordNoticeKind is new_penalty for a penalty (a record of kind penalty,
// or one that carries penalty types), adverse_record for other adverse
// records.
func recordNoticeKind(r *credo.Record) string {
	if r.Kind == "penalty" || len(r.PenaltyTypes) > 0 {
		return credo.NoticePenalty
	}
	return credo.NoticeRecord
}

// changedNotices are the notices of a regrade from before to after: a
// grade that fell, and each punishment that applies now and did not
// before, given code's entries. They are keyed by the assessment they
// replace, so that the same regrade done again (after a crash before its
// assessment was stored) writes them once.
func (s *Effects) changedNotices(set *rulebook.Set, code string, entries []*credo.ListEntry, before, after *credo.Assessment) []*credo.Notice {
	if before == nil || after == nil {
		return nil
	}
	now := after.AsOf.Time
	var ns []*credo.Notice
	ranks := gradeRanks(set, code, now)
	var falls, fallen []string
	if fell(ranks["comprehensive"], before.Grade, after.Grade) {
		falls = append(falls, fmt.Sprintf("comprehensive grade %s → %s", before.Grade, after.Grade))
	}
	ids := make([]string, 0, len(after.Dimensions))
	for id := range after.Dimensions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		d := after.Dimensions[id]
		b, ok := before.Dimensions[id]
		switch {
		case ok && fell(ranks[id], b.Grade, d.Grade):
			falls = append(falls, fmt.Sprintf("%s grade %s → %s", id, b.Grade, d.Grade))
			fallen = append(fallen, id)
		case !ok && ranks[id] != nil && ranks[id][d.Grade] > 0:
			// First graded, and not at the best grade: an adverse record
			// brought the dimension in.
			falls = append(falls, fmt.Sprintf("%s grade (new) %s", id, d.Grade))
			fallen = append(fallen, id)
		}
	}
	if len(falls) > 0 {
		why := strings.Join(after.Reasons, "; ")
		if why == "" {
			why = lowering(after, fallen, ranks)
		}
		ns = append(ns, &credo.Notice{
			Audience: code, Subject: code, Kind: credo.NoticeGradeFall, At: credo.NewTime(now),
			What: "Your grade fell: " + strings.Join(falls, "; ") + ".",
			Why:  why,
			Options: []string{
				"See every contribution: GET /v1/subjects/" + code + "/assessment",
				"Object to a record or listing you believe wrong: POST /v1/objections",
				"Apply for credit repair once the minimum publicity period has passed: POST /v1/repairs",
			},
			Key: "fall:" + code + ":" + strconv.FormatInt(before.AsOf.UnixMicro(), 10) + ":" + shortHash(strings.Join(falls, ";")),
		})
	}
	was := map[string]bool{}
	for _, r := range s.Catalogue.Applying(lists.CheckInput{Code: code, Entries: entries, Assessment: before, AsOf: before.AsOf.Time}) {
		was[r.Measure] = true
	}
	for _, r := range s.Catalogue.Applying(lists.CheckInput{Code: code, Entries: entries, Assessment: after, AsOf: now}) {
		if r.Kind != "punishment" || was[r.Measure] || r.List != "" {
			continue // list measures were announced with the listing
		}
		ns = append(ns, &credo.Notice{
			Audience: code, Subject: code, Kind: credo.NoticeMeasure, At: credo.NewTime(now),
			What:    fmt.Sprintf("%s (%s) now applies to you.", r.Title, effectWords(r.Effect)),
			Why:     r.Why + "; legal basis: " + r.LegalBasis + ".",
			Options: []string{"The measure ends when its cause does: GET /v1/subjects/" + code + "/measures shows every reason."},
			Refs:    credo.Refs{Measure: r.Measure},
			Key:     "measure:" + r.Measure + ":" + code + ":" + strconv.FormatInt(before.AsOf.UnixMicro(), 10),
		})
	}
	return ns
}

// gradeRanks returns, per dimension id ("comprehensive" for the
// comprehensive grade), each grade's place, best first.
func gradeRanks(set *rulebook.Set, code string, asOf time.Time) map[string]map[string]int {
	out := map[string]map[string]int{}
	if set == nil {
		return out
	}
	div := ""
	if len(code) >= 8 {
		div = code[2:8]
	}
	p, _ := set.Plan(asOf, div)
	if p == nil {
		return out
	}
	rank := func(grades []string) map[string]int {
		m := make(map[string]int, len(grades))
		for i, g := range grades {
			m[g] = i
		}
		return m
	}
	for _, d := range p.Dimensions {
		out[d.ID] = rank(d.Grades)
	}
	if p.Comprehensive != nil {
		out["comprehensive"] = rank(p.Comprehensive.Grades)
	}
	return out
}

// lowering says what lowers the fallen dimensions of a: each contribution
// of negative points or a grade below the best, with its record and legal
// basis.
func lowering(a *credo.Assessment, fallen []string, ranks map[string]map[string]int) string {
	var parts []string
	for _, id := range fallen {
		d := a.Dimensions[id]
		if d == nil {
			continue
		}
		for _, c := range d.Contributions {
			if c.Points >= 0 && (c.Grade == "" || ranks[id][c.Grade] == 0) {
				continue
			}
			p := id + ": " + c.Reason
			if c.Record != 0 {
				p += " (record " + strconv.FormatInt(c.Record, 10)
				if c.Points < 0 {
					p += fmt.Sprintf(", %g points", c.Points)
				}
				p += ")"
			}
			if c.Basis != nil && c.Basis.Law != nil {
				p += ", " + c.Basis.String()
			}
			parts = append(parts, p)
		}
		parts = append(parts, d.Reasons...)
	}
	if len(parts) == 0 {
		return "See the itemised explanation of the assessment."
	}
	return strings.Join(parts, "; ") + "."
}

// shortHash tells apart notices of one moment by what they say.
func shortHash(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return strconv.FormatUint(h.Sum64(), 36)
}

func fell(rank map[string]int, from, to string) bool {
	a, ok1 := rank[from]
	b, ok2 := rank[to]
	return ok1 && ok2 && b > a
}
