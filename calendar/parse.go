package calendar

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// defaultZone is the location of a calendar file without a zone directive:
// the registry counts the working days of Chinese authorities.
const defaultZone = "Asia/Shanghai"

// Parse reads a calendar file. Each line is one of
//
//	zone Asia/Shanghai
//	YYYY-MM-DD holiday [comment]
//	YYYY-MM-DD workday [comment]
//
// where a workday line marks a make-up working day, which must fall on a
// Saturday or a Sunday. Text from '#' to the end of a line is a comment;
// blank lines are ignored. The zone directive, an IANA name, is optional and
// must come before the first date; without it the calendar is in
// Asia/Shanghai. A date may be listed more than once, but not both as a
// holiday and as a workday.
//
// An error names the line number and what is wrong with it.
func Parse(r io.Reader) (*Calendar, error) {
	c, err := parse(r)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return c, nil
}

// Load reads the calendar file at path; see Parse.
func Load(path string) (*Calendar, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	defer f.Close()
	c, err := parse(f)
	if err != nil {
		return nil, fmt.Errorf("calendar: %s: %w", path, err)
	}
	return c, nil
}

func parse(r io.Reader) (*Calendar, error) {
	c := &Calendar{holidays: map[date]struct{}{}, workdays: map[date]struct{}{}}
	seen := map[date]int{} // line of each date's first listing
	zoneLine := 0
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if f[0] == "zone" {
			switch {
			case zoneLine != 0:
				return nil, fmt.Errorf("line %d: second zone directive (the first is on line %d)", n, zoneLine)
			case len(seen) > 0:
				return nil, fmt.Errorf("line %d: zone directive after the first date; it must come first", n)
			case len(f) != 2:
				return nil, fmt.Errorf("line %d: zone directive wants one location name, as in \"zone Asia/Shanghai\"", n)
			case f[1] == "Local":
				return nil, fmt.Errorf("line %d: zone Local depends on the machine; name the location", n)
			}
			loc, err := time.LoadLocation(f[1])
			if err != nil {
				return nil, fmt.Errorf("line %d: unknown zone %q", n, f[1])
			}
			c.loc, zoneLine = loc, n
			continue
		}
		t, err := time.Parse(time.DateOnly, f[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: %q is not a date YYYY-MM-DD", n, f[0])
		}
		d := dateOf(t, time.UTC)
		if len(f) < 2 {
			return nil, fmt.Errorf("line %d: %s wants \"holiday\" or \"workday\" after it", n, d)
		}
		var set, other map[date]struct{}
		var otherWord string
		switch f[1] {
		case "holiday":
			set, other, otherWord = c.holidays, c.workdays, "workday"
		case "workday":
			if wd := d.weekday(); wd != time.Saturday && wd != time.Sunday {
				return nil, fmt.Errorf("line %d: %s is a %s; a workday line marks a make-up working day on a weekend", n, d, wd)
			}
			set, other, otherWord = c.workdays, c.holidays, "holiday"
		default:
			return nil, fmt.Errorf("line %d: %q after %s, want \"holiday\" or \"workday\"", n, f[1], d)
		}
		if _, ok := other[d]; ok {
			return nil, fmt.Errorf("line %d: %s is a %s here but a %s on line %d", n, d, f[1], otherWord, seen[d])
		}
		if _, ok := seen[d]; !ok {
			seen[d] = n
		}
		set[d] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if c.loc == nil {
		loc, err := time.LoadLocation(defaultZone)
		if err != nil { // cannot happen: time/tzdata is linked in
			return nil, fmt.Errorf("loading %s: %w", defaultZone, err)
		}
		c.loc = loc
	}
	return c, nil
}
