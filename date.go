package credo

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// Date is a civil date (registration dates, name and status changes).
// It is held as midnight UTC and written as "2006-01-02"; input may be an
// RFC 3339 date or time, of which the date in the time's own offset is kept.
type Date struct{ time.Time }

// Time is an instant (decision dates, validity ends). Input may be an
// RFC 3339 time or a date, which means midnight UTC; output is RFC 3339 UTC.
type Time struct{ time.Time }

// ParseDate parses "2006-01-02" or an RFC 3339 time.
func ParseDate(s string) (Date, error) {
	t, err := parseDateOrTime(s)
	if err != nil {
		return Date{}, err
	}
	return Date{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}, nil
}

// ParseTime parses an RFC 3339 time or a date (midnight UTC).
func ParseTime(s string) (Time, error) {
	t, err := parseDateOrTime(s)
	if err != nil {
		return Time{}, err
	}
	return Time{t.UTC()}, nil
}

func parseDateOrTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) == len("2006-01-02") {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 date or time", s)
}

// NewDate returns the civil date of t.
func NewDate(t time.Time) Date {
	return Date{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

// NewTime returns t as a Time in UTC.
func NewTime(t time.Time) Time { return Time{t.UTC()} }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
func (t Time) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func (t *Time) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*t = Time{}
		return nil
	}
	v, err := ParseTime(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// JSON methods are defined explicitly: the embedded time.Time's would
// otherwise be promoted and refuse date-only input.

func (d Date) MarshalJSON() ([]byte, error) { return quoteOrNull(d.String()), nil }
func (t Time) MarshalJSON() ([]byte, error) { return quoteOrNull(t.String()), nil }

func (d *Date) UnmarshalJSON(b []byte) error {
	s, null, err := unquote(b)
	if err != nil || null {
		*d = Date{}
		return err
	}
	return d.UnmarshalText([]byte(s))
}

func (t *Time) UnmarshalJSON(b []byte) error {
	s, null, err := unquote(b)
	if err != nil || null {
		*t = Time{}
		return err
	}
	return t.UnmarshalText([]byte(s))
}

func quoteOrNull(s string) []byte {
	if s == "" {
		return []byte("null")
	}
	return []byte(`"` + s + `"`)
}

func unquote(b []byte) (s string, null bool, err error) {
	if string(b) == "null" {
		return "", true, nil
	}
	// The string is unquoted as JSON ("\u0032026-01-01" is 2026-01-01), so
	// that a date means the same whichever way a client escaped it.
	u, err := jsontext.AppendUnquote(nil, b)
	if err != nil || len(b) == 0 || b[0] != '"' {
		return "", false, fmt.Errorf("want a date string, got %s", b)
	}
	return string(u), false, nil
}
