package ingest_test

import (
	"strings"
	"testing"

	"github.com/credo-registry/credo/ingest"
)

func TestReadLines(t *testing.T) {
	long := strings.Repeat("x", 200_000)
	input := "{\"a\":1}\n\n  \n{\"b\":2}\r\n" + long + "\n{\"c\":3}"
	var got []ingest.Line
	err := ingest.ReadLines(strings.NewReader(input), 100_000, func(l ingest.Line) error {
		l.Data = append([]byte(nil), l.Data...)
		got = append(got, l)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []ingest.Line{
		{Number: 1, Data: []byte(`{"a":1}`)},
		{Number: 4, Data: []byte(`{"b":2}`)},
		{Number: 5, TooLong: true},
		{Number: 6, Data: []byte(`{"c":3}`)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].Number != want[i].Number || string(got[i].Data) != string(want[i].Data) || got[i].TooLong != want[i].TooLong {
			t.Errorf("line %d: got %d %q %v, want %d %q %v", i, got[i].Number, got[i].Data, got[i].TooLong,
				want[i].Number, want[i].Data, want[i].TooLong)
		}
	}
}

func TestReadLinesLongLineWithinLimit(t *testing.T) {
	// Longer than the reader's internal buffer but within the limit.
	line := `{"d":"` + strings.Repeat("y", 150_000) + `"}`
	n := 0
	err := ingest.ReadLines(strings.NewReader(line+"\n"+line), 1<<20, func(l ingest.Line) error {
		n++
		if l.TooLong || string(l.Data) != line {
			t.Errorf("line %d mangled (too long %v, %d bytes)", l.Number, l.TooLong, len(l.Data))
		}
		return nil
	})
	if err != nil || n != 2 {
		t.Fatalf("n=%d err=%v", n, err)
	}
}
