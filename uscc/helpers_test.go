package uscc_test

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// alphabet is the 31-character code alphabet, restated here so that the
// tests do not trust the package's own table.
const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// mustSample returns the real codes in testdata/valid-sample.txt.
func mustSample(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open("testdata/valid-sample.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var codes []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			codes = append(codes, line)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(codes) != 100 {
		tb.Fatalf("sample has %d codes, want 100", len(codes))
	}
	return codes
}
