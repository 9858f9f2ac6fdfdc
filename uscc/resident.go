package uscc

import "time"

// residentWeights are the ISO 7064 MOD 11-2 weights of positions 1-17 of a
// resident identity number (GB 11643).
var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentCheck is the check character for each weighted sum mod 11.
const residentCheck = "10X98765432"

// IsResidentID reports whether s, after Normalize, is a PRC resident identity
// number (居民身份号码, GB 11643): 17 digits and a digit or X, a birth date
// YYYYMMDD at positions 7-14 that exists in the calendar, from 1900 and not
// after today, and a valid ISO 7064 MOD 11-2 check character.
//
// A valid Unified Social Credit Code is never reported as a resident
// identity number, though some all-digit codes would pass these checks.
// It exists so that a person's number is recognized and kept out of places
// meant for organization codes.
func IsResidentID(s string) bool {
	n := Normalize(s)
	if len(n) != 18 || check(n) == "" {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
		sum += int(n[i]-'0') * residentWeights[i]
	}
	return residentCheck[sum%11] == n[17] && plausibleBirth(n[6:14], time.Now())
}

// plausibleBirth reports whether the 8 digits ymd are a calendar date from
// 1 January 1900 up to now.
func plausibleBirth(ymd string, now time.Time) bool {
	d, err := time.Parse("20060102", ymd)
	if err != nil {
		return false
	}
	return d.Year() >= 1900 && !d.After(now)
}
