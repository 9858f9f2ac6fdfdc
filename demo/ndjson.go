package demo

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/credo-registry/credo"
)

// WriteNDJSON writes the demo registry into dir (created if missing) as
// authorities.ndjson, subjects.ndjson, records.ndjson and
// annual-reports.ndjson: one JSON object
// per line, in generation order, ready for import.
func WriteNDJSON(cfg Config, dir string) error {
	if _, err := newGenerator(cfg); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	err := writeFile(filepath.Join(dir, "authorities.ndjson"), func(put func(any) error) error {
		for _, a := range Authorities(cfg) {
			if err := put(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = writeFile(filepath.Join(dir, "subjects.ndjson"), func(put func(any) error) error {
		return Subjects(cfg, func(s *credo.Subject) error { return put(s) })
	})
	if err != nil {
		return err
	}
	err = writeFile(filepath.Join(dir, "records.ndjson"), func(put func(any) error) error {
		return Records(cfg, func(r *credo.Record) error { return put(r) })
	})
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "annual-reports.ndjson"), func(put func(any) error) error {
		return AnnualReports(cfg, func(r *credo.AnnualReport) error { return put(r) })
	})
}

// writeFile creates path and lets fill put values into it, one per line.
func writeFile(path string, fill func(put func(any) error) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("demo: %w", cerr)
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	enc := jsontext.NewEncoder(w)
	// Zero fields (id 0, version 0, an empty time) say nothing in an import.
	opts := json.OmitZeroStructFields(true)
	err = fill(func(v any) error { return json.MarshalEncode(enc, v, opts) })
	if err != nil {
		return fmt.Errorf("demo: writing %s: %w", filepath.Base(path), err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("demo: writing %s: %w", filepath.Base(path), err)
	}
	return nil
}
