package sqlcommon_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlcommon"
)

func TestRolesRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name   string
		roles  *credo.SharedRoles
		stored string
	}{
		{"none", nil, ""},
		{"both ends", &credo.SharedRoles{From: []string{"legal_representative", "shareholder"}, To: []string{"director"}}, "legal_representative,shareholder;director"},
		{"one end empty", &credo.SharedRoles{From: []string{}, To: []string{"supervisor"}}, ";supervisor"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := sqlcommon.EncodeRoles(c.roles); got != c.stored {
				t.Errorf("EncodeRoles = %q, want %q", got, c.stored)
			}
			if got := sqlcommon.DecodeRoles(c.stored); !reflect.DeepEqual(got, c.roles) {
				t.Errorf("DecodeRoles(%q) = %+v, want %+v", c.stored, got, c.roles)
			}
		})
	}
}

func TestDateRoundTrip(t *testing.T) {
	for _, d := range []credo.Date{{}, credo.NewDate(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)), credo.NewDate(time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC))} {
		n := sqlcommon.DateNano(d)
		if d.IsZero() != (n == 0) {
			t.Errorf("DateNano(%v) = %d: only the zero date is 0", d, n)
		}
		if got := sqlcommon.DateOf(n); got != d {
			t.Errorf("DateOf(DateNano(%v)) = %v", d, got)
		}
	}
}
