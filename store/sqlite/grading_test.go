package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/uscc"
)

// TestEachSubjectChunks reads a registry in chunks of many sizes, so that
// chunk boundaries fall between organizations, inside one's records and
// at the ends, and checks that EachSubject gives what the registered codes
// and AllRecords say, from any starting point.
func TestEachSubjectChunks(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	w := newWorkload(40)
	var subjects []*credo.Subject
	for i, code := range w.codes {
		if i%2 == 0 {
			subjects = append(subjects, &credo.Subject{Code: code, Name: fmt.Sprintf("企业%d", i), RecordedAt: w.recorded})
		}
	}
	for i := range 10 { // registered, without records
		code, err := uscc.Build('9', '1', "310115", fmt.Sprintf("%08d", 50000000+i*7))
		if err != nil {
			t.Fatal(err)
		}
		subjects = append(subjects, &credo.Subject{Code: code, Name: fmt.Sprintf("空白企业%d", i), RecordedAt: w.recorded})
	}
	if _, err := db.PutSubjects(ctx, subjects); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := db.AppendRecords(ctx, w.batch(150)); err != nil {
			t.Fatal(err)
		}
	}
	codes := slices.Clone(w.codes)
	for _, s := range subjects {
		codes = append(codes, s.Code)
	}
	slices.Sort(codes)
	codes = slices.Compact(codes)
	want := map[string]string{}
	for _, code := range codes {
		recs, err := db.AllRecords(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(recs)
		want[code] = string(b)
	}
	for _, n := range []int{1, 2, 3, 5, 8, 13, 100, 10000} {
		db.SetEachChunk(n)
		for _, after := range []string{"", codes[0], codes[17], codes[17] + "0", codes[len(codes)-1]} {
			var got []string
			err := db.EachSubject(ctx, after, func(code string, records []*credo.Record) error {
				got = append(got, code)
				if b, _ := json.Marshal(records); string(b) != want[code] {
					t.Errorf("chunks of %d: records of %s:\n got %s\nwant %s", n, code, b, want[code])
				}
				return nil
			})
			if err != nil {
				t.Fatalf("chunks of %d, after %q: %v", n, after, err)
			}
			i, _ := slices.BinarySearch(codes, after)
			if i < len(codes) && codes[i] == after {
				i++
			}
			if !slices.Equal(got, codes[i:]) {
				t.Errorf("chunks of %d, after %q: visited %q, want %q", n, after, got, codes[i:])
			}
		}
	}
}

// TestEachSubjectCancelled ends a pass by cancelling its context: no
// organization is visited after that, and the error says why.
func TestEachSubjectCancelled(t *testing.T) {
	db := mustOpen(t, t.TempDir())
	w := newWorkload(200)
	if _, err := db.AppendRecords(context.Background(), w.batch(1000)); err != nil {
		t.Fatal(err)
	}
	db.SetEachChunk(10)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := db.EachSubject(ctx, "", func(string, []*credo.Record) error {
		calls++
		if calls == 3 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls != 3 {
		t.Errorf("EachSubject returned %v after %d calls; want context.Canceled after 3", err, calls)
	}
}
