package credo

import "context"

// Verdicts a caller gives a screening candidate.
const (
	Counterparty    = "counterparty"     // the candidate is the counterparty the row means
	NotCounterparty = "not_counterparty" // it is not: do not raise it again for this name
)

// ScreeningDecision is a caller's judgment of a candidate for an input
// name, remembered so that later screenings by the same caller show it
// instead of raising the candidate again. Decisions are appended; the
// latest for an (owner, input, code) counts.
type ScreeningDecision struct {
	ID      int64  `json:"id,omitempty"`
	Owner   string `json:"-"`     // Viewer.Actor of the caller: whose decision it is
	Input   string `json:"input"` // the input name's key (screening.DecisionKey)
	Code    string `json:"code"`  // the candidate
	Verdict string `json:"verdict"`
	Note    string `json:"note"`
	By      string `json:"by"` // who decided (Viewer.Actor)
	At      Time   `json:"at"`
}

// ScreeningJob is a screening too large to answer at once: its rows are
// stored with it and screened in the background, and the results are
// stored as they are made, so a job survives a restart and resumes after
// the last stored result.
type ScreeningJob struct {
	ID     string `json:"id"`
	Owner  string `json:"-"` // Viewer.Actor of the caller; only the owner reads the job
	Action string `json:"action,omitempty"`
	Depth  int    `json:"depth"`
	Audit  string `json:"audit,omitempty"` // "" or the audit (screening.AuditSupplyChain)
	Inputs []byte `json:"-"`               // the rows, a JSON array of screening inputs
	// Total is the rows the job has: its input rows, and for an audit the
	// rows its tiers add, counted as each tier is found
	// (SetScreeningJobTotal).
	Total     int  `json:"rows_total"`
	Done      int  `json:"rows_done"` // filled on read: results stored
	CreatedAt Time `json:"created_at"`
	// FinishedAt is set on read once the job has ended.
	FinishedAt Time `json:"finished_at,omitzero"`
}

// ScreeningResult is one stored result row of a job: its line (1-based)
// and its JSON.
type ScreeningResult struct {
	Line int
	Body []byte
}

// ScreeningStore keeps screening decisions and jobs.
type ScreeningStore interface {
	// AddScreeningDecision appends d and sets its ID.
	AddScreeningDecision(ctx context.Context, d *ScreeningDecision) error
	// ScreeningDecisions returns owner's latest decision per candidate
	// code for input, by code; none is an empty slice, not an error.
	ScreeningDecisions(ctx context.Context, owner, input string) ([]ScreeningDecision, error)

	// CreateScreeningJob stores a new job (ID, Owner, Inputs, Total and
	// CreatedAt set by the caller). An ID already stored is ECONFLICT.
	CreateScreeningJob(ctx context.Context, j *ScreeningJob) error
	// ScreeningJob returns the job with Done and FinishedAt filled, or
	// ENOTFOUND.
	ScreeningJob(ctx context.Context, id string) (*ScreeningJob, error)
	// AddScreeningResults stores result rows of job id, durably; a line
	// already stored is kept as it is (a resumed job may redo a line).
	AddScreeningResults(ctx context.Context, id string, rows []ScreeningResult) error
	// ScreeningResults returns up to limit result rows of job id with
	// line > afterLine, by line.
	ScreeningResults(ctx context.Context, id string, afterLine, limit int) ([]ScreeningResult, error)
	// SetScreeningJobTotal records that job id has total rows (an audit
	// job's total grows as its tiers are found). ENOTFOUND for no job.
	SetScreeningJobTotal(ctx context.Context, id string, total int) error
	// FinishScreeningJob records that job id ended at at; finishing a
	// finished job changes nothing.
	FinishScreeningJob(ctx context.Context, id string, at Time) error
	// UnfinishedScreeningJobs returns the jobs not finished, oldest first.
	UnfinishedScreeningJobs(ctx context.Context) ([]*ScreeningJob, error)
}
