package ingest_test

import (
	"bytes"
	"testing"

	"github.com/credo-registry/credo/ingest"
)

// FuzzReadLines holds ReadLines to a plain model of NDJSON lines: lines
// split at '\n', numbered from 1 counting blank ones, white space (and
// '\r') trimmed, blank lines skipped, a line longer than max (with its
// '\n') reported as TooLong without its data. rep repeats the input, so
// that lines grow past the reader's 64 KiB buffer.
func FuzzReadLines(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n\n  \n{\"b\":2}\r\n"), uint16(100), uint16(0))
	f.Add([]byte(`{"subject":"914403001922038216","category":"market","kind":"penalty","external_id":"SZ-MKT-2026-00017","occurred_at":"2026-10-14"}`+"\n"), uint16(1<<15), uint16(3))
	f.Add([]byte("xxxxxxxxxxxxxxxx"), uint16(65535), uint16(5000))
	f.Add([]byte("\n"), uint16(0), uint16(2))
	f.Fuzz(func(t *testing.T, data []byte, max, rep uint16) {
		input := bytes.Repeat(data, 1+int(rep))
		if len(input) > 200<<10 {
			input = input[:200<<10]
		}
		var got []ingest.Line
		err := ingest.ReadLines(bytes.NewReader(input), int(max), func(l ingest.Line) error {
			l.Data = bytes.Clone(l.Data)
			got = append(got, l)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var want []ingest.Line
		pieces := bytes.Split(input, []byte("\n"))
		for i, p := range pieces {
			raw := len(p)
			if i < len(pieces)-1 {
				raw++ // its '\n'
			} else if raw == 0 {
				break // the input ended with '\n'
			}
			l := ingest.Line{Number: i + 1, Data: bytes.TrimSpace(p)}
			if raw > int(max) {
				l.Data, l.TooLong = nil, true
			}
			if l.TooLong || len(l.Data) > 0 {
				want = append(want, l)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%d lines, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i].Number != want[i].Number || got[i].TooLong != want[i].TooLong || !bytes.Equal(got[i].Data, want[i].Data) {
				t.Fatalf("line %d: got %d %v %.40q, want %d %v %.40q", i, got[i].Number, got[i].TooLong, got[i].Data, want[i].Number, want[i].TooLong, want[i].Data)
			}
		}
	})
}
