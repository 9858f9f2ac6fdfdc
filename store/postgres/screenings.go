package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
)

var _ credo.ScreeningStore = (*DB)(nil)

func nanos(t credo.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) credo.Time {
	if n == 0 {
		return credo.Time{}
	}
	return credo.NewTime(time.Unix(0, n))
}

// AddScreeningDecision implements credo.ScreeningStore. A retry after a
// lost acknowledgement may append the decision twice; the latest counts,
// and both say the same.
func (db *DB) AddScreeningDecision(ctx context.Context, d *credo.ScreeningDecision) error {
	return db.write(ctx, "adding a screening decision", func(ctx context.Context, tx pgx.Tx, _ int) error {
		return tx.QueryRow(ctx, `INSERT INTO screening_decisions (owner, input, code, verdict, note, decided_by, at_ns)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			d.Owner, d.Input, d.Code, d.Verdict, d.Note, d.By, nanos(d.At)).Scan(&d.ID)
	})
}

// ScreeningDecisions implements credo.ScreeningStore.
func (db *DB) ScreeningDecisions(ctx context.Context, owner, input string) ([]credo.ScreeningDecision, error) {
	out := []credo.ScreeningDecision{}
	err := db.read(ctx, "reading screening decisions", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, `SELECT DISTINCT ON (code) id, owner, input, code, verdict, note, decided_by, at_ns
			FROM screening_decisions WHERE owner = $1 AND input = $2 ORDER BY code, id DESC`, owner, input)
		if err != nil {
			return err
		}
		var d credo.ScreeningDecision
		var at int64
		_, err = pgx.ForEachRow(rows, []any{&d.ID, &d.Owner, &d.Input, &d.Code, &d.Verdict, &d.Note, &d.By, &at}, func() error {
			d.At = fromNanos(at)
			out = append(out, d)
			return nil
		})
		return err
	})
	return out, err
}

// CreateScreeningJob implements credo.ScreeningStore. A retry that finds
// the job its lost commit stored (same owner and rows) succeeds.
func (db *DB) CreateScreeningJob(ctx context.Context, j *credo.ScreeningJob) error {
	return db.write(ctx, "creating a screening job", func(ctx context.Context, tx pgx.Tx, _ int) error {
		tag, err := tx.Exec(ctx, `INSERT INTO screening_jobs (id, owner, action, depth, audit, inputs, total, created_ns)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			j.ID, j.Owner, j.Action, j.Depth, j.Audit, j.Inputs, j.Total, nanos(j.CreatedAt))
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		var owner string
		var created int64
		if err := tx.QueryRow(ctx, `SELECT owner, created_ns FROM screening_jobs WHERE id = $1`, j.ID).Scan(&owner, &created); err != nil {
			return err
		}
		if owner == j.Owner && created == nanos(j.CreatedAt) {
			return nil
		}
		return &credo.Error{Code: credo.ECONFLICT, Field: "id", Reason: "exists", Message: "screening job " + j.ID + " exists"}
	})
}

// ScreeningJob implements credo.ScreeningStore.
func (db *DB) ScreeningJob(ctx context.Context, id string) (*credo.ScreeningJob, error) {
	var j *credo.ScreeningJob
	err := db.read(ctx, "reading a screening job", func(ctx context.Context) error {
		j = &credo.ScreeningJob{}
		var created int64
		var finished *int64
		err := db.pool.QueryRow(ctx, `SELECT j.id, j.owner, j.action, j.depth, j.audit, j.inputs, j.total, j.created_ns,
				(SELECT count(*) FROM screening_results WHERE job = j.id),
				(SELECT finished_ns FROM screening_job_ends WHERE job = j.id)
			FROM screening_jobs j WHERE j.id = $1`, id).
			Scan(&j.ID, &j.Owner, &j.Action, &j.Depth, &j.Audit, &j.Inputs, &j.Total, &created, &j.Done, &finished)
		if errors.Is(err, pgx.ErrNoRows) {
			return credo.Errorf(credo.ENOTFOUND, "no screening job %s", id)
		}
		if err != nil {
			return err
		}
		j.CreatedAt = fromNanos(created)
		if finished != nil {
			j.FinishedAt = fromNanos(*finished)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// AddScreeningResults implements credo.ScreeningStore.
func (db *DB) AddScreeningResults(ctx context.Context, id string, rows []credo.ScreeningResult) error {
	if len(rows) == 0 {
		return nil
	}
	lines := make([]int32, len(rows))
	bodies := make([][]byte, len(rows))
	for i, r := range rows {
		lines[i], bodies[i] = int32(r.Line), r.Body
	}
	return db.write(ctx, "storing screening results", func(ctx context.Context, tx pgx.Tx, _ int) error {
		_, err := tx.Exec(ctx, `INSERT INTO screening_results (job, line, body)
			SELECT $1, l, b FROM unnest($2::integer[], $3::bytea[]) AS r (l, b) ON CONFLICT DO NOTHING`, id, lines, bodies)
		return err
	})
}

// ScreeningResults implements credo.ScreeningStore.
func (db *DB) ScreeningResults(ctx context.Context, id string, afterLine, limit int) ([]credo.ScreeningResult, error) {
	var out []credo.ScreeningResult
	err := db.read(ctx, "reading screening results", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, `SELECT line, body FROM screening_results WHERE job = $1 AND line > $2
			ORDER BY line LIMIT $3`, id, afterLine, limit)
		if err != nil {
			return err
		}
		var line int32
		var body []byte
		_, err = pgx.ForEachRow(rows, []any{&line, &body}, func() error {
			out = append(out, credo.ScreeningResult{Line: int(line), Body: append([]byte(nil), body...)})
			return nil
		})
		return err
	})
	return out, err
}

// SetScreeningJobTotal implements credo.ScreeningStore.
func (db *DB) SetScreeningJobTotal(ctx context.Context, id string, total int) error {
	return db.write(ctx, "setting a screening job's total", func(ctx context.Context, tx pgx.Tx, _ int) error {
		tag, err := tx.Exec(ctx, `UPDATE screening_jobs SET total = $2 WHERE id = $1`, id, total)
		if err == nil && tag.RowsAffected() == 0 {
			return credo.Errorf(credo.ENOTFOUND, "no screening job %s", id)
		}
		return err
	})
}

// FinishScreeningJob implements credo.ScreeningStore.
func (db *DB) FinishScreeningJob(ctx context.Context, id string, at credo.Time) error {
	return db.write(ctx, "finishing a screening job", func(ctx context.Context, tx pgx.Tx, _ int) error {
		_, err := tx.Exec(ctx, `INSERT INTO screening_job_ends (job, finished_ns) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, nanos(at))
		return err
	})
}

// UnfinishedScreeningJobs implements credo.ScreeningStore.
func (db *DB) UnfinishedScreeningJobs(ctx context.Context) ([]*credo.ScreeningJob, error) {
	var ids []string
	err := db.read(ctx, "listing screening jobs", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `SELECT id FROM screening_jobs j
			WHERE NOT EXISTS (SELECT 1 FROM screening_job_ends WHERE job = j.id) ORDER BY created_ns, id`)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []*credo.ScreeningJob{}
	for _, id := range ids {
		j, err := db.ScreeningJob(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}
