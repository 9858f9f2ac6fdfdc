// Package calendar computes working-day deadlines, such as the N working
// days within which an authority must decide an objection or a request for
// credit repair.
//
// Saturdays and Sundays are not working days, nor are the holidays of the
// calendar; the make-up working days of the calendar (China's 调休上班, on a
// weekend) are. A day is a date in the calendar's location, never in the
// location of the instant that is asked about.
//
// Dates outside the years a calendar lists are counted as Monday to Friday
// only: a calendar has to be kept up to date as holidays are published.
package calendar

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Asia/Shanghai must resolve on machines without zoneinfo
)

// Calendar says which days are working days. It is immutable, so one
// Calendar may be shared by any number of goroutines.
type Calendar struct {
	loc      *time.Location
	holidays map[date]struct{}
	workdays map[date]struct{} // make-up working days
}

//go:embed china.txt
var china string

var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := Parse(strings.NewReader(china))
	if err != nil {
		panic(fmt.Sprintf("embedded china.txt: %v", err))
	}
	return c
})

// Default returns the calendar of the People's Republic of China in
// Asia/Shanghai: the public holidays and make-up working days published by
// the State Council General Office for 2025 and 2026, and for 2027, whose
// notice is not included, only the fixed-date holidays (1 January, 1-2 May,
// 1-3 October). See china.txt.
//
// Every call returns the same Calendar.
func Default() *Calendar { return defaultCalendar() }

// Location returns the location whose dates the calendar counts.
func (c *Calendar) Location() *time.Location { return c.loc }

// IsWorkingDay reports whether the date of d in the calendar's location is a
// working day.
func (c *Calendar) IsWorkingDay(d time.Time) bool {
	return c.working(dateOf(d, c.loc))
}

func (c *Calendar) working(d date) bool {
	if _, ok := c.workdays[d]; ok {
		return true
	}
	if _, ok := c.holidays[d]; ok {
		return false
	}
	wd := d.weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Deadline returns the end of the n-th working day after the date of t in
// the calendar's location, that is the instant (in that location) at which
// the following day begins: a decision is on time when it is made before the
// deadline. The day of t itself is never counted, so a filing on a Friday
// or a Saturday before an ordinary weekend has the Monday as its day 1.
//
// Deadline panics if n < 1.
func (c *Calendar) Deadline(t time.Time, n int) time.Time {
	if n < 1 {
		panic(fmt.Sprintf("calendar: Deadline with n = %d, want n >= 1", n))
	}
	d := dateOf(t, c.loc)
	for n > 0 {
		d = d.next()
		if c.working(d) {
			n--
		}
	}
	end := d.next()
	return time.Date(end.y, end.m, end.d, 0, 0, 0, 0, c.loc)
}

// WorkingDaysBetween counts the working days after the date of from up to and
// including the date of to, dates in the calendar's location. It is 0 when
// the date of to is not after the date of from.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	d, last := dateOf(from, c.loc), dateOf(to, c.loc)
	n := 0
	for d.before(last) {
		d = d.next()
		if c.working(d) {
			n++
		}
	}
	return n
}

// date is a civil date, free of any location.
type date struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time, loc *time.Location) date {
	y, m, d := t.In(loc).Date()
	return date{y, m, d}
}

func (d date) next() date {
	y, m, dd := time.Date(d.y, d.m, d.d+1, 0, 0, 0, 0, time.UTC).Date()
	return date{y, m, dd}
}

func (d date) weekday() time.Weekday {
	return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC).Weekday()
}

func (d date) before(e date) bool {
	if d.y != e.y {
		return d.y < e.y
	}
	if d.m != e.m {
		return d.m < e.m
	}
	return d.d < e.d
}

func (d date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.y, d.m, d.d) }
