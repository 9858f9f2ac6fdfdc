package rulebook_test

import (
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

const publicitySrc = `apiVersion: credo/v1
id: pub
version: "1"
effective_from: 2023-01-01
publicity:
  - id: p2023.minor
    basis: {model: test}
    from: 2023-01-01
    until: 2026-04-01
    kinds: [penalty]
    penalty_types: [warning, reprimand]
    min: 3mo
    max: 3mo
  - id: p2023.penalty
    basis: {model: test}
    from: 2023-01-01
    until: 2026-04-01
    kinds: [penalty]
    min: 3mo
    max: 3y
  - id: p2026.minor
    basis: {model: test}
    from: 2026-04-01
    severity: [minor]
    min: 0d
    max: 3mo
  - id: p2026.serious
    basis: {model: test}
    from: 2026-04-01
    severity: [serious]
    min: 1y
    max: 3y
  - id: p2026.court
    basis: {model: test}
    from: 2026-04-01
    categories: [court]
    max: 1y
`

const regionalPublicitySrc = `apiVersion: credo/v1
id: pub-js
version: "1"
effective_from: 2023-01-01
jurisdiction: ["32"]
extends: pub
publicity:
  - id: js.minor
    basis: {model: test}
    from: 2026-04-01
    severity: [minor]
    min: 0d
    max: 1mo
`

func TestPublicity(t *testing.T) {
	s := mustSet(t, mustParse(t, "pub.yaml", []byte(publicitySrc)), mustParse(t, "pub-js.yaml", []byte(regionalPublicitySrc)))
	const shanghai, nanjing = "91310112087994932F", "91320102MA1W6XXX0X"
	day := rulebook.Day
	for _, c := range []struct {
		name                string
		rec                 credo.Record
		asOf                string
		row                 string
		repairAfter, showed time.Duration // 0 showed: no end
	}{
		{"a 2025 warning: 3 months", credo.Record{Subject: shanghai, Category: "market", Kind: "penalty", PenaltyTypes: []string{"warning"}, OccurredAt: credo.NewTime(at("2025-05-01"))},
			"2026-11-01", "p2023.minor", 90 * day, 90 * day},
		{"a 2025 fine: 3 months to 3 years", credo.Record{Subject: shanghai, Category: "market", Kind: "penalty", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2025-05-01"))},
			"2026-11-01", "p2023.penalty", 90 * day, 3 * 365 * day},
		{"the regime is the one in force at the decision date", credo.Record{Subject: shanghai, Category: "market", Kind: "penalty", Severity: "minor", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2026-03-31T23:59:59Z"))},
			"2027-01-01", "p2023.penalty", 90 * day, 3 * 365 * day},
		{"decided when the 2026 regime began", credo.Record{Subject: shanghai, Category: "market", Kind: "penalty", Severity: "minor", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2026-04-01"))},
			"2027-01-01", "p2026.minor", 0, 90 * day},
		{"shown for longer than max while it restricts", credo.Record{Subject: shanghai, Category: "safety", Kind: "penalty", Severity: "serious", OccurredAt: credo.NewTime(at("2026-05-01")), ValidUntil: credo.NewTime(at("2031-05-01"))},
			"2027-01-01", "p2026.serious", 365 * day, at("2031-05-01").Sub(at("2026-05-01"))},
		{"no min: repair ends nothing early", credo.Record{Subject: shanghai, Category: "court", Kind: "judgment_unfulfilled", OccurredAt: credo.NewTime(at("2026-05-01"))},
			"2027-01-01", "p2026.court", 365 * day, 365 * day},
		{"no row: public with no end", credo.Record{Subject: shanghai, Category: "market", Kind: "licence", OccurredAt: credo.NewTime(at("2025-05-01"))},
			"2027-01-01", "", 0, 0},
		{"the regional overlay's rows come first", credo.Record{Subject: nanjing, Category: "market", Kind: "penalty", Severity: "minor", OccurredAt: credo.NewTime(at("2026-05-01"))},
			"2027-01-01", "js.minor", 0, 30 * day},
		{"outside the region the overlay's rows do not apply", credo.Record{Subject: shanghai, Category: "market", Kind: "penalty", Severity: "minor", OccurredAt: credo.NewTime(at("2026-05-01"))},
			"2027-01-01", "p2026.minor", 0, 90 * day},
		{"before the rulebooks took effect", credo.Record{Subject: shanghai, Category: "market", Kind: "penalty", PenaltyTypes: []string{"warning"}, OccurredAt: credo.NewTime(at("2022-05-01"))},
			"2022-06-01", "", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := s.Publicity(&c.rec, at(c.asOf))
			row := ""
			if w.Row != nil {
				row = w.Row.ID
			}
			from := c.rec.OccurredAt.Time
			if row != c.row || !w.From.Equal(from) {
				t.Fatalf("row %q from %v, want %q from %v", row, w.From, c.row, from)
			}
			if c.showed == 0 {
				if !w.Until.IsZero() || !w.RepairFrom.IsZero() {
					t.Errorf("until %v repair %v, want no end", w.Until, w.RepairFrom)
				}
				return
			}
			if got := w.Until.Sub(from); got != c.showed {
				t.Errorf("shown for %v, want %v", got, c.showed)
			}
			if got := w.RepairFrom.Sub(from); got != c.repairAfter {
				t.Errorf("repair after %v, want %v", got, c.repairAfter)
			}
		})
	}
}

func TestPublicityErrors(t *testing.T) {
	src := []byte(`apiVersion: credo/v1
id: pub
version: "1"
effective_from: 2023-01-01
publicity:
  - id: bad
    from: 2023-01-01
    until: 2022-01-01
    severity: [grave]
    min: 1y
    max: 3mo
`)
	_, err := rulebook.Parse("pub.yaml", src)
	checkErrors(t, err, []wantErr{
		{8, 12, "bad", "until must be after from"},
		{9, 15, "bad", `severity: unknown value "grave"`},
		{10, 10, "bad", "min 1y is longer than max 3mo"},
	})
}
