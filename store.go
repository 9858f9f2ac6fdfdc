package credo

import (
	"context"
	"time"
)

// Store is everything a backend provides. Each backend asserts
// `var _ credo.Store = (*DB)(nil)` and passes store/storetest.
type Store interface {
	SubjectStore
	RecordStore
	AuthorityStore
	SecretStore
	StatsStore
	CopyStore
	RulebookStore
	AssessmentStore
	GradingStore
	Close() error
}

// Outcome is what became of one item of a batch write.
type Outcome struct {
	// Status is "created" for a new record or subject version, "exists"
	// when the same content was already stored (nothing was written), or
	// "refused" when Err says why the item was not stored.
	Status string `json:"status"`
	// ID is the record id (records) or the version number (subjects).
	ID  int64 `json:"id,omitempty"`
	Err error `json:"-"`
}

// Outcome statuses.
const (
	Created = "created"
	Exists  = "exists"
	Refused = "refused"
)

// SubjectStore holds versioned registration data of organizations.
type SubjectStore interface {
	// PutSubjects stores each subject as a new version of its code's
	// registration data, atomically and durably (on disk before it returns).
	// Callers have validated and pseudonymized the subjects and set
	// Authority and RecordedAt; the store assigns Version (1, 2, ...) per
	// code. A subject whose ContentHash equals that of its code's latest
	// version is not stored again: its outcome is Exists with that version.
	// Outcomes are in input order. An error return means nothing was stored.
	PutSubjects(ctx context.Context, subjects []*Subject) ([]Outcome, error)

	// Subject returns the latest version of code's registration data, or an
	// ENOTFOUND error when the code has never been registered.
	Subject(ctx context.Context, code string) (*Subject, error)

	// SubjectVersions returns every version of code, oldest first, or an
	// ENOTFOUND error when there is none.
	SubjectVersions(ctx context.Context, code string) ([]*Subject, error)

	// SearchSubjects finds organizations (latest versions) by name, former
	// name, code or code prefix and division prefix, in relevance order
	// (see package search), one page at a time.
	SearchSubjects(ctx context.Context, q SubjectQuery) (*SubjectPage, error)
}

// SubjectQuery is a search. Q is matched against current and former names
// (as a substring, after search.Normalize) and, when it looks like one,
// against the code as a prefix. Division restricts to subjects whose
// division starts with it. At least one of Q and Division is set.
type SubjectQuery struct {
	Q        string
	Division string
	Cursor   string // from a previous page's Next; "" for the first page
	Limit    int    // 1..MaxPageSize; 0 means DefaultPageSize
}

// SubjectPage is one page of search results; Next is "" on the last page.
type SubjectPage struct {
	Subjects []*Subject `json:"subjects"`
	Next     string     `json:"next,omitempty"`
}

// Page sizes for every paginated read. A limit above MaxPageSize is cut
// to it; a negative one is EINVALID. Searches rank at most a few thousand
// candidates per source, so a query matching more organizations than that
// is ranked among a subset.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// RecordStore holds the append-only records.
type RecordStore interface {
	// AppendRecords stores records in one atomic, durable batch (on disk
	// before it returns). Callers have validated the records and set
	// Authority and RecordedAt; the store assigns ids, increasing in
	// append order. Per record, in input order:
	//   - a new (authority, external_id): Created with the new id;
	//   - an (authority, external_id) already stored with the same
	//     ContentHash: Exists with the stored id, nothing written;
	//     with a different hash: Refused with an ECONFLICT error;
	//   - Supersedes or SupersedesExternalID that names no record of the
	//     same authority and subject (stored, or earlier in this batch):
	//     Refused with an EINVALID error on field "supersedes".
	// A record that supersedes by external id is stored with Supersedes
	// set to the resolved id; the hash a resubmission is compared with is
	// ContentHash of the record as submitted (before that resolution). An
	// error return means nothing was stored.
	AppendRecords(ctx context.Context, records []*Record) ([]Outcome, error)

	// Record returns the record with id, with SupersededBy filled in (the
	// newest superseding record when there are several), or an ENOTFOUND
	// error.
	Record(ctx context.Context, id int64) (*Record, error)

	// SubjectRecords returns code's records, newest decision first (ties
	// by id, descending), filtered, one page at a time, with SupersededBy
	// filled in. A code with no records gives an empty page, not an error.
	SubjectRecords(ctx context.Context, code string, f RecordFilter) (*RecordPage, error)
}

// RecordFilter narrows SubjectRecords. From and To bound OccurredAt
// (From inclusive, To exclusive); zero means unbounded.
type RecordFilter struct {
	Category string
	Kind     string
	From, To time.Time
	Cursor   string
	Limit    int
}

// RecordPage is one page of records; Next is "" on the last page.
type RecordPage struct {
	Records []*Record `json:"records"`
	Next    string    `json:"next,omitempty"`
}

// AuthorityStore holds authorities and the hashes of their bearer tokens.
type AuthorityStore interface {
	// CreateAuthority stores a new authority with one token hash. It
	// returns an ECONFLICT error when the id is taken.
	CreateAuthority(ctx context.Context, a *Authority, tokenHash string) error
	// AddToken adds another token hash to an existing authority (ENOTFOUND).
	// Adding a hash the authority already holds does nothing; a hash held
	// by another authority (here or in CreateAuthority) is ECONFLICT.
	AddToken(ctx context.Context, authorityID, tokenHash string) error
	// Authority returns the authority with id, or ENOTFOUND.
	Authority(ctx context.Context, id string) (*Authority, error)
	// AuthorityByToken returns the authority holding tokenHash, or ENOTFOUND.
	AuthorityByToken(ctx context.Context, tokenHash string) (*Authority, error)
	// Authorities lists every authority by id.
	Authorities(ctx context.Context) ([]*Authority, error)
}

// SecretStore keeps the registry's own secrets (the person-key secret).
type SecretStore interface {
	// Secret returns the 32-byte secret called name, creating a random one
	// on first use. Every caller, on every node, gets the same bytes.
	Secret(ctx context.Context, name string) ([]byte, error)
}

// StatsStore counts what the registry holds.
type StatsStore interface {
	Stats(ctx context.Context) (Stats, error)
}

// Stats are the registry's counts: registered organizations (distinct
// codes), records, and authorities.
type Stats struct {
	Organizations int64 `json:"organizations"`
	Records       int64 `json:"records"`
	Authorities   int64 `json:"authorities"`
}

// CopyStore moves a whole registry between backends exactly: ids, versions
// and times are kept (to the microsecond, PostgreSQL's precision).
type CopyStore interface {
	// ScanRecords returns up to limit records with id > afterID, by id.
	ScanRecords(ctx context.Context, afterID int64, limit int) ([]*Record, error)
	// ScanSubjects returns up to limit subject versions after the given
	// (code, version), ordered by code then version.
	ScanSubjects(ctx context.Context, afterCode string, afterVersion int, limit int) ([]*Subject, error)
	// AuthorityTokens returns the token hashes of an authority.
	AuthorityTokens(ctx context.Context, authorityID string) ([]string, error)
	// RestoreRecords stores records with their ids, recorded times and
	// resolved Supersedes as given; records whose id is already stored are
	// skipped, so a restore can be resumed.
	RestoreRecords(ctx context.Context, records []*Record) error
	// RestoreSubjects stores subject versions as given, skipping any
	// (code, version) already stored.
	RestoreSubjects(ctx context.Context, subjects []*Subject) error
	// RestoreSecret stores a secret under name unless one exists.
	RestoreSecret(ctx context.Context, name string, secret []byte) error
}

// BulkLoader is implemented by stores that load many records into a store
// faster than AppendRecords can by deferring index maintenance to the end.
// Every record's outcome is what AppendRecords would have answered, and an
// interrupted load leaves the store consistent.
type BulkLoader interface {
	BulkLoad(ctx context.Context, load func(append func([]*Record) ([]Outcome, error)) error) error
}
