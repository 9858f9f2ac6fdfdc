package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/credo-registry/credo"
)

var _ credo.ScreeningStore = (*DB)(nil)

// AddScreeningDecision implements credo.ScreeningStore.
func (db *DB) AddScreeningDecision(ctx context.Context, d *credo.ScreeningDecision) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO screening_decisions(owner, input, code, verdict, note, decided_by, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, d.Owner, d.Input, d.Code, d.Verdict, d.Note, d.By, unixNano(d.At))
		if err != nil {
			return err
		}
		d.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: adding a screening decision: %w", err)
	}
	return nil
}

// ScreeningDecisions implements credo.ScreeningStore.
func (db *DB) ScreeningDecisions(ctx context.Context, owner, input string) ([]credo.ScreeningDecision, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, owner, input, code, verdict, note, decided_by, at FROM screening_decisions d
		WHERE owner = ? AND input = ? AND id = (SELECT max(id) FROM screening_decisions
			WHERE owner = d.owner AND input = d.input AND code = d.code)
		ORDER BY code`, owner, input)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading screening decisions: %w", err)
	}
	defer rows.Close()
	out := []credo.ScreeningDecision{}
	for rows.Next() {
		var d credo.ScreeningDecision
		var at int64
		if err := rows.Scan(&d.ID, &d.Owner, &d.Input, &d.Code, &d.Verdict, &d.Note, &d.By, &at); err != nil {
			return nil, fmt.Errorf("sqlite: reading screening decisions: %w", err)
		}
		d.At = fromUnixNano(at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading screening decisions: %w", err)
	}
	return out, nil
}

// CreateScreeningJob implements credo.ScreeningStore.
func (db *DB) CreateScreeningJob(ctx context.Context, j *credo.ScreeningJob) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO screening_jobs(id, owner, action, depth, audit, inputs, total, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, j.ID, j.Owner, j.Action, j.Depth, j.Audit, j.Inputs, j.Total, unixNano(j.CreatedAt))
		if isUniqueViolation(err) {
			return &credo.Error{Code: credo.ECONFLICT, Field: "id", Reason: "exists", Message: "screening job " + j.ID + " exists"}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: creating screening job: %w", err)
	}
	return nil
}

// ScreeningJob implements credo.ScreeningStore.
func (db *DB) ScreeningJob(ctx context.Context, id string) (*credo.ScreeningJob, error) {
	j := &credo.ScreeningJob{}
	var created int64
	var finished sql.NullInt64
	err := db.r.QueryRowContext(ctx, `SELECT j.id, j.owner, j.action, j.depth, j.audit, j.inputs, j.total, j.created_at,
			(SELECT count(*) FROM screening_results WHERE job = j.id),
			(SELECT finished_at FROM screening_job_ends WHERE job = j.id)
		FROM screening_jobs j WHERE j.id = ?`, id).
		Scan(&j.ID, &j.Owner, &j.Action, &j.Depth, &j.Audit, &j.Inputs, &j.Total, &created, &j.Done, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credo.Errorf(credo.ENOTFOUND, "no screening job %s", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading screening job %s: %w", id, err)
	}
	j.CreatedAt = fromUnixNano(created)
	if finished.Valid {
		j.FinishedAt = fromUnixNano(finished.Int64)
	}
	return j, nil
}

// AddScreeningResults implements credo.ScreeningStore.
func (db *DB) AddScreeningResults(ctx context.Context, id string, rows []credo.ScreeningResult) error {
	if len(rows) == 0 {
		return nil
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO screening_results(job, line, body) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`, id, r.Line, r.Body); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: storing screening results of %s: %w", id, err)
	}
	return nil
}

// ScreeningResults implements credo.ScreeningStore.
func (db *DB) ScreeningResults(ctx context.Context, id string, afterLine, limit int) ([]credo.ScreeningResult, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT line, body FROM screening_results WHERE job = ? AND line > ?
		ORDER BY line LIMIT ?`, id, afterLine, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading screening results of %s: %w", id, err)
	}
	defer rows.Close()
	var out []credo.ScreeningResult
	for rows.Next() {
		var r credo.ScreeningResult
		if err := rows.Scan(&r.Line, &r.Body); err != nil {
			return nil, fmt.Errorf("sqlite: reading screening results of %s: %w", id, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetScreeningJobTotal implements credo.ScreeningStore.
func (db *DB) SetScreeningJobTotal(ctx context.Context, id string, total int) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE screening_jobs SET total = ? WHERE id = ?`, total, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmp.Or(err, error(credo.Errorf(credo.ENOTFOUND, "no screening job %s", id)))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: setting the total of screening job %s: %w", id, err)
	}
	return nil
}

// FinishScreeningJob implements credo.ScreeningStore.
func (db *DB) FinishScreeningJob(ctx context.Context, id string, at credo.Time) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO screening_job_ends(job, finished_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, unixNano(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: finishing screening job %s: %w", id, err)
	}
	return nil
}

// UnfinishedScreeningJobs implements credo.ScreeningStore.
func (db *DB) UnfinishedScreeningJobs(ctx context.Context) ([]*credo.ScreeningJob, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM screening_jobs j
		WHERE NOT EXISTS (SELECT 1 FROM screening_job_ends WHERE job = j.id) ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing screening jobs: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
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
