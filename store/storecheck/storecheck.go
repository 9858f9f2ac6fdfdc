// Package storecheck verifies that what a registry holds is consistent:
// the counts it keeps against its rows, supersession chains, list entries
// and their transitions, cases and their decisions, and every stored
// assessment against a fresh recomputation. It reads through the store
// contract only, so it checks every backend the same way (`credo check`).
//
// It finds what the store's constraints do not prevent and what a crash
// between two writes, a bug or a hand edit of the database leaves behind;
// it changes nothing.
package storecheck

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"time"

	"github.com/credo-registry/credo"
)

// Kinds of problem, one per part of the registry.
const (
	KindCounts        = "counts"
	KindRecords       = "records"
	KindSupersession  = "supersession"
	KindSubjects      = "subjects"
	KindEntries       = "list-entries"
	KindTransitions   = "transitions"
	KindCases         = "cases"
	KindDecisions     = "decisions"
	KindAssessments   = "assessments"
	KindGrades        = "grades"
	KindRelationships = "relationships"
)

// Problem is one inconsistency: which part of the registry, and what is
// wrong with which item.
type Problem struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func (p Problem) String() string { return p.Kind + ": " + p.Message }

// Report is what a check found: the problems (at most MaxPerKind of each
// kind are kept; Omitted counts the rest) and how much was checked.
type Report struct {
	Problems []Problem      `json:"problems"`
	Omitted  map[string]int `json:"omitted,omitempty"`

	Records       int `json:"records"`
	Subjects      int `json:"subject_versions"`
	Organizations int `json:"organizations"`
	Entries       int `json:"list_entries"`
	Cases         int `json:"cases"`
	Assessments   int `json:"assessments"`
	Relationships int `json:"relationships"` // relationship versions
	Recomputed    int `json:"recomputed"`    // grades recomputed and compared
	// Due counts assessments whose next change by time is past: not a
	// problem (a running node's once-a-minute pass regrades them), but
	// worth knowing of a registry no node serves.
	Due int `json:"due"`

	perKind map[string]int
}

// MaxPerKind bounds the problems a report keeps of each kind.
const MaxPerKind = 50

// OK reports whether nothing is wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 && len(r.Omitted) == 0 }

func (r *Report) add(kind, format string, args ...any) {
	if r.perKind == nil {
		r.perKind = map[string]int{}
	}
	r.perKind[kind]++
	if r.perKind[kind] > MaxPerKind {
		if r.Omitted == nil {
			r.Omitted = map[string]int{}
		}
		r.Omitted[kind]++
		return
	}
	r.Problems = append(r.Problems, Problem{Kind: kind, Message: fmt.Sprintf(format, args...)})
}

// Grader recomputes an assessment from inputs already read, as
// grading.Service.AssessInputs does (list effects included).
type Grader interface {
	AssessInputs(ctx context.Context, code string, versions []*credo.Subject, records []*credo.Record, entries []*credo.ListEntry, asOf time.Time) (*credo.Assessment, error)
}

// Options tune a check.
type Options struct {
	// Sample, when above 0, recomputes the grades of about that many
	// organizations, chosen evenly by a hash of their codes; 0 recomputes
	// every organization's.
	Sample int
	// Now is the time assessments are judged due against (time.Now when
	// zero).
	Now time.Time
}

// Check reads the whole registry in store and returns what is
// inconsistent. An error return means the store could not be read (the
// check is then incomplete), never that something is wrong in it.
func Check(ctx context.Context, store credo.Store, g Grader, opt Options) (*Report, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	c := &checker{store: store, g: g, opt: opt, rep: &Report{},
		entries: map[int64]*credo.ListEntry{}, cases: map[int64]*credo.Case{}, lastInput: map[string]time.Time{}}
	steps := []func(context.Context) error{c.records, c.subjects, c.counts, c.listEntries, c.caseFiles, c.relationships, c.assessments}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return c.rep, err
		}
	}
	return c.rep, nil
}

type checker struct {
	store credo.Store
	g     Grader
	opt   Options
	rep   *Report

	recs      []rec // by id
	codes     int   // distinct registered codes
	entries   map[int64]*credo.ListEntry
	cases     map[int64]*credo.Case
	lastInput map[string]time.Time // per code, the latest RecordedAt of an input of its grade
}

// rec is what the checks need of a record, kept for every record.
type rec struct {
	id, supersedes     int64
	subject, authority string
	recorded           time.Time
}

func (c *checker) record(id int64) *rec {
	i, ok := slices.BinarySearchFunc(c.recs, id, func(r rec, id int64) int {
		switch {
		case r.id < id:
			return -1
		case r.id > id:
			return 1
		}
		return 0
	})
	if !ok {
		return nil
	}
	return &c.recs[i]
}

func (c *checker) input(code string, t time.Time) {
	if t.After(c.lastInput[code]) {
		c.lastInput[code] = t
	}
}

const scanBatch = 5000

// records reads every record and checks ids and supersession.
func (c *checker) records(ctx context.Context) error {
	auths, err := c.store.Authorities(ctx)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, a := range auths {
		known[a.ID] = true
	}
	intern := map[string]string{}
	in := func(s string) string {
		if v, ok := intern[s]; ok {
			return v
		}
		intern[s] = s
		return s
	}
	var after int64
	for {
		batch, err := c.store.ScanRecords(ctx, after, scanBatch)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, r := range batch {
			if r.ID <= after {
				c.rep.add(KindRecords, "record %d comes after record %d in id order", r.ID, after)
				continue
			}
			after = r.ID
			if !known[r.Authority] {
				c.rep.add(KindRecords, "record %d names authority %q, which is not registered", r.ID, r.Authority)
			}
			c.recs = append(c.recs, rec{id: r.ID, supersedes: r.Supersedes, subject: in(r.Subject), authority: in(r.Authority), recorded: r.RecordedAt.Time})
			c.input(in(r.Subject), r.RecordedAt.Time)
		}
	}
	c.rep.Records = len(c.recs)
	for i := range c.recs {
		r := &c.recs[i]
		if r.supersedes == 0 {
			continue
		}
		old := c.record(r.supersedes)
		switch {
		case old == nil:
			c.rep.add(KindSupersession, "record %d supersedes record %d, which does not exist", r.id, r.supersedes)
			continue
		case old.authority != r.authority:
			c.rep.add(KindSupersession, "record %d (authority %s) supersedes record %d of another authority (%s)", r.id, r.authority, old.id, old.authority)
		case old.subject != r.subject:
			c.rep.add(KindSupersession, "record %d (about %s) supersedes record %d about another organization (%s)", r.id, r.subject, old.id, old.subject)
		}
		if old.id >= r.id {
			c.rep.add(KindSupersession, "record %d supersedes record %d, which was not stored before it", r.id, old.id)
		}
	}
	c.cycles()
	return nil
}

// cycles reports every supersession chain that comes back to itself.
func (c *checker) cycles() {
	state := make(map[int64]int8, 64) // 1: on the current walk, 2: done
	for i := range c.recs {
		start := c.recs[i].id
		if state[start] != 0 {
			continue
		}
		var walk []int64
		id := start
		for id != 0 && state[id] == 0 {
			state[id] = 1
			walk = append(walk, id)
			r := c.record(id)
			if r == nil {
				break
			}
			id = r.supersedes
		}
		if id != 0 && state[id] == 1 {
			from := slices.Index(walk, id)
			c.rep.add(KindSupersession, "supersession cycle: records %v each supersede the next and the last the first", walk[from:])
		}
		for _, w := range walk {
			state[w] = 2
		}
	}
}

// subjects checks that each code's versions are 1, 2, ... and counts codes.
func (c *checker) subjects(ctx context.Context) error {
	afterCode, afterVersion := "", 0
	prev, want := "", 0
	for {
		batch, err := c.store.ScanSubjects(ctx, afterCode, afterVersion, scanBatch)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, s := range batch {
			c.rep.Subjects++
			if s.Code != prev {
				c.codes++
				prev, want = s.Code, 1
			}
			if s.Version != want {
				c.rep.add(KindSubjects, "organization %s: version %d where version %d was expected", s.Code, s.Version, want)
			}
			want = s.Version + 1
			c.input(s.Code, s.RecordedAt.Time)
		}
		last := batch[len(batch)-1]
		afterCode, afterVersion = last.Code, last.Version
	}
	return nil
}

// relationships checks every relationship version on its own (ends,
// dates, source) and its supersession: a version supersedes an earlier one
// of the same relationship (credo.Relationship.Key), recorded no later,
// and is the only one to supersede it.
func (c *checker) relationships(ctx context.Context) error {
	type version struct {
		key      string
		recorded time.Time
	}
	seen := map[int64]version{}
	by := map[int64]int64{}
	var after int64
	for {
		batch, err := c.store.ScanRelationships(ctx, after, scanBatch)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, r := range batch {
			c.rep.Relationships++
			switch {
			case r.From == r.To:
				c.rep.add(KindRelationships, "relationship %d joins %s to itself", r.ID, r.From)
			case credo.RelationshipSource(r.Kind) == "" || credo.RelationshipSource(r.Kind) != r.Source:
				c.rep.add(KindRelationships, "relationship %d: kind %q from source %q", r.ID, r.Kind, r.Source)
			case !r.Until.IsZero() && r.Until.Before(r.Since.Time):
				c.rep.add(KindRelationships, "relationship %d ends (%s) before it begins (%s)", r.ID, r.Until, r.Since)
			}
			key := r.Key()
			seen[r.ID] = version{key, r.RecordedAt.Time}
			if r.Supersedes == 0 {
				continue
			}
			prev, ok := seen[r.Supersedes]
			switch {
			case !ok:
				c.rep.add(KindRelationships, "relationship %d supersedes %d, which is not an earlier version", r.ID, r.Supersedes)
			case prev.key != key:
				c.rep.add(KindRelationships, "relationship %d supersedes %d, a version of another relationship", r.ID, r.Supersedes)
			case r.RecordedAt.Before(prev.recorded):
				c.rep.add(KindRelationships, "relationship %d, recorded %s, supersedes %d recorded later", r.ID, r.RecordedAt, r.Supersedes)
			}
			if other, ok := by[r.Supersedes]; ok {
				c.rep.add(KindRelationships, "relationship %d is superseded twice, by %d and %d", r.Supersedes, other, r.ID)
			}
			by[r.Supersedes] = r.ID
		}
		after = batch[len(batch)-1].ID
	}
}

// counts compares the counts the store keeps with the rows read.
func (c *checker) counts(ctx context.Context) error {
	st, err := c.store.Stats(ctx)
	if err != nil {
		return err
	}
	auths, err := c.store.Authorities(ctx)
	if err != nil {
		return err
	}
	if st.Records != int64(len(c.recs)) {
		c.rep.add(KindCounts, "stats count %d records; %d are stored", st.Records, len(c.recs))
	}
	if st.Organizations != int64(c.codes) {
		c.rep.add(KindCounts, "stats count %d organizations; %d are registered", st.Organizations, c.codes)
	}
	if st.Authorities != int64(len(auths)) {
		c.rep.add(KindCounts, "stats count %d authorities; %d are stored", st.Authorities, len(auths))
	}
	return nil
}

var endReasons = []string{credo.EndExpired, credo.EndRepaired, credo.EndOverturned, credo.EndRevoked, credo.EndEscalated}

// listEntries checks every entry and its transitions.
func (c *checker) listEntries(ctx context.Context) error {
	var all []*credo.ListEntry
	var after int64
	for {
		batch, err := c.store.ScanListEntries(ctx, after, scanBatch)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, e := range batch {
			c.entries[e.ID] = e
			all = append(all, e)
		}
		after = batch[len(batch)-1].ID
	}
	c.rep.Entries = len(all)
	for _, e := range all {
		c.input(e.Subject, e.RecordedAt.Time)
		missing := func(field, v string) {
			if v == "" {
				c.rep.add(KindEntries, "list entry %d (%s, %s) has no %s", e.ID, e.List, e.Subject, field)
			}
		}
		missing("key", e.Key)
		missing("authority", e.Authority)
		missing("legal basis", e.LegalBasis)
		if e.Source == credo.SourceDecision {
			missing("decision number", e.DecisionNumber)
		}
		if len(e.Reasons) == 0 || slices.Contains(e.Reasons, "") {
			c.rep.add(KindEntries, "list entry %d (%s, %s) has no reasons", e.ID, e.List, e.Subject)
		}
		if e.EffectiveAt.Before(e.NotifiedAt.Time) {
			c.rep.add(KindEntries, "list entry %d takes effect (%s) before the organization was notified (%s)", e.ID, e.EffectiveAt, e.NotifiedAt)
		}
		if !e.Until.IsZero() && e.Until.Before(e.EffectiveAt.Time) {
			c.rep.add(KindEntries, "list entry %d ends its term (%s) before it takes effect (%s)", e.ID, e.Until, e.EffectiveAt)
		}
		if e.EscalatedFrom != 0 {
			from := c.entries[e.EscalatedFrom]
			switch {
			case from == nil:
				c.rep.add(KindEntries, "list entry %d was escalated from entry %d, which does not exist", e.ID, e.EscalatedFrom)
			case from.Subject != e.Subject:
				c.rep.add(KindEntries, "list entry %d (about %s) was escalated from entry %d about another organization (%s)", e.ID, e.Subject, from.ID, from.Subject)
			case !slices.ContainsFunc(from.Transitions, func(t credo.ListTransition) bool { return t.Reason == credo.EndEscalated }):
				c.rep.add(KindEntries, "list entry %d was escalated from entry %d, which has no escalated transition", e.ID, from.ID)
			}
		}
		if len(e.Transitions) > 1 {
			c.rep.add(KindTransitions, "list entry %d has %d ending transitions; at most one ends an entry", e.ID, len(e.Transitions))
		}
		for _, t := range e.Transitions {
			c.input(e.Subject, t.RecordedAt.Time)
			if t.Entry != 0 && t.Entry != e.ID {
				c.rep.add(KindTransitions, "transition %d is listed under entry %d but names entry %d", t.ID, e.ID, t.Entry)
			}
			if t.Status != credo.ListEnded {
				c.rep.add(KindTransitions, "transition %d of list entry %d has status %q; stored transitions end their entry", t.ID, e.ID, t.Status)
			}
			if !slices.Contains(endReasons, t.Reason) {
				c.rep.add(KindTransitions, "transition %d of list entry %d has reason %q; want one of %v", t.ID, e.ID, t.Reason, endReasons)
			}
			if t.Actor == "" {
				c.rep.add(KindTransitions, "transition %d of list entry %d names no actor", t.ID, e.ID)
			}
			if t.RecordedAt.Before(e.RecordedAt.Time) || t.At.Before(e.RecordedAt.Time) {
				c.rep.add(KindTransitions, "transition %d (at %s, recorded %s) comes before its list entry %d (recorded %s)", t.ID, t.At, t.RecordedAt, e.ID, e.RecordedAt)
			}
		}
	}
	return nil
}

var outcomes = map[string][]string{
	credo.CaseObjection: {credo.OutcomeUpheld, credo.OutcomeCorrected, credo.OutcomeRetracted},
	credo.CaseRepair:    {credo.OutcomeApproved, credo.OutcomeRejected},
}

// caseFiles checks every case, its decision, and what the decision must
// have done.
func (c *checker) caseFiles(ctx context.Context) error {
	var after int64
	var all []*credo.Case
	for {
		batch, err := c.store.ScanCases(ctx, after, scanBatch)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, k := range batch {
			c.cases[k.ID] = k
			all = append(all, k)
		}
		after = batch[len(batch)-1].ID
	}
	c.rep.Cases = len(all)
	for _, k := range all {
		if err := c.checkCase(ctx, k); err != nil {
			return err
		}
	}
	// Transitions that name a case: the case exists, is about the entry,
	// and its decision ends it.
	for _, e := range c.entries {
		for _, t := range e.Transitions {
			if t.Case == 0 {
				continue
			}
			k := c.cases[t.Case]
			switch {
			case k == nil:
				c.rep.add(KindTransitions, "transition %d of list entry %d names case %d, which does not exist", t.ID, e.ID, t.Case)
			case k.Target.Kind != credo.TargetListEntry || k.Target.ID != e.ID:
				c.rep.add(KindTransitions, "transition %d of list entry %d names case %d, which is about %s %d", t.ID, e.ID, k.ID, k.Target.Kind, k.Target.ID)
			case k.Decision == nil || (k.Decision.Outcome != credo.OutcomeRetracted && k.Decision.Outcome != credo.OutcomeApproved):
				c.rep.add(KindTransitions, "transition %d ends list entry %d by case %d, which did not decide so", t.ID, e.ID, k.ID)
			}
		}
	}
	return nil
}

func (c *checker) checkCase(ctx context.Context, k *credo.Case) error {
	valid, ok := outcomes[k.Kind]
	if !ok {
		c.rep.add(KindCases, "case %d has kind %q", k.ID, k.Kind)
	}
	if k.FiledBy == "" {
		c.rep.add(KindCases, "case %d names nobody who filed it", k.ID)
	}
	if k.DecideBy.Before(k.FiledAt.Time) {
		c.rep.add(KindCases, "case %d is due (%s) before it was filed (%s)", k.ID, k.DecideBy, k.FiledAt)
	}
	var entry *credo.ListEntry
	var target *rec
	switch k.Target.Kind {
	case credo.TargetRecord:
		if target = c.record(k.Target.ID); target == nil {
			c.rep.add(KindCases, "case %d is about record %d, which does not exist", k.ID, k.Target.ID)
		} else if target.subject != k.Subject {
			c.rep.add(KindCases, "case %d of %s is about record %d of another organization (%s)", k.ID, k.Subject, target.id, target.subject)
		}
	case credo.TargetListEntry:
		if entry = c.entries[k.Target.ID]; entry == nil {
			c.rep.add(KindCases, "case %d is about list entry %d, which does not exist", k.ID, k.Target.ID)
		} else if entry.Subject != k.Subject {
			c.rep.add(KindCases, "case %d of %s is about list entry %d of another organization (%s)", k.ID, k.Subject, entry.ID, entry.Subject)
		}
	default:
		c.rep.add(KindCases, "case %d is about a %q", k.ID, k.Target.Kind)
	}
	d := k.Decision
	if d == nil {
		return nil
	}
	if d.Case != 0 && d.Case != k.ID {
		c.rep.add(KindDecisions, "the decision of case %d names case %d", k.ID, d.Case)
	}
	if ok && !slices.Contains(valid, d.Outcome) {
		c.rep.add(KindDecisions, "case %d (%s) was decided %q; want one of %v", k.ID, k.Kind, d.Outcome, valid)
	}
	if d.Actor == "" {
		c.rep.add(KindDecisions, "the decision of case %d names no actor", k.ID)
	}
	if (d.Outcome == credo.OutcomeUpheld || d.Outcome == credo.OutcomeRejected) && d.Reasons == "" {
		c.rep.add(KindDecisions, "the decision of case %d keeps the item (%s) but gives no reasons", k.ID, d.Outcome)
	}
	if d.At.Before(k.FiledAt.Time) {
		c.rep.add(KindDecisions, "case %d was decided (%s) before it was filed (%s)", k.ID, d.At, k.FiledAt)
	}
	switch {
	case target != nil && (d.Outcome == credo.OutcomeCorrected || d.Outcome == credo.OutcomeRetracted):
		r := c.record(d.Record)
		if r == nil {
			c.rep.add(KindDecisions, "case %d was decided %s but its record (%d) does not exist", k.ID, d.Outcome, d.Record)
		} else if r.supersedes != target.id {
			c.rep.add(KindDecisions, "case %d was decided %s by record %d, which does not supersede record %d", k.ID, d.Outcome, r.id, target.id)
		}
	case target != nil && d.Outcome == credo.OutcomeApproved:
		c.input(k.Subject, d.At.Time) // the repaired record stops counting: a regrade follows
		r, err := c.store.Record(ctx, target.id)
		if err != nil {
			return err
		}
		if r.RepairedAt.IsZero() {
			c.rep.add(KindDecisions, "repair %d of record %d was approved but the record is not marked repaired", k.ID, target.id)
		}
	case entry != nil && (d.Outcome == credo.OutcomeRetracted || d.Outcome == credo.OutcomeApproved):
		// The entry ends: by this case, or by an end that came first.
		if entry.StateAt(d.At.Time).Status != credo.ListEnded && len(entry.Transitions) == 0 {
			c.rep.add(KindDecisions, "case %d was decided %s but list entry %d was not ended (deciding it again completes it)", k.ID, d.Outcome, entry.ID)
		}
	}
	return nil
}

// assessments compares every organization's stored assessment with its
// inputs and, for the sample, with a recomputation at its as-of.
func (c *checker) assessments(ctx context.Context) error {
	every := 1
	if c.opt.Sample > 0 && c.codes > c.opt.Sample {
		every = (c.codes + c.opt.Sample - 1) / c.opt.Sample
	}
	return c.store.EachSubject(ctx, "", func(code string, records []*credo.Record) error {
		c.rep.Organizations++
		stored, err := c.store.CurrentAssessment(ctx, code)
		if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
			c.rep.add(KindAssessments, "organization %s has never been graded", code)
			return nil
		}
		if err != nil {
			return err
		}
		c.rep.Assessments++
		if last := c.lastInput[code]; last.Truncate(time.Microsecond).After(stored.AsOf.Truncate(time.Microsecond)) {
			c.rep.add(KindAssessments, "organization %s was graded as of %s, before what was recorded about it at %s (run credo rescore)", code, stored.AsOf, last.UTC().Format(time.RFC3339Nano))
		}
		if !stored.HoldsAt(c.opt.Now) {
			c.rep.Due++
		}
		if c.g == nil || (every > 1 && hash(code)%uint32(every) != 0) {
			return nil
		}
		versions, err := c.store.SubjectVersions(ctx, code)
		if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			return err
		}
		fresh, err := c.g.AssessInputs(ctx, code, versions, records, nil, stored.AsOf.Time)
		if err != nil {
			c.rep.add(KindGrades, "organization %s: recomputing its grade as of %s failed: %v", code, stored.AsOf, err)
			return nil
		}
		c.rep.Recomputed++
		if diff := differs(stored, fresh); diff != "" {
			c.rep.add(KindGrades, "organization %s: the stored assessment (as of %s) differs from a fresh recomputation: %s", code, stored.AsOf, diff)
			return nil
		}
		// Not due yet: time alone has changed nothing since, so it is
		// still the grade now (a wrong next change would skip a change).
		// (An as-of after now is another node's clock being ahead.)
		if !stored.AsOf.After(c.opt.Now) && stored.HoldsAt(c.opt.Now) {
			now, err := c.g.AssessInputs(ctx, code, versions, records, nil, c.opt.Now)
			if err != nil {
				c.rep.add(KindGrades, "organization %s: recomputing its grade now failed: %v", code, err)
				return nil
			}
			if diff := differs(stored, now); diff != "" {
				next := "none"
				if !stored.NextChange.IsZero() {
					next = stored.NextChange.String()
				}
				c.rep.add(KindGrades, "organization %s: the stored assessment (as of %s, next change %s) is no longer the grade now: %s", code, stored.AsOf, next, diff)
			}
		}
		return nil
	})
}

// differs compares what an assessment change is judged by (the grade and
// every dimension's grade and score, and an annual dimension's provisional
// figure, which the stored assessment shows too) and says how two differ.
func differs(stored, fresh *credo.Assessment) string {
	if stored.Grade != fresh.Grade {
		return fmt.Sprintf("grade %q, recomputed %q", stored.Grade, fresh.Grade)
	}
	dims := map[string]bool{}
	for d := range stored.Dimensions {
		dims[d] = true
	}
	for d := range fresh.Dimensions {
		dims[d] = true
	}
	names := make([]string, 0, len(dims))
	for d := range dims {
		names = append(names, d)
	}
	sort.Strings(names)
	for _, d := range names {
		s, f := stored.Dimensions[d], fresh.Dimensions[d]
		switch {
		case s == nil:
			return fmt.Sprintf("dimension %s missing, recomputed %s", d, f.Grade)
		case f == nil:
			return fmt.Sprintf("dimension %s (%s) not in the recomputation", d, s.Grade)
		case s.Grade != f.Grade || s.Score != f.Score:
			return fmt.Sprintf("dimension %s %s (%g), recomputed %s (%g)", d, s.Grade, s.Score, f.Grade, f.Score)
		case (s.Provisional == nil) != (f.Provisional == nil):
			return fmt.Sprintf("dimension %s: a provisional figure in one and not the other", d)
		case s.Provisional != nil && (s.Provisional.Grade != f.Provisional.Grade || s.Provisional.Score != f.Provisional.Score):
			return fmt.Sprintf("dimension %s provisional %s (%g), recomputed %s (%g)", d,
				s.Provisional.Grade, s.Provisional.Score, f.Provisional.Grade, f.Provisional.Score)
		}
	}
	return ""
}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
