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
	GradeReader
	GradingStore
	ListStore
	CaseStore
	AccountStore
	NoticeStore
	WatchlistStore
	WebhookStore
	ChangeLog
	AnnualReportStore
	ScreeningStore
	LedgerStore
	ReplyStore
	RelationshipStore
	ReportStore
	PublicityIndex
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
	// error. Every read of records that fills SupersededBy (here,
	// SubjectRecords, AllRecords, EachSubject) also fills RepairedAt from
	// the approved repair decisions (CaseStore.DecideCase); ScanRecords and
	// RestoreRecords leave it zero.
	Record(ctx context.Context, id int64) (*Record, error)

	// RecordsByID returns the stored records among ids, each once, in the
	// order of ids, as Record returns them; ids not stored are left out
	// (one read for a batch of changes' records: the webhook worker's).
	RecordsByID(ctx context.Context, ids []int64) ([]*Record, error)

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

// SecretStore keeps the registry's own 32-byte secrets. The person-key
// secret itself is not one of them any more: it lives in a file the
// operator keeps apart from the data (PersonKeyCheckSecret is kept
// instead); a store that still holds it gives it up once it has been
// moved out (StoredSecret, DeleteSecret).
type SecretStore interface {
	// Secret returns the 32-byte secret called name, creating a random one
	// on first use. Every caller, on every node, gets the same bytes.
	Secret(ctx context.Context, name string) ([]byte, error)
	// StoredSecret returns the secret called name, or ENOTFOUND when the
	// store holds none; it creates nothing.
	StoredSecret(ctx context.Context, name string) ([]byte, error)
	// DeleteSecret removes the secret called name; removing one that is
	// not there does nothing.
	DeleteSecret(ctx context.Context, name string) error
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
// and times are kept (to the microsecond, PostgreSQL's precision), and so
// are the keys of list entries and notices, content hashes and token
// hashes. Restores write what they are given: callers pass what a Scan of
// another store returned, in its order.
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

	// ScanListEntries returns up to limit list entries with id > afterID,
	// by id, each with its Key (which its JSON leaves out) and its stored
	// Transitions.
	ScanListEntries(ctx context.Context, afterID int64, limit int) ([]*ListEntry, error)
	// RestoreListEntries stores entries, atomically, with their ids, keys,
	// content and times as given, and each entry's Transitions (ids and
	// times as given; Entry, when not 0, must be the entry's id). An entry
	// or transition whose id is already stored is skipped, so a restore can
	// be resumed; what is skipped is not compared. An entry whose Key is
	// stored under another id, or a transition for an entry that has
	// another one, is ECONFLICT and then nothing is stored. Later
	// AddListEntries and AddListTransitions assign ids above every restored
	// one.
	RestoreListEntries(ctx context.Context, entries []*ListEntry) error

	// ScanCases returns up to limit cases with id > afterID, by id, each
	// with its Decision (nil when undecided).
	ScanCases(ctx context.Context, afterID int64, limit int) ([]*Case, error)
	// RestoreCases stores cases, atomically, with their ids, content and
	// times as given, and each case's Decision (Case, when not 0, must be
	// the case's id). A case whose id is stored is skipped, and so is a
	// decision of a case that has one. An approved repair decision of a
	// case about a record marks the record repaired at the decision's At,
	// as DecideCase does, so that RepairedAt reads the same as in the
	// source; of several approved repairs of one record the earliest At is
	// kept (the one decided first). Callers restore records before the
	// cases about them. Later FileCase assigns ids above every restored one.
	RestoreCases(ctx context.Context, cases []*Case) error

	// AccountTokens returns the token hashes of an account, sorted; none
	// for an unknown account. (AccountStore.Accounts lists the accounts.)
	AccountTokens(ctx context.Context, accountID string) ([]string, error)
	// RestoreAccount stores a, CreatedAt as given, with its token hashes;
	// when an account with a's id is stored it is left as it is and only
	// gains the hashes it lacks. A hash held by another account is
	// ECONFLICT (field "token"); no hash for a new account is EINVALID.
	// A backend that keeps one token per account (all CreateAccount
	// gives) refuses a second with EINVALID (field "token").
	RestoreAccount(ctx context.Context, a *Account, tokenHashes []string) error

	// ScanNotices returns up to limit notices of every audience with
	// id > afterID, by id, each with its Key (which its JSON leaves out).
	ScanNotices(ctx context.Context, afterID int64, limit int) ([]*Notice, error)
	// RestoreAnnualReports stores report versions as given, atomically,
	// without appending to the change log (a copy takes the source's log
	// along); a (subject, year, version) already stored is skipped, so a
	// restore can be resumed.
	RestoreAnnualReports(ctx context.Context, reports []*AnnualReport) error

	// RestoreNotices stores notices, atomically, with their ids, keys and
	// times as given. A notice whose id is already stored is skipped; one
	// whose Key is stored under another id is ECONFLICT (field "key") and
	// then nothing is stored. Later AddNotices assigns ids above every
	// restored one.
	RestoreNotices(ctx context.Context, notices []*Notice) error

	// RestoreIssuedReports stores issued reports as given, in order (the
	// order a store judges "issued later" by, when times are equal), each
	// with its withdrawal when it has one, atomically, without appending
	// to the change log; a number already stored is skipped, and so is a
	// withdrawal already stored, so a restore can be resumed.
	RestoreIssuedReports(ctx context.Context, reports []*IssuedReport) error
}

// BulkLoader is implemented by stores that load many records into a store
// faster than AppendRecords can by deferring index maintenance to the end.
// Every record's outcome is what AppendRecords would have answered, and an
// interrupted load leaves the store consistent.
type BulkLoader interface {
	BulkLoad(ctx context.Context, load func(append func([]*Record) ([]Outcome, error)) error) error
}

// SubjectBulkLoader is implemented by stores that store many
// organizations faster than PutSubjects alone by building their name
// search index once, at the end. During load, PutSubjects (by any caller)
// answers as it always does, but SearchSubjects may not find by name the
// organizations stored since load began; once BulkLoadSubjects returns
// (or, after a crash, once the store is opened again) it finds them all.
type SubjectBulkLoader interface {
	BulkLoadSubjects(ctx context.Context, load func() error) error
}

// ListStore holds list entries and their transitions, both append-only.
type ListStore interface {
	// AddListEntries stores entries in one atomic, durable batch. Callers
	// have validated them and set RecordedAt and Key; the store assigns ids
	// (increasing). Per entry, in input order: a new Key is Created with its
	// id; a Key already stored (or earlier in the batch) is Exists with the
	// stored id when ContentHash is equal, Refused with an ECONFLICT error
	// (field "key") otherwise. An error return means nothing was stored.
	AddListEntries(ctx context.Context, entries []*ListEntry) ([]Outcome, error)

	// AddListTransitions stores transitions in one atomic, durable batch;
	// the store assigns ids. An entry has at most one stored transition
	// (every stored transition ends it): a transition for an entry that
	// has one already (stored, or earlier in the batch) fails the batch
	// with an ECONFLICT error, and one for an unknown entry with
	// ENOTFOUND; then nothing is stored.
	AddListTransitions(ctx context.Context, ts []*ListTransition) error

	// ListEntry returns the entry with id, with its Transitions, or
	// ENOTFOUND.
	ListEntry(ctx context.Context, id int64) (*ListEntry, error)

	// SubjectListEntries returns every entry of code, by id, with
	// Transitions. None gives an empty slice.
	SubjectListEntries(ctx context.Context, code string) ([]*ListEntry, error)

	// ListEntries returns entries matching q, newest (highest id) first,
	// one page at a time, with Transitions.
	ListEntries(ctx context.Context, q ListQuery) (*ListEntryPage, error)
}

// ListQuery selects list entries as the registry knew them at AsOf: only
// entries with RecordedAt <= AsOf, and Status judged as ListEntry.StateAt
// judges it at AsOf (a transition counts when both its At and RecordedAt
// are <= AsOf; the term ends at Until):
//   - ended: Until set and <= AsOf, or a transition counts;
//   - active: not ended and EffectiveAt <= AsOf;
//   - notified: not ended and EffectiveAt > AsOf.
//
// List, Subject match exactly; Division is a prefix of the entry's
// Division; From (inclusive) and To (exclusive) bound EffectiveAt; zero
// values do not filter. Unended keeps only entries with no stored
// transition at all (not even one taking effect after AsOf). UntilFrom
// (inclusive) and UntilTo (exclusive) bound Until, the term's end; an
// entry without a term is outside any such bound.
type ListQuery struct {
	List               string
	Subject            string
	Division           string
	Status             string // "", ListNotified, ListActive, ListEnded
	AsOf               time.Time
	From, To           time.Time
	UntilFrom, UntilTo time.Time
	Unended            bool
	Cursor             string
	Limit              int
}

// ListEntryPage is one page of list entries; Next is "" on the last page.
type ListEntryPage struct {
	Entries []*ListEntry `json:"entries"`
	Next    string       `json:"next,omitempty"`
}

// CaseStore holds objections and repair applications and their decisions.
type CaseStore interface {
	// FileCase stores a new case durably and sets its ID.
	FileCase(ctx context.Context, c *Case) error

	// DecideCase stores the one decision on a case, durably. A case decided
	// already gives ECONFLICT (field "case"), an unknown case ENOTFOUND;
	// then nothing is stored. An approved repair of a record sets that
	// record's RepairedAt to the decision's At, in the same transaction.
	DecideCase(ctx context.Context, d *CaseDecision) error

	// Case returns the case with id and its Decision, or ENOTFOUND.
	Case(ctx context.Context, id int64) (*Case, error)

	// Cases returns cases matching q, newest first, one page at a time,
	// with their decisions.
	Cases(ctx context.Context, q CaseQuery) (*CasePage, error)

	// TargetCases returns every case about one target, by id, with
	// decisions. None gives an empty slice.
	TargetCases(ctx context.Context, t Target) ([]*Case, error)
}

// CaseQuery selects cases. Kind, Subject, Authority match exactly; Open
// keeps undecided cases, Decided decided ones; DueBefore (with Open)
// keeps cases whose DecideBy is before it. Zero values do not filter.
type CaseQuery struct {
	Kind      string
	Subject   string
	Authority string
	Open      bool
	Decided   bool
	DueBefore time.Time
	Cursor    string
	Limit     int
}

// CasePage is one page of cases; Next is "" on the last page.
type CasePage struct {
	Cases []*Case `json:"cases"`
	Next  string  `json:"next,omitempty"`
}

// AccountStore holds organization and administrator accounts and the
// hashes of their bearer tokens.
type AccountStore interface {
	// CreateAccount stores a new account with one token hash: ECONFLICT
	// when the id or the hash is taken.
	CreateAccount(ctx context.Context, a *Account, tokenHash string) error
	// Account returns the account with id, or ENOTFOUND.
	Account(ctx context.Context, id string) (*Account, error)
	// AccountByToken returns the account holding tokenHash, or ENOTFOUND.
	AccountByToken(ctx context.Context, tokenHash string) (*Account, error)
	// Accounts lists every account by id.
	Accounts(ctx context.Context) ([]*Account, error)
	// ListAccounts returns one page of the accounts by id: up to limit
	// (0: DefaultPageSize, more than MaxPageSize: MaxPageSize) after the
	// cursor a previous page gave ("" from the start); a cursor it did
	// not give is EINVALID.
	ListAccounts(ctx context.Context, cursor string, limit int) (*AccountPage, error)
}

// AccountPage is one page of accounts; Next is "" on the last page.
type AccountPage struct {
	Accounts []*Account `json:"accounts"`
	Next     string     `json:"next,omitempty"`
}

// NoticeStore holds the notice inboxes, append-only.
type NoticeStore interface {
	// AddNotices stores notices atomically and durably and sets their
	// IDs. A notice whose Key (when set) is stored already is skipped, its
	// ID left 0.
	AddNotices(ctx context.Context, notices []*Notice) error
	// Notices returns audience's notices, newest (highest id) first, one
	// page at a time.
	Notices(ctx context.Context, audience, cursor string, limit int) (*NoticePage, error)
}

// NoticePage is one page of notices; Next is "" on the last page.
type NoticePage struct {
	Notices []*Notice `json:"notices"`
	Next    string    `json:"next,omitempty"`
}

// AnnualReportStore holds the organizations' annual reports, every
// version, append-only.
type AnnualReportStore interface {
	// FileAnnualReport stores r durably as version r.Version of its
	// subject's report for r.Year; callers have validated it and set
	// Version (1 for a year's first filing, n+1 for a correction of n),
	// FiledAt and FiledBy; the store appends its change
	// (AnnualReportFiledChange) to the log in the same transaction. A
	// (subject, year, version) stored already is
	// an ECONFLICT error (field "year"), enforced by a unique constraint so
	// that of two filings at once, on any nodes, one is stored (a backend
	// that retries a write whose commit went unacknowledged recognises its
	// own row).
	FileAnnualReport(ctx context.Context, r *AnnualReport) error

	// AnnualReports returns every version of code's reports, by year and
	// then version. None gives an empty slice.
	AnnualReports(ctx context.Context, code string) ([]*AnnualReport, error)

	// UnfiledAnnualReports returns the latest registration of
	// organizations with code after q.After, by code, whose division
	// starts with q.Division, that had filed no report for q.Year
	// before q.Before (zero: ever), up to q.Limit (1..MaxPageSize; 0 is
	// DefaultPageSize). Whether each had to file (AnnualReportDue) is the
	// caller's to judge.
	UnfiledAnnualReports(ctx context.Context, q UnfiledQuery) ([]*Subject, error)
}

// UnfiledQuery selects organizations without a report for a year.
type UnfiledQuery struct {
	Year     int
	Division string
	Before   time.Time
	After    string
	Limit    int
}

// RelationshipStore holds the relationships between organizations, every
// version, append-only (relationship.go). A version is in force at a time
// t when it was recorded by t (RecordedAt <= t), no version recorded by t
// supersedes it, and its dates hold at t (Relationship.InForce).
//
// Relationships of source registration are derived by the store itself:
// every registration version PutSubjects stores (not RestoreSubjects)
// appends, in the same transaction, the versions that keep its code's
// registration relationships current (DeriveRelationships), with their
// changes.
type RelationshipStore interface {
	// AppendRelationships stores versions in one atomic, durable batch.
	// Callers have validated them and set Source, Authority or Declarant
	// and Account, and RecordedAt; the store assigns ids, increasing in
	// append order, and appends each created version's changes
	// (RelationshipChanges) to the log in the same transaction. Per
	// version, in input order:
	//   - Supersedes 0, and no version of its Key in force or waiting
	//     (current: stored or earlier in the batch, not superseded):
	//     Created;
	//   - Supersedes 0 and a current version of its Key with the same
	//     ContentHash: Exists with that id, nothing written; with
	//     another: Refused, ECONFLICT on field "supersedes" naming the
	//     current id;
	//   - Supersedes naming no version of the same Key: Refused, EINVALID
	//     on field "supersedes";
	//   - Supersedes naming a version superseded already: Exists when its
	//     superseding version has the same ContentHash, else Refused,
	//     ECONFLICT on field "supersedes" (a unique constraint, so of two
	//     writers at once on any nodes one wins).
	// An error return means nothing was stored.
	AppendRelationships(ctx context.Context, rels []*Relationship) ([]Outcome, error)

	// Relationship returns the version with id, with SupersededBy filled
	// in, or ENOTFOUND.
	Relationship(ctx context.Context, id int64) (*Relationship, error)

	// Relationships returns the versions in force at q.AsOf with either
	// end in q.Codes (at most MaxRelationshipCodes), of q.Kinds when set,
	// by id, each once. It is one read per hop of a graph walk: backends
	// answer it with indexed lookups, not one query per code.
	Relationships(ctx context.Context, q RelationshipQuery) ([]*Relationship, error)

	// Adjacent is Relationships as Edges, for walks: the versions in force
	// at q.AsOf with either end in q.Codes (at most MaxRelationshipCodes),
	// of q.Kinds when set, each once, in no particular order. Backends answer it from an
	// index clustered by organization (one seek per code, no lookup per
	// row), so that a hop of ten thousand organizations takes
	// milliseconds.
	Adjacent(ctx context.Context, q RelationshipQuery) ([]Edge, error)

	// AdjacentVersions returns every version with either end in codes
	// (at most MaxRelationshipCodes), superseded and ended ones too, each
	// once, in no particular order, from the same index as Adjacent:
	// Adjacent(q) is the versions of q.Codes with InForce(q.AsOf) (less
	// q.Kinds and q.Except). It is what an in-memory cache of
	// organizations' ties loads (partners.AdjacencyCache).
	AdjacentVersions(ctx context.Context, codes []string) ([]EdgeVersion, error)

	// RelationshipHistory returns every version with code at either end,
	// by id, with SupersededBy filled in. None gives an empty slice.
	RelationshipHistory(ctx context.Context, code string) ([]*Relationship, error)

	// EachRelationship calls fn with every version in force at asOf, in
	// batches of up to a few thousand, by id, streaming (the whole graph is
	// never held). fn must not keep the slice, which is reused; it may keep
	// the strings. An error from fn stops the scan and is returned.
	EachRelationship(ctx context.Context, asOf time.Time, fn func([]Edge) error) error

	// PersonRoles returns what the person with key is in the latest
	// registration of each organization that names it, by code. None
	// gives an empty slice.
	PersonRoles(ctx context.Context, personKey string) ([]PersonRole, error)

	// ScanRelationships returns up to limit versions with id > afterID,
	// by id (SupersededBy left zero).
	ScanRelationships(ctx context.Context, afterID int64, limit int) ([]*Relationship, error)
	// RestoreRelationships stores versions as given (ids, times), without
	// appending to the change log (a copy takes the source's log along);
	// an id already stored is skipped, so a restore can be resumed. Later
	// appends get ids above every restored one.
	RestoreRelationships(ctx context.Context, rels []*Relationship) error
}

// RelationshipQuery selects relationships touching some organizations.
type RelationshipQuery struct {
	Codes []string
	Kinds []string // none: every kind
	AsOf  time.Time
	// Except (Adjacent only) leaves out the relationships whose other end
	// is one of these codes: a walk's previous hop, read already.
	Except []string
}

// MaxRelationshipCodes bounds RelationshipQuery.Codes; a walk reads a
// wider hop in several queries.
const MaxRelationshipCodes = 1000
