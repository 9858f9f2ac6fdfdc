package rulebook

import (
	"fmt"
	"strconv"
	"time"
)

// Period is a length of time written in a rulebook: a whole number of days
// ("90d"), months ("12mo") or years ("3y"). Like the CEL functions days,
// months and years, a month is 30 days and a year 365 days, so that a
// period and the same period computed in an expression always agree.
type Period struct {
	N    int
	Unit string // "d", "mo" or "y"
}

// Day, Month and Year are the lengths of the period units.
const (
	Day   = 24 * time.Hour
	Month = 30 * Day
	Year  = 365 * Day
)

// maxPeriodDays bounds periods (100 years) so that sums never overflow.
const maxPeriodDays = 100 * 365

// ParsePeriod parses "90d", "12mo" or "3y".
func ParsePeriod(s string) (Period, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	unit := s[i:]
	if i == 0 || (unit != "d" && unit != "mo" && unit != "y") {
		return Period{}, fmt.Errorf("%q is not a period: write a whole number and a unit, d, mo or y (90d, 12mo, 3y)", s)
	}
	n, err := strconv.Atoi(s[:i])
	p := Period{N: n, Unit: unit}
	if err != nil || p.days() > maxPeriodDays {
		return Period{}, fmt.Errorf("period %q is longer than 100 years", s)
	}
	return p, nil
}

func (p Period) days() int {
	switch p.Unit {
	case "mo":
		return p.N * 30
	case "y":
		return p.N * 365
	}
	return p.N
}

// Duration returns the period's length.
func (p Period) Duration() time.Duration { return time.Duration(p.days()) * Day }

// IsZero reports whether the period is empty (not given, or 0).
func (p Period) IsZero() bool { return p.N == 0 }

func (p Period) String() string {
	if p.Unit == "" {
		return ""
	}
	return strconv.Itoa(p.N) + p.Unit
}
