package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
)

// GradingInputs implements credo.GradingStore: the four reads of every
// code are sent as one batch, one round trip to the server.
func (db *DB) GradingInputs(ctx context.Context, codes []string) ([]*credo.Inputs, error) {
	if len(codes) > credo.MaxGradingInputs {
		return nil, fmt.Errorf("postgres: %d codes for grading inputs, more than %d", len(codes), credo.MaxGradingInputs)
	}
	out := make([]*credo.Inputs, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	err := db.read(ctx, "reading grading inputs", func(ctx context.Context) error {
		byCode := make(map[string]*credo.Inputs, len(codes))
		for i, c := range codes {
			if byCode[c] == nil {
				byCode[c] = &credo.Inputs{Code: c, Versions: []*credo.Subject{}, Records: []*credo.Record{}, Entries: []*credo.ListEntry{}}
			}
			out[i] = byCode[c]
		}
		b := &pgx.Batch{}
		b.Queue(`SELECT body FROM subject_versions WHERE code = ANY($1) ORDER BY code, version`, codes)
		b.Queue(`
			SELECT r.subject, r.id, r.supersedes, r.body, rp.at_ns
			FROM records r LEFT JOIN record_repairs rp ON rp.record_id = r.id
			WHERE r.subject = ANY($1) ORDER BY r.id`, codes)
		b.Queue(entrySelect+` WHERE e.subject = ANY($1) ORDER BY e.id`, codes)
		b.Queue(`SELECT `+assessmentColumns+` WHERE a.code = ANY($1)`, codes)
		res := db.pool.SendBatch(ctx, b)
		defer res.Close()
		rows, err := res.Query()
		if err != nil {
			return err
		}
		versions, err := scanSubjects(rows)
		if err != nil {
			return err
		}
		if rows, err = res.Query(); err != nil {
			return err
		}
		raw, err := scanRawRecords(rows)
		if err != nil {
			return err
		}
		records, err := decodeRecords(raw)
		if err != nil {
			return err
		}
		markSuperseded(records)
		if rows, err = res.Query(); err != nil {
			return err
		}
		entries, err := scanListEntries(rows)
		if err != nil {
			return err
		}
		if rows, err = res.Query(); err != nil {
			return err
		}
		var code, asOf, nextAt string
		var body []byte
		assessed := map[string]*credo.Assessment{}
		if _, err := pgx.ForEachRow(rows, []any{&code, &body, &asOf, &nextAt}, func() error {
			a, err := decodeAssessment(code, body, asOf, nextAt)
			assessed[code] = a
			return err
		}); err != nil {
			return err
		}
		for _, in := range byCode {
			in.Versions, in.Records, in.Entries, in.Current = in.Versions[:0], in.Records[:0], in.Entries[:0], nil
		}
		for _, v := range versions {
			if in := byCode[v.Code]; in != nil {
				in.Versions = append(in.Versions, v)
			}
		}
		for _, r := range records {
			if in := byCode[r.Subject]; in != nil {
				in.Records = append(in.Records, r)
			}
		}
		for _, e := range entries {
			if in := byCode[e.Subject]; in != nil {
				in.Entries = append(in.Entries, e)
			}
		}
		for c, a := range assessed {
			byCode[c].Current = a
		}
		return res.Close()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
