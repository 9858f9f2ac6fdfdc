package calendar_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo/calendar"
)

// shanghai is loaded independently of the package so that a calendar in the
// wrong location cannot pass by agreeing with itself.
func shanghai(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// at parses "2006-01-02 15:04:05" in loc.
func at(tb testing.TB, s string, loc *time.Location) time.Time {
	tb.Helper()
	t, err := time.ParseInLocation(time.DateTime, s, loc)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func TestDefaultLocation(t *testing.T) {
	if got := calendar.Default().Location().String(); got != "Asia/Shanghai" {
		t.Fatalf("Location() = %q, want Asia/Shanghai", got)
	}
}

func TestIsWorkingDay(t *testing.T) {
	sh := shanghai(t)
	c := calendar.Default()
	tests := []struct {
		name string
		day  string // Shanghai date
		want bool
	}{
		{"ordinary Monday", "2026-03-09", true},
		{"ordinary Friday", "2026-03-06", true},
		{"ordinary Saturday", "2026-03-07", false},
		{"ordinary Sunday", "2026-03-08", false},
		{"2025 New Year, Wednesday", "2025-01-01", false},
		{"2025 Spring Festival make-up Sunday", "2025-01-26", true},
		{"2025 Spring Festival eve, Tuesday", "2025-01-28", false},
		{"2025 Spring Festival make-up Saturday", "2025-02-08", true},
		{"2025 Labour Day make-up Sunday", "2025-04-27", true},
		{"2025 Labour Day, Friday 2 May", "2025-05-02", false},
		{"2025 Dragon Boat, Monday", "2025-06-02", false},
		{"2025 National Day make-up Sunday", "2025-09-28", true},
		{"2025 National Day 8 October, Wednesday", "2025-10-08", false},
		{"2025 National Day make-up Saturday", "2025-10-11", true},
		{"2026 New Year, Friday 2 January", "2026-01-02", false},
		{"2026 New Year make-up Sunday", "2026-01-04", true},
		{"2026 Spring Festival make-up Saturday before", "2026-02-14", true},
		{"2026 Spring Festival eve, Monday", "2026-02-16", false},
		{"2026 Spring Festival last day, Monday", "2026-02-23", false},
		{"2026 Spring Festival first day back", "2026-02-24", true},
		{"2026 Spring Festival make-up Saturday after", "2026-02-28", true},
		{"2026 Qingming Monday", "2026-04-06", false},
		{"2026 Labour Day, Tuesday 5 May", "2026-05-05", false},
		{"2026 Labour Day make-up Saturday", "2026-05-09", true},
		{"2026 Dragon Boat Friday", "2026-06-19", false},
		{"2026 National Day make-up Sunday", "2026-09-20", true},
		{"2026 Mid-Autumn Friday", "2026-09-25", false},
		{"2026 National Day Wednesday 7 October", "2026-10-07", false},
		{"2026 first day back, Thursday", "2026-10-08", true},
		{"2026 National Day make-up Saturday", "2026-10-10", true},
		{"2027 New Year, Friday", "2027-01-01", false},
		{"2027 National Day, Friday", "2027-10-01", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.IsWorkingDay(at(t, tt.day+" 12:00:00", sh)); got != tt.want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
}

// The date that counts is the date in Shanghai, whatever the location of the
// instant asked about.
func TestIsWorkingDayUsesCalendarLocation(t *testing.T) {
	c := calendar.Default()
	tests := []struct {
		utc  string
		want bool
	}{
		{"2026-02-13 15:59:59", true},  // Fri 13 Feb 23:59:59 in Shanghai
		{"2026-02-13 16:00:00", true},  // Sat 14 Feb 00:00:00, make-up working day
		{"2026-02-14 15:59:59", true},  // Sat 14 Feb 23:59:59
		{"2026-02-14 16:00:00", false}, // Sun 15 Feb, Spring Festival
		{"2026-03-06 16:00:00", false}, // Sat 7 Mar, ordinary weekend
		{"2026-03-08 16:00:00", true},  // Mon 9 Mar
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(at(t, tt.utc, time.UTC)); got != tt.want {
			t.Errorf("IsWorkingDay(%s UTC) = %v, want %v", tt.utc, got, tt.want)
		}
	}
}

func TestDeadline(t *testing.T) {
	sh := shanghai(t)
	c := calendar.Default()
	tests := []struct {
		name  string
		filed time.Time
		n     int
		want  string // Shanghai time
	}{
		// Ordinary weeks: Fri 6 Mar 2026, Sat 7, Sun 8, Mon 9 ...
		{"Friday n=1 skips the weekend", at(t, "2026-03-06 10:00:00", sh), 1, "2026-03-10 00:00:00"},
		{"Friday n=3", at(t, "2026-03-06 10:00:00", sh), 3, "2026-03-12 00:00:00"},
		{"Wednesday n=3 across the weekend", at(t, "2026-03-04 10:00:00", sh), 3, "2026-03-10 00:00:00"},
		{"Monday n=10 typical", at(t, "2026-03-09 09:30:00", sh), 10, "2026-03-24 00:00:00"},
		{"Saturday counts from Monday, n=1", at(t, "2026-03-07 09:00:00", sh), 1, "2026-03-10 00:00:00"},
		{"Saturday counts from Monday, n=10", at(t, "2026-03-07 09:00:00", sh), 10, "2026-03-21 00:00:00"},
		{"Sunday counts from Monday, n=1", at(t, "2026-03-08 18:00:00", sh), 1, "2026-03-10 00:00:00"},

		// Spring Festival 2026: Sat 14 Feb make-up working day, holidays
		// Sun 15 to Mon 23 Feb, Sat 28 Feb make-up working day.
		{"Friday before Spring Festival n=1 is the make-up Saturday", at(t, "2026-02-13 10:00:00", sh), 1, "2026-02-15 00:00:00"},
		{"Friday before Spring Festival n=2 jumps the holiday", at(t, "2026-02-13 10:00:00", sh), 2, "2026-02-25 00:00:00"},
		// 14 Feb (1), 24-27 Feb (2-5), 28 Feb (6), 2-5 Mar (7-10)
		{"Friday before Spring Festival n=10", at(t, "2026-02-13 10:00:00", sh), 10, "2026-03-06 00:00:00"},
		// 24-27 Feb (1-4), 28 Feb (5), 2-6 Mar (6-10)
		{"filed during Spring Festival n=10", at(t, "2026-02-18 10:00:00", sh), 10, "2026-03-07 00:00:00"},
		{"make-up Saturday n=5 counts the next make-up Saturday", at(t, "2026-02-14 10:00:00", sh), 5, "2026-03-01 00:00:00"},

		// Mid-Autumn and National Day 2026: Sun 20 Sep make-up working day,
		// holidays Fri 25 to Sun 27 Sep and Thu 1 to Wed 7 Oct, Sat 10 Oct
		// make-up working day.
		{"Saturday before a make-up Sunday n=1", at(t, "2026-09-19 10:00:00", sh), 1, "2026-09-21 00:00:00"},
		// 23, 24, 28, 29, 30 Sep (1-5), 8, 9 Oct (6, 7), Sat 10 Oct (8), 12, 13 Oct (9, 10)
		{"Tuesday before National Day n=10", at(t, "2026-09-22 10:00:00", sh), 10, "2026-10-14 00:00:00"},
		{"Wednesday 30 Sep n=1 jumps the holiday", at(t, "2026-09-30 10:00:00", sh), 1, "2026-10-09 00:00:00"},
		{"Friday 9 Oct n=1 is the make-up Saturday", at(t, "2026-10-09 10:00:00", sh), 1, "2026-10-11 00:00:00"},

		// Around midnight in Shanghai, with instants injected in UTC.
		// An ordinary weekend: 23:59:59 on Thursday is still Thursday...
		{"Thursday 23:59:59 Shanghai", at(t, "2026-03-05 15:59:59", time.UTC), 1, "2026-03-07 00:00:00"},
		// ...and one second later it is Friday, whose day 1 is Monday.
		{"Friday 00:00:00 Shanghai", at(t, "2026-03-05 16:00:00", time.UTC), 1, "2026-03-10 00:00:00"},
		// Friday night and Saturday count from the same Monday.
		{"Friday 23:59:59 Shanghai, ordinary weekend", at(t, "2026-03-06 15:59:59", time.UTC), 10, "2026-03-21 00:00:00"},
		{"Saturday 00:00:00 Shanghai, ordinary weekend", at(t, "2026-03-06 16:00:00", time.UTC), 10, "2026-03-21 00:00:00"},
		// Before a make-up Saturday the second matters: from Friday the
		// Saturday is day 1, from the Saturday itself it is not counted.
		{"Friday 23:59:59 Shanghai before make-up Saturday n=1", at(t, "2026-02-13 15:59:59", time.UTC), 1, "2026-02-15 00:00:00"},
		{"Saturday 00:00:00 Shanghai make-up day n=1", at(t, "2026-02-13 16:00:00", time.UTC), 1, "2026-02-25 00:00:00"},
		{"Friday 23:59:59 Shanghai before make-up Saturday n=10", at(t, "2026-02-13 15:59:59", time.UTC), 10, "2026-03-06 00:00:00"},
		{"Saturday 00:00:00 Shanghai make-up day n=10", at(t, "2026-02-13 16:00:00", time.UTC), 10, "2026-03-07 00:00:00"},

		// 2025: Spring Festival 28 Jan to 4 Feb, make-up Sat 8 Feb.
		// 5-7 Feb (1-3), Sat 8 Feb (4), 10-14 Feb (5-9), 17 Feb (10)
		{"2025 filed on Spring Festival eve n=10", at(t, "2025-01-28 10:00:00", sh), 10, "2025-02-18 00:00:00"},
		// Across the year end: 31 Dec (1), 1 Jan 2026 holiday, 2-3 Jan holiday, Sun 4 Jan make-up (2), 5 Jan (3)
		{"2025 year end n=3", at(t, "2025-12-30 10:00:00", sh), 3, "2026-01-06 00:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := at(t, tt.want, sh)
			got := c.Deadline(tt.filed, tt.n)
			if !got.Equal(want) {
				t.Errorf("Deadline(%s, %d) = %s, want %s", tt.filed.In(sh).Format(time.DateTime), tt.n,
					got.In(sh).Format(time.DateTime+" Mon"), want.Format(time.DateTime+" Mon"))
			}
			if got.Location().String() != "Asia/Shanghai" {
				t.Errorf("Deadline location = %s, want Asia/Shanghai", got.Location())
			}
		})
	}
}

// A decision one second before the deadline is on the n-th working day; at
// the deadline it is on a later day. Checked on many filings against
// WorkingDaysBetween and IsWorkingDay.
func TestDeadlineAgreesWithWorkingDaysBetween(t *testing.T) {
	c := calendar.Default()
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC).Unix()
	end := time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	for range 5000 {
		filed := time.Unix(start+r.Int64N(end-start), 0).UTC()
		n := 1 + r.IntN(40)
		dl := c.Deadline(filed, n)
		last := dl.Add(-time.Second)
		if got := c.WorkingDaysBetween(filed, last); got != n {
			t.Fatalf("filed %s, n=%d: deadline %s, but WorkingDaysBetween(filed, deadline-1s) = %d", filed, n, dl, got)
		}
		if !c.IsWorkingDay(last) {
			t.Fatalf("filed %s, n=%d: deadline %s does not end a working day", filed, n, dl)
		}
		if h, m, s := dl.In(c.Location()).Clock(); h != 0 || m != 0 || s != 0 || dl.Nanosecond() != 0 {
			t.Fatalf("filed %s, n=%d: deadline %s is not the start of a day", filed, n, dl)
		}
	}
}

func TestDeadlinePanicsOnNonPositiveN(t *testing.T) {
	for _, n := range []int{0, -1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Deadline(_, %d) did not panic", n)
				}
			}()
			calendar.Default().Deadline(time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC), n)
		}()
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	sh := shanghai(t)
	c := calendar.Default()
	tests := []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"same instant", at(t, "2026-03-09 10:00:00", sh), at(t, "2026-03-09 10:00:00", sh), 0},
		{"same day, later", at(t, "2026-03-09 00:00:00", sh), at(t, "2026-03-09 23:59:59", sh), 0},
		{"to before from", at(t, "2026-03-13 10:00:00", sh), at(t, "2026-03-09 10:00:00", sh), 0},
		{"Monday to Tuesday", at(t, "2026-03-09 10:00:00", sh), at(t, "2026-03-10 08:00:00", sh), 1},
		{"Friday to Monday", at(t, "2026-03-06 18:00:00", sh), at(t, "2026-03-09 08:00:00", sh), 1},
		{"Friday to Sunday", at(t, "2026-03-06 18:00:00", sh), at(t, "2026-03-08 23:59:59", sh), 0},
		{"two full weeks", at(t, "2026-03-06 10:00:00", sh), at(t, "2026-03-20 10:00:00", sh), 10},
		// 14 Feb, 24-27 Feb, 28 Feb, 2-6 Mar
		{"across Spring Festival 2026", at(t, "2026-02-13 10:00:00", sh), at(t, "2026-03-06 10:00:00", sh), 11},
		{"inside Spring Festival 2026", at(t, "2026-02-14 10:00:00", sh), at(t, "2026-02-23 23:59:59", sh), 0},
		// 20 Sep, 21-24 Sep, 28-30 Sep, 8-9 Oct, 10 Oct
		{"across National Day 2026", at(t, "2026-09-19 10:00:00", sh), at(t, "2026-10-10 10:00:00", sh), 11},
		// Shanghai midnight given in UTC.
		{"Saturday 00:00 to Monday 00:00 Shanghai", at(t, "2026-03-06 16:00:00", time.UTC), at(t, "2026-03-08 16:00:00", time.UTC), 1},
		{"Saturday 00:00 to Sunday 23:59:59 Shanghai", at(t, "2026-03-06 16:00:00", time.UTC), at(t, "2026-03-08 15:59:59", time.UTC), 0},
		{"Friday 23:59:59 to make-up Saturday 00:00 Shanghai", at(t, "2026-02-13 15:59:59", time.UTC), at(t, "2026-02-13 16:00:00", time.UTC), 1},
		// 2025 and 2026 each have 261 weekdays; 2025 loses 18 to holidays
		// and gains 5 make-up days, 2026 loses 19 and gains 6.
		{"all of 2025", at(t, "2024-12-31 12:00:00", sh), at(t, "2025-12-31 12:00:00", sh), 248},
		{"all of 2026", at(t, "2025-12-31 12:00:00", sh), at(t, "2026-12-31 12:00:00", sh), 248},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.WorkingDaysBetween(tt.from, tt.to); got != tt.want {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	const file = "\ufeff# Test calendar\n" +
		"\n" +
		"zone Europe/Berlin   # Central European Time\n" +
		"2026-12-24 holiday Heiligabend\n" +
		"2026-12-25 holiday   # Weihnachten\n" +
		"2026-12-26 holiday\n" +
		"2026-12-26 holiday listed twice, harmless\n" +
		"  2026-12-19   workday  a Saturday\n"
	c, err := calendar.Parse(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Location().String(); got != "Europe/Berlin" {
		t.Errorf("Location() = %q, want Europe/Berlin", got)
	}
	berlin := c.Location()
	for day, want := range map[string]bool{
		"2026-12-18": true,  // Friday
		"2026-12-19": true,  // Saturday, workday
		"2026-12-20": false, // Sunday
		"2026-12-23": true,  // Wednesday
		"2026-12-24": false, // holiday
		"2026-12-25": false, // holiday
		"2026-12-28": true,  // Monday
	} {
		if got := c.IsWorkingDay(at(t, day+" 12:00:00", berlin)); got != want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", day, got, want)
		}
	}
	// 23:30 UTC on the 23rd is already the 24th in Berlin.
	if c.IsWorkingDay(at(t, "2026-12-23 23:30:00", time.UTC)) {
		t.Error("IsWorkingDay(2026-12-23 23:30 UTC) = true, want false: it is 24 December in Berlin")
	}
	// Wed 23 Dec: Thu 24, Fri 25, Sat 26 off, Mon 28 is day 1.
	want := time.Date(2026, 12, 29, 0, 0, 0, 0, berlin)
	if got := c.Deadline(at(t, "2026-12-23 10:00:00", berlin), 1); !got.Equal(want) {
		t.Errorf("Deadline = %s, want %s", got, want)
	}
}

func TestParseDefaultZone(t *testing.T) {
	c, err := calendar.Parse(strings.NewReader("2026-05-04 holiday\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Location().String(); got != "Asia/Shanghai" {
		t.Errorf("Location() = %q, want Asia/Shanghai", got)
	}
	empty, err := calendar.Parse(strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	if !empty.IsWorkingDay(time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)) {
		t.Error("an empty calendar has 1 Oct 2026 (Thursday) as a holiday")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string // substrings of the error
	}{
		{"bad date", "# c\n2026-01-01 holiday\n2026-02-30 holiday\n", []string{"line 3:", `"2026-02-30"`, "not a date"}},
		{"short date", "2026-1-1 holiday\n", []string{"line 1:", "not a date"}},
		{"not a date at all", "\n\nholiday 2026-01-01\n", []string{"line 3:", `"holiday"`}},
		{"bad word", "zone Asia/Shanghai\n2026-01-01 holliday\n", []string{"line 2:", `"holliday"`, "holiday", "workday"}},
		{"missing word", "2026-01-01\n", []string{"line 1:", "holiday", "workday"}},
		{"workday then holiday", "2026-02-14 workday\n# x\n2026-02-14 holiday\n", []string{"line 3:", "2026-02-14", "workday on line 1"}},
		{"holiday then workday", "2026-02-14 holiday\n2026-02-15 holiday\n2026-02-14 workday\n", []string{"line 3:", "2026-02-14", "holiday on line 1"}},
		{"workday on a weekday", "2026-02-13 workday\n", []string{"line 1:", "2026-02-13", "Friday", "weekend"}},
		{"zone after dates", "2026-01-01 holiday\nzone Asia/Shanghai\n", []string{"line 2:", "zone"}},
		{"two zones", "zone Asia/Shanghai\nzone Asia/Shanghai\n", []string{"line 2:", "line 1"}},
		{"unknown zone", "# c\nzone Asia/Atlantis\n", []string{"line 2:", "Asia/Atlantis"}},
		{"zone without name", "zone\n", []string{"line 1:", "zone"}},
		{"zone Local", "zone Local\n", []string{"line 1:", "Local"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := calendar.Parse(strings.NewReader(tt.file))
			if err == nil {
				t.Fatalf("Parse succeeded (location %s), want an error", c.Location())
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	if err := os.WriteFile(good, []byte("zone UTC\n2026-03-09 holiday\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := calendar.Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if c.Location() != time.UTC || c.IsWorkingDay(time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("Load(%s): location %s, 9 March working = true; want UTC and false", good, c.Location())
	}

	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("2026-03-09 holiday\n2026-03-10 feiertag\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = calendar.Load(bad)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "line 2:") {
		t.Errorf("Load(bad) error = %v, want the path and line 2", err)
	}

	if _, err := calendar.Load(filepath.Join(dir, "missing.txt")); err == nil {
		t.Error("Load(missing file) succeeded")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("zone Asia/Shanghai\n2026-02-14 workday\n2026-02-15 holiday 春节\n")
	f.Add("2026-02-30 holiday\n")
	f.Add("# x\n\n2026-01-01 holiday # y\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := calendar.Parse(strings.NewReader(s))
		if err != nil {
			if !strings.Contains(err.Error(), "line ") && !strings.Contains(err.Error(), "reading") {
				t.Errorf("error without a line: %v", err)
			}
			return
		}
		if c.Location() == nil {
			t.Error("nil location")
		}
	})
}
