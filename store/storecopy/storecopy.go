// Package storecopy moves a whole registry from one store to another
// (typically the embedded SQLite store into PostgreSQL) exactly: ids,
// versions, times, token hashes and the person-key secret are kept.
//
// A copy is resumable: every batch is restored atomically and in source
// order, so what a target holds after an interruption is a prefix of the
// source; a new run skips each batch whose last item the target already
// has and restores the rest (Restore* skip what is stored). Every copy ends
// by verifying counts and checksums of both sides.
//
// Copy from a registry nobody writes to meanwhile (a stopped node's data
// folder): what is written to the source during a copy may be missed, and
// the verification then fails.
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
const PersonKeySecret = "person-key"

// batchSize is how many subject versions or records are read and restored
// at a time.
var batchSize = 2000

// Progress tells how far a copy has got.
type Progress struct {
	Stage  string // "authorities", "secrets", "rulebooks", "subjects", "records" or "verify"
	Done   int64  // items of the stage read (from the source; when verifying, from the target)
	Copied int64  // of those, how many went to the target; the rest were found there already
}

func (p Progress) String() string {
	if p.Stage == "verify" {
		return fmt.Sprintf("verify: %d read back", p.Done)
	}
	return fmt.Sprintf("%s: %d read, %d copied", p.Stage, p.Done, p.Copied)
}

// Report is what a verified copy holds: authorities, subject versions
// and records (the same on both sides), and the checksum both sides have.
type Report struct {
	Authorities int64  `json:"authorities"`
	Subjects    int64  `json:"subjects"` // subject versions
	Records     int64  `json:"records"`
	Checksum    string `json:"checksum"` // sha256, hex
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

// copySecret gives the target the source's person-key secret. Reading it
// creates one in a source that never had one, which is harmless: no person
// key was derived there yet.
func copySecret(ctx context.Context, from, to credo.Store, progress func(Progress)) error {
	secret, err := from.Secret(ctx, PersonKeySecret)
	if err != nil {
		return fmt.Errorf("storecopy: reading the source's %s secret: %w", PersonKeySecret, err)
	}
	if err := to.RestoreSecret(ctx, PersonKeySecret, secret); err != nil {
		return fmt.Errorf("storecopy: storing the %s secret: %w", PersonKeySecret, err)
	}
	got, err := to.Secret(ctx, PersonKeySecret)
	if err != nil {
		return fmt.Errorf("storecopy: reading the target's %s secret: %w", PersonKeySecret, err)
	}
	if !bytes.Equal(got, secret) {
		return fmt.Errorf("storecopy: %w: the target already holds another %s secret, so its person keys would differ from the source's; copy into an empty registry",
			ErrMismatch, PersonKeySecret)
	}
	progress(Progress{Stage: "secrets", Done: 1, Copied: 1})
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
	p := Progress{Stage: "records"}
	var after int64
	for {
		page, err := from.ScanRecords(ctx, after, batchSize)
		if err != nil {
			return fmt.Errorf("storecopy: reading the source's records after id %d: %w", after, err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, r := range page {
			src.record(r)
		}
		last := page[len(page)-1].ID
		next, err := to.ScanRecords(ctx, last-1, 1)
		if err != nil {
			return fmt.Errorf("storecopy: reading the target's records: %w", err)
		}
		if len(next) == 0 || next[0].ID != last {
			if err := to.RestoreRecords(ctx, page); err != nil {
				return fmt.Errorf("storecopy: restoring records up to id %d: %w", last, err)
			}
			p.Copied += int64(len(page))
		}
		p.Done += int64(len(page))
		progress(p)
		after = last
	}
}

// verify reads the whole target back and compares it with what was read
// from the source, part by part, and the two stores' counts.
func verify(ctx context.Context, from, to credo.Store, src *sums, progress func(Progress)) (Report, error) {
	dst := newSums()
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
	var after int64
	for {
		page, err := to.ScanRecords(ctx, after, batchSize)
		if err != nil {
			return Report{}, fmt.Errorf("storecopy: verifying: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			dst.record(r)
		}
		p.Done += int64(len(page))
		progress(p)
		after = page[len(page)-1].ID
	}

	rep := Report{Authorities: dst.n[0], Subjects: dst.n[1], Records: dst.n[2], Checksum: dst.total()}
	var problems []string
	for i, part := range []string{"authorities", "subject versions", "records"} {
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

// sums hashes what a store holds, part by part: authorities (in id order,
// with their sorted token hashes), subject versions (by code and version)
// and records (by id), each item by what identifies its content.
type sums struct {
	h [3]hash.Hash
	n [3]int64
}

func newSums() *sums {
	return &sums{h: [3]hash.Hash{sha256.New(), sha256.New(), sha256.New()}}
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

func (s *sums) authority(a *credo.Authority, tokens []string) {
	b, _ := json.Marshal(a, json.Deterministic(true))
	tokens = slices.Sorted(slices.Values(tokens))
	fields := []any{string(b), int64(len(tokens))}
	for _, t := range tokens {
		fields = append(fields, t)
	}
	s.add(0, fields...)
}

func (s *sums) subject(v *credo.Subject) {
	s.add(1, v.Code, int64(v.Version), v.ContentHash(), v.Authority, v.RecordedAt.UnixNano())
}

func (s *sums) record(r *credo.Record) {
	s.add(2, r.ID, r.Authority, r.ContentHashHex(), r.RecordedAt.UnixNano(), r.Supersedes, r.SupersededBy)
}

// total is the checksum of the three parts together.
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
