package screening

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"

	"github.com/credo-registry/credo"
)

// jobBatch is how many result rows a job stores at a time: what a restart
// may redo.
const jobBatch = 100

// ScreenAll screens rows at once, in order (at most MaxSyncRows).
func (s *Service) ScreenAll(ctx context.Context, v credo.Viewer, p Params, rows []Input) ([]Row, error) {
	if len(rows) > MaxSyncRows {
		return nil, &credo.Error{Code: credo.ETOOLARGE, Field: "file", Reason: "too_many_rows",
			Message: fmt.Sprintf("at most %d rows are screened at once; more make a job", MaxSyncRows)}
	}
	out, err := s.ScreenRange(ctx, v, p, 1, rows)
	if err != nil || p.Audit == "" {
		return out, err
	}
	added, err := s.Audit(ctx, v, p, out)
	return append(out, added...), err
}

// ScreenRange screens rows, the first being line first, on as many
// workers as there are processors, and returns the results in order.
// Each worker takes up to readTogether rows at a time and reads what the
// registry holds of their codes together (one GradingInputs call: one
// round trip on PostgreSQL instead of several per row).
func (s *Service) ScreenRange(ctx context.Context, v credo.Viewer, p Params, first int, rows []Input) ([]Row, error) {
	out := make([]Row, len(rows))
	errs := make([]error, len(rows))
	workers := runtime.GOMAXPROCS(0)
	// Chunks small enough that every worker gets some, and several each
	// on a long batch, since name rows cost more than code rows.
	size := max(1, min(readTogether, (len(rows)+workers-1)/workers))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(rows)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				chunk := rows[lo:min(lo+size, len(rows))]
				read, err := s.readCodes(ctx, p, chunk)
				for k, in := range chunk {
					if err != nil {
						errs[lo+k] = err
						continue
					}
					out[lo+k], errs[lo+k] = s.screen(ctx, v, p, first+lo+k, in, read)
				}
			}
		}()
	}
	for lo := 0; lo < len(rows); lo += size {
		next <- lo
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readTogether is the most rows a ScreenRange worker takes at a time.
const readTogether = 25

// Start stores a job for rows, screened for viewer v, and starts it in the
// background; the job outlives ctx (it runs until Wait's context ends).
func (s *Service) Start(ctx context.Context, v credo.Viewer, p Params, rows []Input) (*credo.ScreeningJob, error) {
	if v.Role == credo.RolePublic {
		return nil, credo.Errorf(credo.EUNAUTHORIZED, "more than %d rows make a job, read back by the caller who started it: give a token (or send at most %d rows)", MaxSyncRows, MaxSyncRows)
	}
	inputs, err := json.Marshal(rows)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	j := &credo.ScreeningJob{ID: "scr_" + hex.EncodeToString(id), Owner: v.Actor(), Action: p.Action, Depth: p.Depth,
		Audit: p.Audit, Inputs: inputs, Total: len(rows), CreatedAt: credo.NewTime(s.now())}
	if err := s.store.CreateScreeningJob(ctx, j); err != nil {
		return nil, err
	}
	s.launch(j)
	return j, nil
}

// Resume starts again every job a previous run left unfinished, after its
// last stored result.
func (s *Service) Resume(ctx context.Context) error {
	jobs, err := s.store.UnfinishedScreeningJobs(ctx)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		s.launch(j)
	}
	return nil
}

// Wait blocks until the jobs running end: they stop when ctx given to Run
// ends (a shutdown), and resume at the next start.
func (s *Service) Wait() { s.wg.Wait() }

// jobs is the context running jobs stop with; Run sets it.
var background = context.Background

// Run makes jobs started from now on stop when ctx ends.
func (s *Service) Run(ctx context.Context) {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
}

func (s *Service) launch(j *credo.ScreeningJob) {
	s.mu.Lock()
	ctx := s.ctx
	s.mu.Unlock()
	if ctx == nil {
		ctx = background()
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.runJob(ctx, j); err != nil && ctx.Err() == nil {
			s.logger().Error("screening job stopped; it resumes at the next start", "job", j.ID, "err", err)
		}
	}()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// runJob screens j's rows after its last stored result, storing results
// jobBatch at a time, then, for an audit, the tiers it adds (auditJob),
// and records its end.
func (s *Service) runJob(ctx context.Context, j *credo.ScreeningJob) error {
	var rows []Input
	if err := json.Unmarshal(j.Inputs, &rows); err != nil {
		return fmt.Errorf("job %s: its stored rows do not read: %w", j.ID, err)
	}
	v, err := s.viewerOf(ctx, j.Owner)
	if err != nil {
		return err
	}
	p := Params{Action: j.Action, Depth: j.Depth, Audit: j.Audit}
	// Done results are the first Done lines: results are stored in order,
	// a batch at a time.
	for i := j.Done; i < len(rows); i += jobBatch {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		screened, err := s.ScreenRange(ctx, v, p, i+1, rows[i:min(i+jobBatch, len(rows))])
		if err != nil {
			return err
		}
		batch := make([]credo.ScreeningResult, len(screened))
		for k, r := range screened {
			body, err := json.Marshal(r)
			if err != nil {
				return err
			}
			batch[k] = credo.ScreeningResult{Line: r.Line, Body: body}
		}
		if err := s.store.AddScreeningResults(ctx, j.ID, batch); err != nil {
			return err
		}
	}
	if p.Audit != "" {
		if err := s.auditJob(ctx, v, p, j.ID); err != nil {
			return err
		}
	}
	return s.store.FinishScreeningJob(ctx, j.ID, credo.NewTime(s.now()))
}

// auditJob runs the audit of job id once its input rows are all stored:
// where it stands is read back from the stored results (a restart
// resumes in the tier it stopped in, after the last stored line); the
// job's total grows by each tier's rows as the tier is found, and the
// rows are stored jobBatch at a time.
func (s *Service) auditJob(ctx context.Context, v credo.Viewer, p Params, id string) error {
	var stored []Row
	for after := 0; ; {
		page, err := s.store.ScreeningResults(ctx, id, after, 1000)
		if err != nil {
			return err
		}
		for _, r := range page {
			// Only what the audit walks from is kept, not whole rows.
			var slim struct {
				Line  int
				Input struct{ Code string }
				Match *struct{ Code string }
				Via   *Via
			}
			if err := json.Unmarshal(r.Body, &slim); err != nil {
				return fmt.Errorf("job %s line %d: %w", id, r.Line, err)
			}
			row := Row{Line: slim.Line, Input: Input{Code: slim.Input.Code}, Via: slim.Via}
			if slim.Match != nil {
				row.Match = &Matched{Code: slim.Match.Code}
			}
			stored = append(stored, row)
			after = r.Line
		}
		if len(page) < 1000 {
			break
		}
	}
	st := auditFrom(stored)
	stored = nil
	var batch []credo.ScreeningResult
	flush := func() error {
		err := s.store.AddScreeningResults(ctx, id, batch)
		batch = batch[:0]
		return err
	}
	found := func(n int) error { return s.store.SetScreeningJobTotal(ctx, id, st.line+n) }
	err := s.audit(ctx, v, p, st, found, func(r Row) error {
		body, err := json.Marshal(r)
		if err != nil {
			return err
		}
		batch = append(batch, credo.ScreeningResult{Line: r.Line, Body: body})
		if len(batch) == jobBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// viewerOf is the viewer a job's owner (Viewer.Actor) screens as.
func (s *Service) viewerOf(ctx context.Context, actor string) (credo.Viewer, error) {
	switch kind, id, _ := strings.Cut(actor, ":"); kind {
	case "authority":
		a, err := s.store.Authority(ctx, id)
		if err != nil {
			return credo.Viewer{}, err
		}
		return credo.Viewer{Role: credo.RoleAuthority, Authority: a}, nil
	case "account":
		a, err := s.store.Account(ctx, id)
		if err != nil {
			return credo.Viewer{}, err
		}
		return credo.Viewer{Role: a.Role, Account: a}, nil
	case "admin":
		return credo.Viewer{Role: credo.RoleAdmin}, nil
	}
	return credo.Public, nil
}

// Job returns job id if viewer v owns it (others get ENOTFOUND).
func (s *Service) Job(ctx context.Context, v credo.Viewer, id string) (*credo.ScreeningJob, error) {
	j, err := s.store.ScreeningJob(ctx, id)
	if err != nil {
		return nil, err
	}
	if v.Role == credo.RolePublic || j.Owner != v.Actor() {
		return nil, credo.Errorf(credo.ENOTFOUND, "no screening job %s", id)
	}
	return j, nil
}

// Results calls fn with each stored result of job id, in line order.
func (s *Service) Results(ctx context.Context, id string, fn func(Row) error) error {
	after := 0
	for {
		page, err := s.store.ScreeningResults(ctx, id, after, 500)
		if err != nil {
			return err
		}
		for _, r := range page {
			var row Row
			if err := json.Unmarshal(r.Body, &row); err != nil {
				return fmt.Errorf("job %s line %d: %w", id, r.Line, err)
			}
			if err := fn(row); err != nil {
				return err
			}
			after = r.Line
		}
		if len(page) < 500 {
			return nil
		}
	}
}

// Decide remembers viewer v's verdict on candidate code for input name.
func (s *Service) Decide(ctx context.Context, v credo.Viewer, name, code, verdict, note string) (*credo.ScreeningDecision, error) {
	key := DecisionKey(name)
	switch {
	case len([]rune(key)) < 2:
		return nil, credo.FieldError("name", "required", "give the input name the decision is about")
	case verdict != credo.Counterparty && verdict != credo.NotCounterparty:
		return nil, credo.FieldError("verdict", "enum", "must be %s or %s", credo.Counterparty, credo.NotCounterparty)
	case len([]rune(note)) > 1000:
		return nil, credo.FieldError("note", "too_long", "is longer than 1000 characters")
	case v.Role == credo.RolePublic:
		return nil, credo.Errorf(credo.EUNAUTHORIZED, "decisions are remembered per caller: give a token")
	}
	if err := credo.ValidateCode("code", code); err != nil {
		return nil, err
	}
	if _, err := s.store.Subject(ctx, code); err != nil {
		return nil, err
	}
	d := &credo.ScreeningDecision{Owner: v.Actor(), Input: key, Code: code, Verdict: verdict, Note: note, By: v.Actor(), At: credo.NewTime(s.now())}
	if err := s.store.AddScreeningDecision(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}
