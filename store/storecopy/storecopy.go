// Package storecopy moves a whole registry from one store to another
// (typically the embedded SQLite store into PostgreSQL) exactly: ids,
// versions, times, token hashes and the person-key secret are kept, and so
// is due process: list entries with their keys and transitions, cases with
// their decisions (and the repairs of records approved ones made), accounts
// with their token hashes, and notices with their keys.
//
// A copy is resumable: every batch is restored atomically and in source
// order, so what a target holds after an interruption is a prefix of the
// source; a new run skips each batch whose last item the target already
// has and restores the rest (Restore* skip what is stored). Every copy ends
// by verifying counts and checksums of both sides.
//
// Copy from a registry nobody writes to meanwhile (a stopped node's data
// folder): what is written to the source during a copy may be missed, and
// the verification then fails. The target may be written to after a copy
// by the registry itself: the regrade that ends `credo copy` brings
// rule-defined lists current, which adds list entries, transitions and
// notices. Those have ids above all the source's, and a later run (to
// check a copy) counts them apart (Report.Later) rather than as a
// mismatch; anything else the target holds and the source does not is a
// mismatch.
package storecopy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// PersonKeySecret is the name of the secret person keys are derived from.
// The target must hold the source's, or the same person would get another
// key there.
const PersonKeySecret = credo.PersonKeySecret

// batchSize is how many subject versions, records, list entries, cases or
// notices are read and restored at a time.
var batchSize = 2000

// Progress tells how far a copy has got.
type Progress struct {
	Stage  string // "changes", "ledger", "authorities", "secrets", "rulebooks", "subjects", "records", "list entries", "cases", "accounts", "notices", "annual reports" or "verify"
	Done   int64  // items of the stage read (from the source; when verifying, from the target)
	Copied int64  // of those, how many went to the target; the rest were found there already
}

func (p Progress) String() string {
	if p.Stage == "verify" {
		return fmt.Sprintf("verify: %d read back", p.Done)
	}
	return fmt.Sprintf("%s: %d read, %d copied", p.Stage, p.Done, p.Copied)
}

// Report is what a verified copy holds: authorities, subject versions,
// records, list entries, cases, accounts and notices (the same on both
// sides), and the checksum both sides have.
type Report struct {
	Authorities int64 `json:"authorities"`
	Subjects    int64 `json:"subjects"` // subject versions
	Records     int64 `json:"records"`
	ListEntries int64 `json:"list_entries"`
	Cases       int64 `json:"cases"`
	Accounts    int64 `json:"accounts"`
	Notices     int64 `json:"notices"`
	Changes     int64 `json:"changes"` // of the change log
	// AnnualReports counts report versions.
	AnnualReports int64 `json:"annual_reports"`
	// Replies counts organizations' published replies.
	Replies int64 `json:"replies"`
	// Relationships counts relationship versions.
	Relationships int64 `json:"relationships"`
	// IssuedReports counts issued credit reports.
	IssuedReports int64 `json:"issued_reports"`
	// Ledger counts the ledger's leaves and checkpoints (the tree, with
	// the salts that open its leaves: the copy verifies the same).
	Ledger int64 `json:"ledger"`
	// Later counts the list entries, list transitions, notices and
	// changes the target holds with ids (positions) above every one of
	// the source's: what the registry wrote there itself after the copy
	// (the regrade that ends `credo copy` brings rule-defined lists
	// current and notifies; creating authorities and publishing rulebooks
	// on the target is logged there). They are not compared, nor counted
	// above.
	Later    int64  `json:"later,omitempty"`
	Checksum string `json:"checksum"` // sha256, hex
}

// ErrMismatch is wrapped by the error Copy returns when the target, after
// copying, does not hold what the source holds.
var ErrMismatch = errors.New("the copy does not match the source")

// Copy copies everything in from into to, reporting progress (when not
// nil) after each batch, and verifies the result. Run it again after an
// interruption to continue.
func Copy(ctx context.Context, from, to credo.Store, progress func(Progress)) (Report, error) {
	if progress == nil {
		progress = func(Progress) {}
	}
	src := newSums()
	// The log first, while the target's is empty, so that its positions
	// are the source's: copying authorities and rulebooks below appends
	// their creation to the target's log again, after them (Later).
	if err := copyChanges(ctx, from, to, src, progress); err != nil {
		return Report{}, err
	}
	if err := copyLedger(ctx, from, to, progress); err != nil {
		return Report{}, err
	}
	if err := copyAuthorities(ctx, from, to, src, progress); err != nil {
		return Report{}, err
	}
	if err := copySecret(ctx, from, to, progress); err != nil {
		return Report{}, err
	}
	if err := copyRulebooks(ctx, from, to, progress); err != nil {
		return Report{}, err
	}
	if err := copySubjects(ctx, from, to, src, progress); err != nil {
		return Report{}, err
	}
	if err := copyRecords(ctx, from, to, src, progress); err != nil {
		return Report{}, err
	}
	// Due process after records: cases are about records and list
	// entries, and approved repairs of records mark them repaired.
	if err := copyListEntries(ctx, from, to, src, progress); err != nil {
		return Report{}, err
	}
	if err := copyCases(ctx, from, to, src, progress); err != nil {
		return Report{}, err
	}
	if err := copyAccounts(ctx, from, to, src, progress); err != nil {
		return Report{}, err
	}
	if err := copyNotices(ctx, from, to, src, progress); err != nil {
		return Report{}, err
	}
	if err := copyAnnualReports(ctx, from, to, src, progress); err != nil {
		return Report{}, err
	}
	if err := copyByID(ctx, "replies", from.ScanReplies, to.ScanReplies, to.RestoreReplies,
		func(r *credo.Reply) int64 { return r.ID }, noErr(src.reply), progress); err != nil {
		return Report{}, err
	}
	// After subjects: restoring registration versions derives nothing, so
	// the relationships are the source's, ids and all.
	if err := copyByID(ctx, "relationships", from.ScanRelationships, to.ScanRelationships, to.RestoreRelationships,
		func(r *credo.Relationship) int64 { return r.ID }, noErr(src.relationship), progress); err != nil {
		return Report{}, err
	}
	if err := copyIssuedReports(ctx, from, to, src, progress); err != nil {
		return Report{}, err
	}
	return verify(ctx, from, to, src, progress)
}

func copyAuthorities(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) error {
	as, err := from.Authorities(ctx)
	if err != nil {
		return fmt.Errorf("storecopy: listing the source's authorities: %w", err)
	}
	p := Progress{Stage: "authorities"}
	for _, a := range as {
		tokens, err := from.AuthorityTokens(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("storecopy: reading the tokens of authority %s: %w", a.ID, err)
		}
		src.authority(a, tokens)
		have, err := to.AuthorityTokens(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("storecopy: reading the target's tokens of authority %s: %w", a.ID, err)
		}
		_, err = to.Authority(ctx, a.ID)
		switch {
		case credo.ErrorCodeOf(err) == credo.ENOTFOUND:
			if len(tokens) == 0 {
				return fmt.Errorf("storecopy: authority %s has no token, and a store takes no authority without one", a.ID)
			}
			if err := to.CreateAuthority(ctx, a, tokens[0]); err != nil {
				return fmt.Errorf("storecopy: creating authority %s: %w", a.ID, err)
			}
			have = tokens[:1]
			p.Copied++
		case err != nil:
			return fmt.Errorf("storecopy: reading the target's authority %s: %w", a.ID, err)
		}
		for _, h := range tokens {
			if !slices.Contains(have, h) {
				if err := to.AddToken(ctx, a.ID, h); err != nil {
					return fmt.Errorf("storecopy: adding a token of authority %s: %w", a.ID, err)
				}
			}
		}
		p.Done++
	}
	progress(p)
	return nil
}

// copySecret gives the target the source's person-key check (and the
// person-key secret itself, from a store that still holds it: it moves out
// of the target too on the next start). The key file stays with the
// operator: the target's nodes are given the same file. Nothing is
// created in a source that holds neither.
func copySecret(ctx context.Context, from, to credo.Store, progress func(Progress)) error {
	var copied int64
	for _, name := range []string{PersonKeySecret, credo.PersonKeyCheckSecret, credo.LedgerKeySecret} {
		secret, err := from.StoredSecret(ctx, name)
		if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
			continue
		}
		if err != nil {
			return fmt.Errorf("storecopy: reading the source's %s secret: %w", name, err)
		}
		if err := to.RestoreSecret(ctx, name, secret); err != nil {
			return fmt.Errorf("storecopy: storing the %s secret: %w", name, err)
		}
		got, err := to.StoredSecret(ctx, name)
		if err != nil {
			return fmt.Errorf("storecopy: reading the target's %s secret: %w", name, err)
		}
		if !bytes.Equal(got, secret) {
			return fmt.Errorf("storecopy: %w: the target already holds another %s secret, so its person keys would differ from the source's; copy into an empty registry",
				ErrMismatch, name)
		}
		copied++
	}
	progress(Progress{Stage: "secrets", Done: copied, Copied: copied})
	return nil
}

func copySubjects(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) error {
	p := Progress{Stage: "subjects"}
	code, version := "", 0
	for {
		page, err := from.ScanSubjects(ctx, code, version, batchSize)
		if err != nil {
			return fmt.Errorf("storecopy: reading the source's subjects after %s/%d: %w", code, version, err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, s := range page {
			src.subject(s)
		}
		last := page[len(page)-1]
		there, err := hasSubject(ctx, to, last)
		if err != nil {
			return err
		}
		if !there {
			if err := to.RestoreSubjects(ctx, page); err != nil {
				return fmt.Errorf("storecopy: restoring subjects up to %s/%d: %w", last.Code, last.Version, err)
			}
			p.Copied += int64(len(page))
		}
		p.Done += int64(len(page))
		progress(p)
		code, version = last.Code, last.Version
	}
}

// hasSubject reports whether to holds the version s.
func hasSubject(ctx context.Context, to credo.Store, s *credo.Subject) (bool, error) {
	next, err := to.ScanSubjects(ctx, s.Code, s.Version-1, 1)
	if err != nil {
		return false, fmt.Errorf("storecopy: reading the target's subjects: %w", err)
	}
	return len(next) == 1 && next[0].Code == s.Code && next[0].Version == s.Version, nil
}

func copyRecords(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) error {
	return copyByID(ctx, "records", from.ScanRecords, to.ScanRecords, to.RestoreRecords,
		func(r *credo.Record) int64 { return r.ID }, noErr(src.record), progress)
}

func copyListEntries(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) error {
	return copyByID(ctx, "list entries", from.ScanListEntries, to.ScanListEntries, to.RestoreListEntries,
		func(e *credo.ListEntry) int64 { return e.ID }, noErr(src.listEntry), progress)
}

// copyCases copies cases with their decisions; restoring an approved
// repair of a record marks the record repaired on the target.
func copyCases(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) error {
	return copyByID(ctx, "cases", from.ScanCases, to.ScanCases, to.RestoreCases,
		func(c *credo.Case) int64 { return c.ID }, func(c *credo.Case) error { return src.caseItem(ctx, from, c) }, progress)
}

func copyNotices(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) error {
	return copyByID(ctx, "notices", from.ScanNotices, to.ScanNotices, to.RestoreNotices,
		func(n *credo.Notice) int64 { return n.ID }, noErr(src.notice), progress)
}

// copyByID copies one kind of item that is scanned by id, a batch at a
// time: a batch whose last item the target holds was restored before (a
// restore is atomic and in order) and is skipped.
func copyByID[T any](ctx context.Context, stage string,
	scanFrom, scanTo func(ctx context.Context, afterID int64, limit int) ([]T, error),
	restore func(ctx context.Context, items []T) error,
	id func(T) int64, sum func(T) error, progress func(Progress)) error {
	p := Progress{Stage: stage}
	var after int64
	for {
		page, err := scanFrom(ctx, after, batchSize)
		if err != nil {
			return fmt.Errorf("storecopy: reading the source's %s after id %d: %w", stage, after, err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, item := range page {
			if err := sum(item); err != nil {
				return err
			}
		}
		last := id(page[len(page)-1])
		next, err := scanTo(ctx, last-1, 1)
		if err != nil {
			return fmt.Errorf("storecopy: reading the target's %s: %w", stage, err)
		}
		if len(next) == 0 || id(next[0]) != last {
			if err := restore(ctx, page); err != nil {
				return fmt.Errorf("storecopy: restoring %s up to id %d: %w", stage, last, err)
			}
			p.Copied += int64(len(page))
		}
		p.Done += int64(len(page))
		progress(p)
		after = last
	}
}

// noErr adapts a checksum of items that cannot fail to copyByID.
func noErr[T any](sum func(T)) func(T) error {
	return func(item T) error { sum(item); return nil }
}

// copyAccounts copies every account with its token hashes, each in one
// restore. An account the target holds already is left as it is: an
// interrupted copy cannot leave one part way, so one that differs was
// written to the target otherwise, and verification tells.
func copyAccounts(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) error {
	as, err := from.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("storecopy: listing the source's accounts: %w", err)
	}
	p := Progress{Stage: "accounts"}
	for _, a := range as {
		tokens, err := from.AccountTokens(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("storecopy: reading the tokens of account %s: %w", a.ID, err)
		}
		src.account(a, tokens)
		_, err = to.Account(ctx, a.ID)
		missing := credo.ErrorCodeOf(err) == credo.ENOTFOUND
		if err != nil && !missing {
			return fmt.Errorf("storecopy: reading the target's account %s: %w", a.ID, err)
		}
		if missing {
			if err := to.RestoreAccount(ctx, a, tokens); err != nil {
				return fmt.Errorf("storecopy: restoring account %s: %w", a.ID, err)
			}
			p.Copied++
		}
		p.Done++
	}
	progress(p)
	return nil
}

// verify reads the whole target back and compares it with what was read
// from the source, part by part, and the two stores' counts.
func verify(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) (Report, error) {
	dst := newSums()
	dst.bound = src
	as, err := to.Authorities(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("storecopy: verifying: %w", err)
	}
	for _, a := range as {
		tokens, err := to.AuthorityTokens(ctx, a.ID)
		if err != nil {
			return Report{}, fmt.Errorf("storecopy: verifying: %w", err)
		}
		dst.authority(a, tokens)
	}
	p := Progress{Stage: "verify"}
	code, version := "", 0
	for {
		page, err := to.ScanSubjects(ctx, code, version, batchSize)
		if err != nil {
			return Report{}, fmt.Errorf("storecopy: verifying: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, s := range page {
			dst.subject(s)
		}
		p.Done += int64(len(page))
		progress(p)
		code, version = page[len(page)-1].Code, page[len(page)-1].Version
	}
	if err := readBack(ctx, to.ScanRecords, func(r *credo.Record) int64 { return r.ID }, noErr(dst.record), &p, progress); err != nil {
		return Report{}, err
	}
	if err := readBack(ctx, to.ScanListEntries, func(e *credo.ListEntry) int64 { return e.ID }, noErr(dst.listEntry), &p, progress); err != nil {
		return Report{}, err
	}
	if err := readBack(ctx, to.ScanCases, func(c *credo.Case) int64 { return c.ID },
		func(c *credo.Case) error { return dst.caseItem(ctx, to, c) }, &p, progress); err != nil {
		return Report{}, err
	}
	accounts, err := to.Accounts(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("storecopy: verifying: %w", err)
	}
	for _, a := range accounts {
		tokens, err := to.AccountTokens(ctx, a.ID)
		if err != nil {
			return Report{}, fmt.Errorf("storecopy: verifying: %w", err)
		}
		dst.account(a, tokens)
	}
	if err := readBack(ctx, to.ScanNotices, func(n *credo.Notice) int64 { return n.ID }, noErr(dst.notice), &p, progress); err != nil {
		return Report{}, err
	}
	if err := readBack(ctx, scanChanges(to), position, noErr(dst.change), &p, progress); err != nil {
		return Report{}, err
	}
	if err := eachAnnualReport(ctx, to, func(rs []*credo.AnnualReport) error {
		for _, r := range rs {
			dst.annualReport(r)
		}
		return nil
	}); err != nil {
		return Report{}, fmt.Errorf("storecopy: verifying: %w", err)
	}
	if err := readBack(ctx, to.ScanReplies, func(r *credo.Reply) int64 { return r.ID }, noErr(dst.reply), &p, progress); err != nil {
		return Report{}, err
	}
	if err := readBack(ctx, to.ScanRelationships, func(r *credo.Relationship) int64 { return r.ID }, noErr(dst.relationship), &p, progress); err != nil {
		return Report{}, err
	}
	if err := eachIssuedReport(ctx, to, func(rs []*credo.IssuedReport) error {
		for _, r := range rs {
			dst.issuedReport(r)
		}
		return nil
	}); err != nil {
		return Report{}, fmt.Errorf("storecopy: verifying: %w", err)
	}

	size, _, err := from.LedgerSize(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("storecopy: verifying: %w", err)
	}
	if err := src.sumLedger(ctx, from, size); err != nil {
		return Report{}, err
	}
	if err := dst.sumLedger(ctx, to, size); err != nil {
		return Report{}, fmt.Errorf("storecopy: verifying: %w", err)
	}
	rep := Report{Authorities: dst.n[partAuthorities], Subjects: dst.n[partSubjects], Records: dst.n[partRecords],
		ListEntries: dst.n[partListEntries], Cases: dst.n[partCases], Accounts: dst.n[partAccounts],
		Notices: dst.n[partNotices], Changes: dst.n[partChanges], AnnualReports: dst.n[partAnnualReports], Replies: dst.n[partReplies],
		Relationships: dst.n[partRelationships], IssuedReports: dst.n[partIssuedReports], Ledger: dst.n[partLedger], Later: dst.later, Checksum: dst.total()}
	var problems []string
	for i, part := range partNames {
		s, d := hex.EncodeToString(src.h[i].Sum(nil)), hex.EncodeToString(dst.h[i].Sum(nil))
		if src.n[i] != dst.n[i] || s != d {
			problems = append(problems, fmt.Sprintf("%s: source %d (sha256 %.12s), target %d (sha256 %.12s)", part, src.n[i], s, dst.n[i], d))
		}
	}
	fs, err := from.Stats(ctx)
	if err != nil {
		return rep, fmt.Errorf("storecopy: verifying: %w", err)
	}
	ts, err := to.Stats(ctx)
	if err != nil {
		return rep, fmt.Errorf("storecopy: verifying: %w", err)
	}
	if fs != ts {
		problems = append(problems, fmt.Sprintf("stats: source %+v, target %+v", fs, ts))
	}
	if len(problems) > 0 {
		return rep, fmt.Errorf("storecopy: %w: %v", ErrMismatch, problems)
	}
	return rep, nil
}

// readBack scans every item of one kind, by id, into sum.
func readBack[T any](ctx context.Context, scan func(ctx context.Context, afterID int64, limit int) ([]T, error),
	id func(T) int64, sum func(T) error, p *Progress, progress func(Progress)) error {
	var after int64
	for {
		page, err := scan(ctx, after, batchSize)
		if err != nil {
			return fmt.Errorf("storecopy: verifying: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, item := range page {
			if err := sum(item); err != nil {
				return err
			}
		}
		p.Done += int64(len(page))
		progress(*p)
		after = id(page[len(page)-1])
	}
}

// The parts a copy is verified by, each with its own count and checksum.
const (
	partAuthorities = iota
	partSubjects
	partRecords
	partListEntries
	partCases
	partRepairs
	partAccounts
	partNotices
	partChanges
	partAnnualReports
	partReplies
	partRelationships
	partIssuedReports
	partLedger
	numParts
)

var partNames = [numParts]string{"authorities", "subject versions", "records", "list entries", "cases",
	"record repairs", "accounts", "notices", "changes", "annual reports", "replies", "relationships", "issued reports", "ledger"}

// sums hashes what a store holds, part by part: authorities and accounts
// (in id order, with their sorted token hashes), subject versions (by code
// and version), records, list entries (with their keys and transitions),
// cases (with their decisions) and notices (with their keys), by id, and
// the repair times of the records approved repairs are about (by case id).
// Each item is hashed by what identifies its content.
//
// The target's sums are bounded by the source's (bound): list entries,
// list transitions and notices the registry itself may write (when it
// regrades) with ids above the source's highest are counted in later and
// left out.
type sums struct {
	h [numParts]hash.Hash
	n [numParts]int64

	maxEntry, maxTransition, maxNotice int64 // the highest ids summed
	maxChange                          int64 // the highest position summed
	bound                              *sums
	later                              int64
}

func newSums() *sums {
	s := new(sums)
	for i := range s.h {
		s.h[i] = sha256.New()
	}
	return s
}

func (s *sums) add(part int, fields ...any) {
	h := s.h[part]
	var buf [8]byte
	for _, f := range fields {
		switch v := f.(type) {
		case string:
			binary.LittleEndian.PutUint64(buf[:], uint64(len(v)))
			h.Write(buf[:])
			h.Write([]byte(v))
		case int64:
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			h.Write(buf[:])
		}
	}
	s.n[part]++
}

// jsonOf is v's deterministic JSON: every field it shows, times to the
// nanosecond.
func jsonOf(v any) string {
	b, _ := json.Marshal(v, json.Deterministic(true))
	return string(b)
}

func (s *sums) authority(a *credo.Authority, tokens []string) {
	s.add(partAuthorities, holder(jsonOf(a), tokens)...)
}

func (s *sums) account(a *credo.Account, tokens []string) {
	s.add(partAccounts, holder(jsonOf(a), tokens)...)
}

// holder is the fields of a token holder: its JSON, then its sorted token
// hashes.
func holder(body string, tokens []string) []any {
	tokens = slices.Sorted(slices.Values(tokens))
	fields := []any{body, int64(len(tokens))}
	for _, t := range tokens {
		fields = append(fields, t)
	}
	return fields
}

func (s *sums) subject(v *credo.Subject) {
	s.add(partSubjects, v.Code, int64(v.Version), v.ContentHash(), v.Authority, v.RecordedAt.UnixNano())
}

func (s *sums) record(r *credo.Record) {
	s.add(partRecords, r.ID, r.Authority, r.ContentHashHex(), r.RecordedAt.UnixNano(), r.Supersedes, r.SupersededBy)
}

// listEntry hashes an entry by its JSON (its content and times), its Key
// and ContentHash, and its transitions (which the JSON leaves out).
func (s *sums) listEntry(e *credo.ListEntry) {
	ts := e.Transitions
	if b := s.bound; b != nil {
		if e.ID > b.maxEntry {
			s.later += int64(1 + len(ts))
			return
		}
		ts = slices.DeleteFunc(slices.Clone(ts), func(t credo.ListTransition) bool { return t.ID > b.maxTransition })
		s.later += int64(len(e.Transitions) - len(ts))
	}
	s.maxEntry = max(s.maxEntry, e.ID)
	for _, t := range ts {
		s.maxTransition = max(s.maxTransition, t.ID)
	}
	s.add(partListEntries, e.ID, e.Key, e.ContentHash(), jsonOf(e), jsonOf(ts))
}

// caseItem hashes a case with its decision and, for an approved repair of
// a record, the record's RepairedAt as st reads it.
func (s *sums) caseItem(ctx context.Context, st credo.Store, c *credo.Case) error {
	s.add(partCases, c.ID, jsonOf(c))
	if d := c.Decision; d != nil && c.Kind == credo.CaseRepair && d.Outcome == credo.OutcomeApproved && c.Target.Kind == credo.TargetRecord {
		r, err := st.Record(ctx, c.Target.ID)
		if err != nil {
			return fmt.Errorf("storecopy: reading record %d, repaired by case %d: %w", c.Target.ID, c.ID, err)
		}
		repaired := int64(0) // not repaired (a copy that lost the repair)
		if !r.RepairedAt.IsZero() {
			repaired = r.RepairedAt.UnixNano()
		}
		s.add(partRepairs, c.ID, r.ID, repaired)
	}
	return nil
}

func (s *sums) notice(n *credo.Notice) {
	if s.bound != nil && n.ID > s.bound.maxNotice {
		s.later++
		return
	}
	s.maxNotice = max(s.maxNotice, n.ID)
	s.add(partNotices, n.ID, n.Key, jsonOf(n))
}

// reply hashes a published reply by id.
func (s *sums) reply(r *credo.Reply) {
	s.add(partReplies, r.ID, jsonOf(r))
}

// change hashes a change of the log in its canonical form (credo.Change).
func (s *sums) change(c *credo.Change) {
	if s.bound != nil && c.Position > s.bound.maxChange {
		s.later++
		return
	}
	s.maxChange = max(s.maxChange, c.Position)
	s.add(partChanges, c.Position, jsonOf(c))
}

// scanChanges reads a store's log as copyByID scans.
func scanChanges(st credo.Store) func(ctx context.Context, after int64, limit int) ([]*credo.Change, error) {
	return func(ctx context.Context, after int64, limit int) ([]*credo.Change, error) {
		return st.Changes(ctx, credo.ChangeQuery{After: after, Limit: limit})
	}
}

func position(c *credo.Change) int64 { return c.Position }

// copyChanges copies the change log, positions and all, and then the
// positions its consumers have reached.
func copyChanges(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) error {
	if err := copyByID(ctx, "changes", scanChanges(from), scanChanges(to), to.RestoreChanges, position, noErr(src.change), progress); err != nil {
		return err
	}
	cursors, err := from.Cursors(ctx)
	if err != nil {
		return fmt.Errorf("storecopy: reading the source's cursors: %w", err)
	}
	for name, pos := range cursors {
		if err := to.SaveCursor(ctx, name, pos); err != nil {
			return fmt.Errorf("storecopy: restoring cursor %s: %w", name, err)
		}
	}
	return nil
}

func (s *sums) relationship(r *credo.Relationship) {
	s.add(partRelationships, r.ID, jsonOf(r))
}

func (s *sums) annualReport(r *credo.AnnualReport) {
	s.add(partAnnualReports, r.Subject, int64(r.Year), int64(r.Version), r.FiledAt.UnixNano(), jsonOf(r))
}

// eachAnnualReport calls fn with the reports of each organization st
// holds registration data of, by code (reports of codes never registered
// are not reached: annual reports are filed by registered organizations).
func eachAnnualReport(ctx context.Context, st credo.Store, fn func([]*credo.AnnualReport) error) error {
	code, version := "", 1<<30
	for {
		page, err := st.ScanSubjects(ctx, code, version, batchSize)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, s := range page {
			if s.Code == code {
				continue
			}
			code = s.Code
			rs, err := st.AnnualReports(ctx, code)
			if err != nil {
				return err
			}
			if len(rs) > 0 {
				if err := fn(rs); err != nil {
					return err
				}
			}
		}
		code, version = page[len(page)-1].Code, 1<<30
	}
}

// copyAnnualReports copies every version of every report with its
// version, time and filer (RestoreAnnualReports, which logs nothing: the
// log came with copyChanges); versions the target holds already are
// skipped, so a copy can be resumed.
func copyAnnualReports(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) error {
	p := Progress{Stage: "annual reports"}
	err := eachAnnualReport(ctx, from, func(rs []*credo.AnnualReport) error {
		there, err := to.AnnualReports(ctx, rs[0].Subject)
		if err != nil {
			return err
		}
		var missing []*credo.AnnualReport
		for _, r := range rs {
			src.annualReport(r)
			p.Done++
			if !slices.ContainsFunc(there, func(x *credo.AnnualReport) bool { return x.Year == r.Year && x.Version == r.Version }) {
				missing = append(missing, r)
			}
		}
		if len(missing) > 0 {
			if err := to.RestoreAnnualReports(ctx, missing); err != nil {
				return fmt.Errorf("restoring the annual reports of %s: %w", rs[0].Subject, err)
			}
			p.Copied += int64(len(missing))
		}
		progress(p)
		return nil
	})
	if err != nil {
		return fmt.Errorf("storecopy: %w", err)
	}
	return nil
}

func (s *sums) issuedReport(r *credo.IssuedReport) {
	s.add(partIssuedReports, r.Number, jsonOf(r))
}

// eachIssuedReport calls fn with the issued reports st holds, a page at a
// time, in the order they were issued: those its log's report.issued
// changes name (up to the source's last change when bounded), each read
// with its status and withdrawal.
func eachIssuedReport(ctx context.Context, st credo.Store, fn func([]*credo.IssuedReport) error) error {
	after := int64(0)
	for {
		changes, err := st.Changes(ctx, credo.ChangeQuery{After: after, Types: []string{credo.ChangeReportIssued}, Limit: batchSize})
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		page := make([]*credo.IssuedReport, 0, len(changes))
		for _, c := range changes {
			r, err := st.IssuedReport(ctx, c.Ref)
			if err != nil {
				return fmt.Errorf("reading issued report %s: %w", c.Ref, err)
			}
			page = append(page, r)
		}
		if err := fn(page); err != nil {
			return err
		}
		after = changes[len(changes)-1].Position
	}
}

// copyIssuedReports copies the issued reports the source's log names, in
// the order they were issued, with their withdrawals
// (RestoreIssuedReports, which logs nothing: the log came with
// copyChanges); numbers the target holds already are skipped, so a copy
// can be resumed.
func copyIssuedReports(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) error {
	p := Progress{Stage: "issued reports"}
	err := eachIssuedReport(ctx, from, func(rs []*credo.IssuedReport) error {
		for _, r := range rs {
			src.issuedReport(r)
		}
		p.Done += int64(len(rs))
		if err := to.RestoreIssuedReports(ctx, rs); err != nil {
			return fmt.Errorf("restoring issued reports: %w", err)
		}
		p.Copied += int64(len(rs))
		progress(p)
		return nil
	})
	if err != nil {
		return fmt.Errorf("storecopy: %w", err)
	}
	return nil
}

// total is the checksum of the parts together.
func (s *sums) total() string {
	h := sha256.New()
	for i := range s.h {
		h.Write(s.h[i].Sum(nil))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// copyRulebooks copies every published rulebook version, in publication
// order, so that past assessments stay reproducible on the target. A
// version the target already has must have the same content. Assessments
// are not copied: they are recomputed from records and rulebooks (credo
// rescore) on the target.
func copyRulebooks(ctx context.Context, from, to credo.Store, progress func(Progress)) error {
	books, err := from.Rulebooks(ctx)
	if err != nil {
		return fmt.Errorf("storecopy: reading rulebooks: %w", err)
	}
	p := Progress{Stage: "rulebooks"}
	for _, rb := range books {
		p.Done++
		err := to.PublishRulebook(ctx, rb)
		if credo.ErrorCodeOf(err) == credo.ECONFLICT {
			have, gerr := to.Rulebook(ctx, rb.ID, rb.Version)
			if gerr != nil {
				return fmt.Errorf("storecopy: rulebook %s %s: %w", rb.ID, rb.Version, gerr)
			}
			if have.Hash != rb.Hash {
				return fmt.Errorf("%w: rulebook %s %s is published on the target with other content", ErrMismatch, rb.ID, rb.Version)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("storecopy: rulebook %s %s: %w", rb.ID, rb.Version, err)
		}
		p.Copied++
	}
	progress(p)
	return nil
}
