// Package storecopy moves a whole registry from one store to another
// (typically the embedded SQLite store into PostgreSQL) exactly: ids,
// versions, times, token hashes and the person-key secret are kept, and so
// is due process: list entries with their keys and transitions, cases with
// their decisions (and the repairs of records approved ones made), accounts
// with their token hashes, notices with their keys, and the watchlists and
// webhook endpoints of monitoring with their secrets.
//
// The change log is copied first, positions and all, and then the ledger
// built over it. The log names every record, registration version, list
// entry, case, account, authority, rulebook, annual report, reply,
// relationship and issued report, but holds a summary of each, not its
// content, so the items themselves are read from the source and stored
// with their ids (the Restore* methods): the copy reads the items the
// log names by walking the log where no other read reaches them (annual
// reports, replies, issued reports).
//
// Every part of the registry is read the same way to copy it from the
// source and to verify it on the target (a part), so a part added to the
// registry is one entry in parts.
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

// batchSize is how many items of a part are read and restored at a time.
var batchSize = 2000

// Progress tells how far a copy has got.
type Progress struct {
	Stage  string // "changes", "ledger", "secrets", "rulebooks", a part's name (parts) or "verify"
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
	// Watchlists counts the watchlists carried (with their members), and
	// Webhooks their endpoints (with their secrets).
	Watchlists int64 `json:"watchlists"`
	Webhooks   int64 `json:"webhooks"`
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
	if err := copyPart(ctx, changesPart, from, to, src, progress); err != nil {
		return Report{}, err
	}
	if err := copyCursors(ctx, from, to); err != nil {
		return Report{}, err
	}
	if err := copyLedger(ctx, from, to, progress); err != nil {
		return Report{}, err
	}
	if err := copySecret(ctx, from, to, progress); err != nil {
		return Report{}, err
	}
	if err := copyRulebooks(ctx, from, to, progress); err != nil {
		return Report{}, err
	}
	for _, pt := range parts[1:] {
		if err := copyPart(ctx, pt, from, to, src, progress); err != nil {
			return Report{}, err
		}
	}
	return verify(ctx, from, to, src, progress)
}

// A part is one kind of item. each reads st's items in order, a batch at
// a time: it sums each batch into s and then calls fn with its size and
// put, which stores the batch into a target unless the target holds it
// (and reports whether it stored it).
type part struct {
	name string
	each func(ctx context.Context, st credo.Store, s *sums, fn func(n int, put putFunc) error) error
}

type putFunc func(ctx context.Context, to credo.Store) (bool, error)

// parts are the registry's parts, in the order they are copied: the log
// first (see Copy), authorities before what they wrote, due process after
// records (cases are about records and list entries, and approved repairs
// of records mark them repaired), relationships after subjects (restoring
// registration versions derives nothing, so the relationships are the
// source's, ids and all), endpoints after the accounts that own them.
var parts = []part{
	changesPart,
	{"authorities", eachAuthority},
	{"subjects", eachSubject},
	byID("records", credo.Store.ScanRecords, credo.Store.RestoreRecords, func(r *credo.Record) int64 { return r.ID }, plain((*sums).record)),
	byID("list entries", credo.Store.ScanListEntries, credo.Store.RestoreListEntries, func(e *credo.ListEntry) int64 { return e.ID }, plain((*sums).listEntry)),
	byID("cases", credo.Store.ScanCases, credo.Store.RestoreCases, func(c *credo.Case) int64 { return c.ID }, (*sums).caseItem),
	{"accounts", eachAccount},
	byID("notices", credo.Store.ScanNotices, credo.Store.RestoreNotices, func(n *credo.Notice) int64 { return n.ID }, plain((*sums).notice)),
	{"annual reports", eachAnnualReport},
	{"replies", eachReply},
	byID("relationships", credo.Store.ScanRelationships, credo.Store.RestoreRelationships, func(r *credo.Relationship) int64 { return r.ID }, plain((*sums).relationship)),
	{"issued reports", eachIssuedReport},
	{"watchlists", eachWatchlist},
}

// changesPart is the change log, positions and all.
var changesPart = byID("changes", func(st credo.Store, ctx context.Context, after int64, limit int) ([]*credo.Change, error) {
	return st.Changes(ctx, credo.ChangeQuery{After: after, Limit: limit})
}, credo.Store.RestoreChanges, func(c *credo.Change) int64 { return c.Position }, plain((*sums).change))

// copyPart copies one part from from into to, summing the source's items
// into src.
func copyPart(ctx context.Context, pt part, from, to credo.Store, src *sums, progress func(Progress)) error {
	p := Progress{Stage: pt.name}
	err := pt.each(ctx, from, src, func(n int, put putFunc) error {
		copied, err := put(ctx, to)
		if err != nil {
			return fmt.Errorf("storing %s: %w", pt.name, err)
		}
		p.Done += int64(n)
		if copied {
			p.Copied += int64(n)
		}
		progress(p)
		return nil
	})
	if err != nil {
		return fmt.Errorf("storecopy: %w", err)
	}
	progress(p)
	return nil
}

// byID is a part scanned by id (or position): a batch whose last item the
// target holds was restored before (a restore is atomic and in order) and
// is skipped.
func byID[T any](name string,
	scan func(st credo.Store, ctx context.Context, afterID int64, limit int) ([]T, error),
	restore func(st credo.Store, ctx context.Context, items []T) error,
	id func(T) int64, sum func(*sums, context.Context, credo.Store, T) error) part {
	return part{name, func(ctx context.Context, st credo.Store, s *sums, fn func(int, putFunc) error) error {
		var after int64
		for {
			page, err := scan(st, ctx, after, batchSize)
			if err != nil {
				return fmt.Errorf("reading %s after id %d: %w", name, after, err)
			}
			if len(page) == 0 {
				return nil
			}
			for _, item := range page {
				if err := sum(s, ctx, st, item); err != nil {
					return err
				}
			}
			last := id(page[len(page)-1])
			err = fn(len(page), func(ctx context.Context, to credo.Store) (bool, error) {
				next, err := scan(to, ctx, last-1, 1)
				if err != nil || len(next) == 1 && id(next[0]) == last {
					return false, err
				}
				return true, restore(to, ctx, page)
			})
			if err != nil {
				return err
			}
			after = last
		}
	}}
}

// plain adapts a sum that reads nothing and cannot fail to byID.
func plain[T any](sum func(*sums, T)) func(*sums, context.Context, credo.Store, T) error {
	return func(s *sums, _ context.Context, _ credo.Store, item T) error { sum(s, item); return nil }
}

// eachAuthority: every authority with its token hashes.
func eachAuthority(ctx context.Context, st credo.Store, s *sums, fn func(int, putFunc) error) error {
	as, err := st.Authorities(ctx)
	if err != nil {
		return fmt.Errorf("listing authorities: %w", err)
	}
	for _, a := range as {
		tokens, err := st.AuthorityTokens(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("reading the tokens of authority %s: %w", a.ID, err)
		}
		s.add(partAuthorities, holder(jsonOf(a), tokens)...)
		err = fn(1, func(ctx context.Context, to credo.Store) (bool, error) {
			have, err := to.AuthorityTokens(ctx, a.ID)
			if err != nil {
				return false, err
			}
			copied := false
			if _, err := to.Authority(ctx, a.ID); credo.ErrorCodeOf(err) == credo.ENOTFOUND {
				if len(tokens) == 0 {
					return false, fmt.Errorf("authority %s has no token, and a store takes no authority without one", a.ID)
				}
				if err := to.CreateAuthority(ctx, a, tokens[0]); err != nil {
					return false, err
				}
				have, copied = tokens[:1], true
			} else if err != nil {
				return false, err
			}
			for _, h := range tokens {
				if !slices.Contains(have, h) {
					if err := to.AddToken(ctx, a.ID, h); err != nil {
						return false, err
					}
				}
			}
			return copied, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// eachAccount: every account with its token hashes, each in one restore.
// An account the target holds already is left as it is: an interrupted
// copy cannot leave one part way, so one that differs was written to the
// target otherwise, and verification tells.
func eachAccount(ctx context.Context, st credo.Store, s *sums, fn func(int, putFunc) error) error {
	as, err := st.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("listing accounts: %w", err)
	}
	for _, a := range as {
		tokens, err := st.AccountTokens(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("reading the tokens of account %s: %w", a.ID, err)
		}
		s.add(partAccounts, holder(jsonOf(a), tokens)...)
		err = fn(1, func(ctx context.Context, to credo.Store) (bool, error) {
			_, err := to.Account(ctx, a.ID)
			if credo.ErrorCodeOf(err) != credo.ENOTFOUND {
				return false, err
			}
			return true, to.RestoreAccount(ctx, a, tokens)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// eachSubject: every registration version, by code and version.
func eachSubject(ctx context.Context, st credo.Store, s *sums, fn func(int, putFunc) error) error {
	code, version := "", 0
	for {
		page, err := st.ScanSubjects(ctx, code, version, batchSize)
		if err != nil {
			return fmt.Errorf("reading subjects after %s/%d: %w", code, version, err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, v := range page {
			s.add(partSubjects, v.Code, int64(v.Version), v.ContentHash(), v.Authority, v.RecordedAt.UnixNano())
		}
		last := page[len(page)-1]
		err = fn(len(page), func(ctx context.Context, to credo.Store) (bool, error) {
			next, err := to.ScanSubjects(ctx, last.Code, last.Version-1, 1)
			if err != nil || len(next) == 1 && next[0].Code == last.Code && next[0].Version == last.Version {
				return false, err
			}
			return true, to.RestoreSubjects(ctx, page)
		})
		if err != nil {
			return err
		}
		code, version = last.Code, last.Version
	}
}

// eachLogged calls fn with the changes of type typ in st's log, a page at
// a time, up to the source's last change when s is bounded by it.
func eachLogged(ctx context.Context, st credo.Store, s *sums, typ string, fn func([]*credo.Change) error) error {
	q := credo.ChangeQuery{Types: []string{typ}, Limit: batchSize}
	if s.bound != nil {
		q.Upto = max(s.bound.maxChange, 1)
	}
	for {
		changes, err := st.Changes(ctx, q)
		if err != nil {
			return fmt.Errorf("reading the log: %w", err)
		}
		if len(changes) == 0 {
			return nil
		}
		if err := fn(changes); err != nil {
			return err
		}
		q.After = changes[len(changes)-1].Position
	}
}

// eachLoggedSubject calls fn once with each organization st's log names
// in changes of type typ, in the order of their first such change.
func eachLoggedSubject(ctx context.Context, st credo.Store, s *sums, typ string, fn func(code string) error) error {
	seen := map[string]bool{}
	return eachLogged(ctx, st, s, typ, func(changes []*credo.Change) error {
		for _, c := range changes {
			if !seen[c.Subject] {
				seen[c.Subject] = true
				if err := fn(c.Subject); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// eachAnnualReport: every version of the reports of each organization the
// log names as having filed one; versions the target holds already are
// skipped (RestoreAnnualReports, which logs nothing: the log came first).
func eachAnnualReport(ctx context.Context, st credo.Store, s *sums, fn func(int, putFunc) error) error {
	return eachLoggedSubject(ctx, st, s, credo.ChangeAnnualReportFiled, func(code string) error {
		rs, err := st.AnnualReports(ctx, code)
		if err != nil {
			return fmt.Errorf("reading the annual reports of %s: %w", code, err)
		}
		for _, r := range rs {
			s.add(partAnnualReports, r.Subject, int64(r.Year), int64(r.Version), r.FiledAt.UnixNano(), jsonOf(r))
		}
		return fn(len(rs), func(ctx context.Context, to credo.Store) (bool, error) {
			there, err := to.AnnualReports(ctx, code)
			if err != nil || len(there) >= len(rs) {
				return false, err
			}
			return true, to.RestoreAnnualReports(ctx, rs)
		})
	})
}

// eachReply: the replies of each organization the log names as having
// published one (RestoreReplies skips the ids stored).
func eachReply(ctx context.Context, st credo.Store, s *sums, fn func(int, putFunc) error) error {
	return eachLoggedSubject(ctx, st, s, credo.ChangeReplyPublished, func(code string) error {
		rs, err := st.Replies(ctx, code)
		if err != nil {
			return fmt.Errorf("reading the replies of %s: %w", code, err)
		}
		for _, r := range rs {
			s.add(partReplies, r.ID, jsonOf(r))
		}
		return fn(len(rs), func(ctx context.Context, to credo.Store) (bool, error) {
			there, err := to.Replies(ctx, code)
			if err != nil || len(there) >= len(rs) {
				return false, err
			}
			return true, to.RestoreReplies(ctx, rs)
		})
	})
}

// eachIssuedReport: the issued reports the log's report.issued changes
// name, in the order they were issued, each with its status and
// withdrawal; a page whose last report the target holds was restored
// before (RestoreIssuedReports is atomic).
func eachIssuedReport(ctx context.Context, st credo.Store, s *sums, fn func(int, putFunc) error) error {
	return eachLogged(ctx, st, s, credo.ChangeReportIssued, func(changes []*credo.Change) error {
		page := make([]*credo.IssuedReport, 0, len(changes))
		for _, c := range changes {
			r, err := st.IssuedReport(ctx, c.Ref)
			if err != nil {
				return fmt.Errorf("reading issued report %s: %w", c.Ref, err)
			}
			s.add(partIssuedReports, r.Number, jsonOf(r))
			page = append(page, r)
		}
		return fn(len(page), func(ctx context.Context, to credo.Store) (bool, error) {
			if _, err := to.IssuedReport(ctx, page[len(page)-1].Number); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
				return false, err
			}
			return true, to.RestoreIssuedReports(ctx, page)
		})
	})
}

// copyCursors gives the target the positions the source's log consumers
// have reached.
func copyCursors(ctx context.Context, from, to credo.Store) error {
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

// copySecret gives the target the source's person-key check (and the
// person-key secret itself, from a store that still holds it: it moves out
// of the target too on the next start) and the ledger's signing key. The
// key file stays with the operator: the target's nodes are given the same
// file. Nothing is created in a source that holds neither.
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

// verify reads the whole target back, part by part as the source was
// read, and compares it with the source, and the two stores' counts.
func verify(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) (Report, error) {
	dst := newSums()
	dst.bound = src
	p := Progress{Stage: "verify"}
	for _, pt := range parts {
		err := pt.each(ctx, to, dst, func(n int, _ putFunc) error {
			p.Done += int64(n)
			progress(p)
			return nil
		})
		if err != nil {
			return Report{}, fmt.Errorf("storecopy: verifying: %w", err)
		}
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
	n := dst.n
	rep := Report{Authorities: n[partAuthorities], Subjects: n[partSubjects], Records: n[partRecords],
		ListEntries: n[partListEntries], Cases: n[partCases], Accounts: n[partAccounts], Notices: n[partNotices],
		Changes: n[partChanges], AnnualReports: n[partAnnualReports], Replies: n[partReplies], Relationships: n[partRelationships],
		IssuedReports: n[partIssuedReports], Watchlists: n[partWatchlists], Webhooks: n[partWebhooks], Ledger: n[partLedger],
		Later: dst.later, Checksum: dst.total()}
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

// The checksums a copy is verified by, each with its own count.
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
	partWatchlists
	partWebhooks
	partLedger
	numParts
)

var partNames = [numParts]string{"authorities", "subject versions", "records", "list entries", "cases",
	"record repairs", "accounts", "notices", "changes", "annual reports", "replies", "relationships", "issued reports",
	"watchlists", "webhooks", "ledger"}

// sums hashes what a store holds, part by part: authorities and accounts
// (in id order, with their sorted token hashes), subject versions (by code
// and version), records, list entries (with their keys and transitions),
// cases (with their decisions) and notices (with their keys), by id, and
// the repair times of the records approved repairs are about (by case id).
// Each item is hashed by what identifies its content.
//
// The target's sums are bounded by the source's (bound): list entries,
// list transitions, notices and changes the registry itself may write
// (when it regrades) with ids above the source's highest are counted in
// later and left out.
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
			return fmt.Errorf("reading record %d, repaired by case %d: %w", c.Target.ID, c.ID, err)
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

// change hashes a change of the log in its canonical form (credo.Change).
func (s *sums) change(c *credo.Change) {
	if s.bound != nil && c.Position > s.bound.maxChange {
		s.later++
		return
	}
	s.maxChange = max(s.maxChange, c.Position)
	s.add(partChanges, c.Position, jsonOf(c))
}

func (s *sums) relationship(r *credo.Relationship) {
	s.add(partRelationships, r.ID, jsonOf(r))
}

// total is the checksum of the parts together.
func (s *sums) total() string {
	h := sha256.New()
	for i := range s.h {
		h.Write(s.h[i].Sum(nil))
	}
	return hex.EncodeToString(h.Sum(nil))
}
