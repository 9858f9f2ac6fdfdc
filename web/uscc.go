package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/uscc"
)

// usccPage is the identifier checker's data.
type usccPage struct {
	Input       string
	Description *uscc.Description // nil before a code is given
}

// uscc answers /{lang}/uscc?code=: what a unified social credit code
// tells, and which check it fails.
func (s *Server) uscc(r *http.Request, l *lang) (string, any, error) {
	in := strings.TrimSpace(r.URL.Query().Get("code"))
	out := &usccPage{Input: in}
	if in == "" {
		return "uscc", out, nil
	}
	if !utf8.ValidString(in) || utf8.RuneCountInString(in) > 64 {
		return "", nil, credo.FieldError("code", "too_long", "is longer than 64 characters")
	}
	d := uscc.Describe(in)
	out.Description = &d
	return "uscc", out, nil
}
