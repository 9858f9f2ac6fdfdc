package dueprocess

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/ingest"
)

// CaseRequest is an organization's objection or repair application (the
// body of POST /v1/objections and POST /v1/repairs).
type CaseRequest struct {
	// Target names the record or list entry.
	Target  credo.Target `json:"target,omitzero"`
	Reasons Texts        `json:"reasons"`
	// Attachments are the documents filed (for a repair, the evidence):
	// each with its bytes (data, base64) or named only.
	Attachments Attachments `json:"attachments,omitempty"`
	// Commitment: the organization's signed credit commitment (DOMAIN §4),
	// recorded with a repair application.
	Commitment bool `json:"commitment,omitempty"`
}

// target returns the target req names.
func (req *CaseRequest) target() (credo.Target, error) {
	if req.Target == (credo.Target{}) {
		return req.Target, credo.FieldError("target", "required", "name the record or list entry: {\"target\": {\"kind\": \"record\", \"id\": 12}}")
	}
	return req.Target, nil
}

// Limits on what a case carries.
const (
	MaxAttachments    = 10
	MaxAttachmentSize = 2 << 20 // bytes, each
)

// target is what a case is about, resolved.
type target struct {
	record *credo.Record
	entry  *credo.ListEntry
}

func (t target) subject() string {
	if t.record != nil {
		return t.record.Subject
	}
	return t.entry.Subject
}

func (t target) authority() string {
	if t.record != nil {
		return t.record.Authority
	}
	return t.entry.Authority
}

// resolve loads a case's target; field names it in errors.
func (s *Service) resolve(ctx context.Context, t credo.Target) (target, error) {
	if t.ID <= 0 {
		return target{}, credo.FieldError("target.id", "required", "name the record or list entry by its id")
	}
	switch t.Kind {
	case credo.TargetRecord:
		r, err := s.Store.Record(ctx, t.ID)
		if err != nil {
			if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
				return target{}, &credo.Error{Code: credo.ENOTFOUND, Field: "target.id", Reason: "unknown", Message: fmt.Sprintf("there is no record %d", t.ID)}
			}
			return target{}, err
		}
		return target{record: r}, nil
	case credo.TargetListEntry:
		e, err := s.Store.ListEntry(ctx, t.ID)
		if err != nil {
			if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
				return target{}, &credo.Error{Code: credo.ENOTFOUND, Field: "target.id", Reason: "unknown", Message: fmt.Sprintf("there is no list entry %d", t.ID)}
			}
			return target{}, err
		}
		return target{entry: e}, nil
	case "":
		return target{}, credo.FieldError("target.kind", "required", "is required: record or list_entry")
	}
	return target{}, credo.FieldError("target.kind", "enum", "must be record or list_entry")
}

// File files an objection (kind credo.CaseObjection) or a credit repair
// application (credo.CaseRepair) for the organization whose account v is.
func (s *Service) File(ctx context.Context, v credo.Viewer, kind string, req CaseRequest) (*credo.Case, error) {
	if v.Role != credo.RoleOrganization || v.Account == nil {
		return nil, &credo.Error{Code: credo.EFORBIDDEN, Reason: "role", Message: "only an organization's own account files " + kind + "s"}
	}
	tgt, err := req.target()
	if err != nil {
		return nil, err
	}
	req.Target = tgt
	t, err := s.resolve(ctx, req.Target)
	if err != nil {
		return nil, err
	}
	if t.subject() != v.Account.Subject {
		// What the organization may not see is answered as missing: that
		// it exists, or whose it is, is not told.
		now := s.now()
		if t.record != nil && !s.Policy.Record(v, t.record, now) || t.entry != nil && !s.Policy.Entry(v, t.entry, now, now) {
			return nil, &credo.Error{Code: credo.ENOTFOUND, Field: "target.id", Reason: "unknown", Message: fmt.Sprintf("there is no %s %d", strings.ReplaceAll(req.Target.Kind, "_", " "), req.Target.ID)}
		}
		return nil, &credo.Error{Code: credo.EFORBIDDEN, Field: "target", Reason: "subject",
			Message: fmt.Sprintf("%s %d is about another organization: an organization files only about itself", req.Target.Kind, req.Target.ID)}
	}
	reasons := strings.TrimSpace(req.Reasons.Join())
	if err := text("reasons", reasons, 4000); err != nil {
		return nil, err
	}
	atts, err := attachments(req.Attachments)
	if err != nil {
		return nil, err
	}
	now := s.now()
	open, err := s.openCase(ctx, req.Target, kind)
	if err != nil {
		return nil, err
	}
	if open != nil {
		return nil, &credo.Error{Code: credo.ECONFLICT, Field: "target", Reason: "open",
			Message: fmt.Sprintf("%s %d is still open on this %s; it is decided by %s", kind, open.ID, req.Target.Kind, open.DecideBy)}
	}
	days := 0
	switch kind {
	case credo.CaseObjection:
		if days, err = s.objectable(t, now); err != nil {
			return nil, err
		}
	case credo.CaseRepair:
		if len(atts) == 0 {
			return nil, credo.FieldError("attachments", "required", "attach the evidence that the penalty was fulfilled and the violation corrected")
		}
		filed, err := s.filedYears(ctx, t)
		if err != nil {
			return nil, err
		}
		if days, err = s.repairable(t, now, filed); err != nil {
			return nil, err
		}
	default:
		return nil, credo.FieldError("kind", "enum", "must be objection or repair")
	}
	c := &credo.Case{
		Kind: kind, Subject: t.subject(), Target: req.Target, Authority: t.authority(),
		Reasons: reasons, Attachments: atts, Commitment: req.Commitment,
		FiledBy: v.Actor(), FiledAt: credo.NewTime(now), DecideBy: credo.NewTime(s.Calendar.Deadline(now, days)),
	}
	if err := s.Store.FileCase(ctx, c); err != nil {
		return nil, err
	}
	s.fail("case.filed")
	if err := s.notifyFiled(ctx, c, days); err != nil {
		return nil, err
	}
	return c, nil
}

// notifyFiled tells the organization its case was filed and by when it
// must be decided (days working days).
func (s *Service) notifyFiled(ctx context.Context, c *credo.Case, days int) error {
	return s.notify(ctx, &credo.Notice{
		Audience: c.Subject, Subject: c.Subject, Kind: credo.NoticeCaseFiled, At: c.FiledAt,
		What:    fmt.Sprintf("Your %s %d about %s %d was filed.", c.Kind, c.ID, c.Target.Kind, c.Target.ID),
		Why:     fmt.Sprintf("%s must decide it by %s (%d working days).", c.Authority, c.DecideBy, days),
		Options: []string{"Follow it: GET /v1/" + c.Kind + "s/" + strconv.FormatInt(c.ID, 10)},
		Refs:    credo.Refs{Case: c.ID}, Key: "filed:" + strconv.FormatInt(c.ID, 10),
	})
}

// openCase returns the open case of kind on t, or nil.
func (s *Service) openCase(ctx context.Context, t credo.Target, kind string) (*credo.Case, error) {
	cs, err := s.Store.TargetCases(ctx, t)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Kind == kind && c.Open() {
			return c, nil
		}
	}
	return nil, nil
}

// objectable checks an objection may be filed on t and returns the
// working days its decision may take.
func (s *Service) objectable(t target, now time.Time) (int, error) {
	if r := t.record; r != nil {
		if r.Retracted() {
			return 0, credo.FieldError("target", "retraction", "record %d is a retraction; object to the record it retracts", r.ID)
		}
		if r.SupersededBy != 0 {
			return 0, credo.FieldError("target", "superseded", "record %d was superseded by record %d; object to that one", r.ID, r.SupersededBy)
		}
		return s.RecordObjectionDays, nil
	}
	e := t.entry
	if st := e.StateAt(now); st.Status == credo.ListEnded {
		return 0, credo.FieldError("target", "ended", "list entry %d ended already (%s, %s)", e.ID, st.Reason, st.Since)
	}
	return s.Catalogue.List(e.List).ObjectionDays, nil
}

// repairable checks a repair may be applied for on t at now: adverse
// information still shown, and its minimum period passed.
func (s *Service) repairable(t target, now time.Time, filed map[int]bool) (int, error) {
	if r := t.record; r != nil {
		if r.Retracted() || r.SupersededBy != 0 {
			return 0, credo.FieldError("target", "superseded", "record %d is not in force; nothing to repair", r.ID)
		}
		if !r.RepairedAt.IsZero() {
			return 0, &credo.Error{Code: credo.ECONFLICT, Field: "target", Reason: "repaired", Message: fmt.Sprintf("record %d was repaired at %s", r.ID, r.RepairedAt)}
		}
		w := s.Grading.Set().Publicity(r, now)
		if w.Row == nil {
			return 0, credo.FieldError("target", "not_adverse", "record %d is not dishonesty information; there is nothing to repair", r.ID)
		}
		if !w.Until.IsZero() && !w.Until.After(now) {
			return 0, credo.FieldError("target", "ended", "the publicity of record %d ended at %s by itself", r.ID, credo.NewTime(w.Until))
		}
		if w.RepairFrom.After(now) {
			return 0, credo.FieldError("target", "too_early", "credit repair of record %d is possible from %s, when its minimum publicity period (rule %s) has passed", r.ID, credo.NewTime(w.RepairFrom), w.Row.ID)
		}
		return s.RecordRepairDays, nil
	}
	e := t.entry
	def := s.Catalogue.List(e.List)
	if def == nil || !def.Adverse {
		return 0, credo.FieldError("target", "not_adverse", "list entry %d is not on an adverse list; there is nothing to repair", e.ID)
	}
	if st := e.StateAt(now); st.Status == credo.ListEnded {
		return 0, credo.FieldError("target", "ended", "list entry %d ended already (%s, %s)", e.ID, st.Reason, st.Since)
	}
	if e.RepairFrom.After(now) {
		return 0, credo.FieldError("target", "too_early", "removal of list entry %d by credit repair is possible from %s, after the list's minimum term", e.ID, e.RepairFrom)
	}
	if y := annualYear(e); y != 0 && !filed[y] {
		return 0, credo.FieldError("target", "not_cured", "list entry %d was made because the %d annual report was missing: file it first (POST /v1/subjects/%s/annual-reports), then apply", e.ID, y, e.Subject)
	}
	return def.RepairDays, nil
}

// filedYears returns the years the organization t is about has filed an
// annual report for, when t is an entry the annual-report pass made.
func (s *Service) filedYears(ctx context.Context, t target) (map[int]bool, error) {
	if t.entry == nil || annualYear(t.entry) == 0 {
		return nil, nil
	}
	reports, err := s.Store.AnnualReports(ctx, t.entry.Subject)
	if err != nil {
		return nil, err
	}
	filed := map[int]bool{}
	for _, r := range reports {
		filed[r.Year] = true
	}
	return filed, nil
}

// attachments checks and completes attachments: name, media type,
// size and SHA-256 (computed; a given one must match).
func attachments(in []credo.Attachment) ([]credo.Attachment, error) {
	if len(in) > MaxAttachments {
		return nil, credo.FieldError("attachments", "too_many", "at most %d attachments", MaxAttachments)
	}
	out := make([]credo.Attachment, len(in))
	for i, a := range in {
		f := "attachments[" + strconv.Itoa(i) + "]"
		if err := text(f+".name", a.Name, 200); err != nil {
			return nil, err
		}
		if len(a.Data) > 0 {
			if err := text(f+".media_type", a.MediaType, 100); err != nil {
				return nil, err
			}
		}
		if len(a.Data) == 0 {
			// Named only: a document the organization holds, referred to.
			if a.SHA256 != "" || a.Size != 0 {
				return nil, credo.FieldError(f+".data", "required", "give the document's bytes (data, base64) to go with its size or sha256")
			}
			out[i] = credo.Attachment{Name: strings.TrimSpace(a.Name), MediaType: strings.TrimSpace(a.MediaType)}
			continue
		}
		if len(a.Data) > MaxAttachmentSize {
			return nil, &credo.Error{Code: credo.ETOOLARGE, Field: f + ".data", Reason: "too_large", Message: fmt.Sprintf("must be at most %d bytes", MaxAttachmentSize)}
		}
		sum := sha256.Sum256(a.Data)
		hexSum := hex.EncodeToString(sum[:])
		if a.SHA256 != "" && !strings.EqualFold(a.SHA256, hexSum) {
			return nil, credo.FieldError(f+".sha256", "mismatch", "does not match the data (its SHA-256 is %s)", hexSum)
		}
		if a.Size != 0 && a.Size != int64(len(a.Data)) {
			return nil, credo.FieldError(f+".size", "mismatch", "does not match the data (%d bytes)", len(a.Data))
		}
		mt := strings.ToLower(strings.TrimSpace(a.MediaType))
		if !slices.Contains(credo.AttachmentTypes, mt) {
			return nil, credo.FieldError(f+".media_type", "media_type", "must be one of %s", strings.Join(credo.AttachmentTypes, ", "))
		}
		if sniffed := credo.SniffAttachment(a.Data); sniffed != mt {
			if sniffed == "" {
				return nil, credo.FieldError(f+".data", "media_type", "is not a %s document: attachments are PDF documents or images (%s), judged by their content", mt, strings.Join(credo.AttachmentTypes, ", "))
			}
			return nil, credo.FieldError(f+".data", "media_type", "is %s, not the %s media_type says", sniffed, mt)
		}
		a.MediaType = mt
		out[i] = credo.Attachment{Name: strings.TrimSpace(a.Name), MediaType: strings.TrimSpace(a.MediaType),
			Size: int64(len(a.Data)), SHA256: hexSum, Data: a.Data}
	}
	return out, nil
}

// DecisionRequest is the body of POST /v1/objections/{id}/decision and
// POST /v1/repairs/{id}/decision.
type DecisionRequest struct {
	// Outcome is upheld, corrected or retracted for an objection,
	// approved or rejected for a repair.
	Outcome string `json:"outcome,omitempty"`
	Reasons Texts  `json:"reasons,omitempty"`
	// Correction is the correcting record an objection decided
	// "corrected" appends; it supersedes the record objected to.
	Correction *credo.Record `json:"correction,omitempty"`
}

// Decide decides a case: by the responsible authority, or an
// administrator (for entries made by rule or escalation, and for cases
// escalated as overdue). The organization's grade follows at once.
func (s *Service) Decide(ctx context.Context, v credo.Viewer, kind string, id int64, req DecisionRequest) (*credo.Case, error) {
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Kind != kind || !s.Policy.Case(v, c) {
		return nil, credo.ErrNotFound(kind, id) // not told that it exists
	}
	switch {
	case v.Role == credo.RoleAdmin:
	case v.Role == credo.RoleAuthority && v.Authority != nil && v.Authority.ID == c.Authority:
	default:
		return nil, &credo.Error{Code: credo.EFORBIDDEN, Reason: "role",
			Message: fmt.Sprintf("%s %d is decided by %s or an administrator", kind, id, c.Authority)}
	}
	if !c.Open() {
		// A decision interrupted after it was stored is completed by the
		// attempt to make it again; the answer is still that it was made.
		if t, err := s.resolve(ctx, c.Target); err == nil {
			if err := s.complete(ctx, c, c.Decision, t); err != nil {
				return nil, err
			}
		}
		return nil, &credo.Error{Code: credo.ECONFLICT, Field: "case", Reason: "decided",
			Message: fmt.Sprintf("%s %d was decided already (%s, %s)", kind, id, c.Decision.Outcome, c.Decision.At)}
	}
	outcomes := []string{credo.OutcomeUpheld, credo.OutcomeCorrected, credo.OutcomeRetracted}
	if kind == credo.CaseRepair {
		outcomes = []string{credo.OutcomeApproved, credo.OutcomeRejected}
	}
	if req.Outcome == "" {
		return nil, credo.FieldError("outcome", "required", "is required: one of %s", strings.Join(outcomes, ", "))
	}
	if o := outcome(kind, req.Outcome); o != "" {
		req.Outcome = o
	} else {
		return nil, credo.FieldError("outcome", "enum", "must be one of %s", strings.Join(outcomes, ", "))
	}
	reasons := strings.TrimSpace(req.Reasons.Join())
	if reasons == "" && (req.Outcome == credo.OutcomeRejected || req.Outcome == credo.OutcomeUpheld) {
		return nil, credo.FieldError("reasons", "required", "a decision that keeps the item gives its reasons")
	}
	if err := optionalText("reasons", reasons, 4000); err != nil {
		return nil, err
	}
	if req.Correction != nil && req.Outcome != credo.OutcomeCorrected {
		return nil, credo.FieldError("correction", "unexpected", "only a %q decision carries a correction", credo.OutcomeCorrected)
	}
	t, err := s.resolve(ctx, c.Target)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d := &credo.CaseDecision{Case: c.ID, Outcome: req.Outcome, Reasons: reasons, Actor: v.Actor(), At: credo.NewTime(now)}
	switch {
	case t.record != nil && req.Outcome == credo.OutcomeCorrected:
		if req.Correction == nil {
			return nil, credo.FieldError("correction", "required", "a %q decision carries the correcting record", credo.OutcomeCorrected)
		}
		if d.Record, err = s.supersede(ctx, t.record, c, req.Correction); err != nil {
			return nil, err
		}
	case t.record != nil && req.Outcome == credo.OutcomeRetracted:
		if d.Record, err = s.supersede(ctx, t.record, c, &credo.Record{
			Subject: t.record.Subject, Category: t.record.Category, Kind: credo.KindRetraction,
			ExternalID: "objection-" + strconv.FormatInt(c.ID, 10) + "-retracts-" + strconv.FormatInt(t.record.ID, 10),
			// Dated by the objection, so that a decision retried after a
			// crash finds the same retraction (Exists) rather than a clash.
			Description: "retracted on objection " + strconv.FormatInt(c.ID, 10), OccurredAt: c.FiledAt,
		}); err != nil {
			return nil, err
		}
	case t.entry != nil && req.Outcome == credo.OutcomeCorrected:
		return nil, credo.FieldError("outcome", "enum", "a listing is upheld or retracted (overturned); to change its terms, retract it and decide a new listing")
	case t.entry != nil && (req.Outcome == credo.OutcomeRetracted || req.Outcome == credo.OutcomeApproved):
		if st := t.entry.StateAt(now); st.Status == credo.ListEnded {
			return nil, &credo.Error{Code: credo.ECONFLICT, Field: "target", Reason: "ended",
				Message: fmt.Sprintf("list entry %d ended already (%s, %s)", t.entry.ID, st.Reason, st.Since)}
		}
	}
	// The decision is stored first (one per case, so two deciders cannot
	// both act), then what follows from it.
	if err := s.Store.DecideCase(ctx, d); err != nil {
		return nil, err
	}
	s.fail("case.decided")
	if err := s.complete(ctx, c, d, t); err != nil {
		return nil, err
	}
	return s.Store.Case(ctx, c.ID)
}

// complete does what follows from a stored decision: the entry it
// overturns or repairs ends, a repaired record's organization is
// regraded, and the organization is told. Each step is idempotent, so a
// decision interrupted after it was stored is completed when it is made
// again.
func (s *Service) complete(ctx context.Context, c *credo.Case, d *credo.CaseDecision, t target) error {
	if err := s.follow(ctx, c, d, t, d.At.Time); err != nil {
		return err
	}
	s.fail("case.followed")
	if t.record != nil && d.Outcome == credo.OutcomeApproved {
		if err := s.regrade(ctx, c.Subject, credo.Cause{Kind: credo.CauseCase, Case: c.ID}); err != nil {
			return err
		}
	}
	s.fail("case.regraded")
	return s.notifyDecided(ctx, c, d)
}

// follow ends the list entry a decision overturned or repaired, unless it
// ended already by this case (a decision made again after an
// interruption completes what the first did not).
func (s *Service) follow(ctx context.Context, c *credo.Case, d *credo.CaseDecision, t target, now time.Time) error {
	if t.entry == nil || (d.Outcome != credo.OutcomeRetracted && d.Outcome != credo.OutcomeApproved) {
		return nil
	}
	if end := endedBy(t.entry, now); end != nil {
		return nil // by this case, or another end came first: nothing to do
	}
	reason, note := credo.EndOverturned, "objection "+strconv.FormatInt(c.ID, 10)+" succeeded: "+d.Reasons
	if d.Outcome == credo.OutcomeApproved {
		reason, note = credo.EndRepaired, "credit repair "+strconv.FormatInt(c.ID, 10)+" approved: "+d.Reasons
	}
	if t.entry.StateAt(now).Status == credo.ListEnded {
		return nil // its term ran out meanwhile
	}
	_, err := s.end(ctx, t.entry, reason, note, d.Actor, c.ID, d.At.Time)
	return err
}

// endedBy returns the stored transition that ended e by t, or nil.
func endedBy(e *credo.ListEntry, t time.Time) *credo.ListTransition {
	for i := range e.Transitions {
		if tr := &e.Transitions[i]; !tr.At.After(t) && !tr.RecordedAt.After(t) {
			return tr
		}
	}
	return nil
}

func optionalText(field, v string, max int) error {
	if v == "" {
		return nil
	}
	return text(field, v, max)
}

// supersede appends rec, superseding the record objected to, as that
// record's authority, through the one submission path (validated, and the
// organization regraded before it returns). It returns the new record's id.
func (s *Service) supersede(ctx context.Context, old *credo.Record, c *credo.Case, rec *credo.Record) (int64, error) {
	if s.Ingester == nil {
		return 0, credo.Errorf(credo.EUNAVAILABLE, "corrections are not available on this server")
	}
	a, err := s.Store.Authority(ctx, old.Authority)
	if err != nil {
		return 0, err
	}
	r := *rec
	if r.Subject == "" {
		r.Subject = old.Subject
	}
	if r.Subject != old.Subject {
		return 0, credo.FieldError("correction.subject", "mismatch", "a correction is about the same organization, %s", old.Subject)
	}
	if r.ExternalID == "" {
		r.ExternalID = "objection-" + strconv.FormatInt(c.ID, 10) + "-corrects-" + strconv.FormatInt(old.ID, 10)
	}
	if r.Supersedes != 0 && r.Supersedes != old.ID || r.SupersedesExternalID != "" && r.SupersedesExternalID != old.ExternalID {
		return 0, credo.FieldError("correction.supersedes", "mismatch", "a correction supersedes the record objected to, %d", old.ID)
	}
	r.Supersedes, r.SupersedesExternalID = old.ID, ""
	r.Authority = ""
	line, err := encodeLine(&r)
	if err != nil {
		return 0, err
	}
	b := s.Ingester.PrepareRecords(ctx, a, []ingest.Line{{Number: 1, Data: line}})
	res, err := s.Ingester.Commit(ctx, b)
	if err != nil {
		return 0, err
	}
	if res[0].Status == credo.Refused {
		e := *res[0].Error
		if e.Field != "" {
			e.Field = "correction." + e.Field
		}
		return 0, &e
	}
	return res[0].ID, nil
}

// notifyDecided tells the organization how its case was decided.
func (s *Service) notifyDecided(ctx context.Context, c *credo.Case, d *credo.CaseDecision) error {
	kind, what := credo.NoticeObjection, "objection"
	if c.Kind == credo.CaseRepair {
		kind, what = credo.NoticeRepair, "credit repair application"
	}
	var opts []string
	switch d.Outcome {
	case credo.OutcomeUpheld:
		opts = []string{"The decision stands. You may apply for administrative reconsideration or bring an administrative lawsuit against the original decision."}
	case credo.OutcomeRejected:
		opts = []string{"You may apply again with further evidence: POST /v1/repairs."}
	case credo.OutcomeCorrected:
		opts = []string{fmt.Sprintf("Record %d now replaces the record objected to; your grade was recomputed.", d.Record)}
	default:
		opts = []string{"Your grade was recomputed: GET /v1/subjects/" + c.Subject + "/assessment"}
	}
	return s.notify(ctx, &credo.Notice{
		Audience: c.Subject, Subject: c.Subject, Kind: kind, At: d.At,
		What:    fmt.Sprintf("Your %s %d about %s %d was decided: %s.", what, c.ID, c.Target.Kind, c.Target.ID, d.Outcome),
		Why:     d.Reasons + " (by " + d.Actor + ")",
		Options: opts, Refs: credo.Refs{Case: c.ID, Record: d.Record},
		Key: "decided:" + strconv.FormatInt(c.ID, 10),
	})
}
