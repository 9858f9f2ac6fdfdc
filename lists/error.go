package lists

import (
	"fmt"

	"github.com/credo-registry/credo/internal/strictyaml"
)

// Error is one problem in a list definition or the measures file: where it
// is (Line and Col 1-based, Col in characters), which list or measure it
// concerns, which field, and what is wrong (for CEL, the checker's message).
type Error struct {
	File    string
	Line    int
	Col     int
	What    string // "list" or "measure"; "" for the file as a whole
	ID      string // the list's or measure's id, when known
	Field   string // the YAML field, as a path ("term_min", "trigger.when")
	Message string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s:%d:%d: ", e.File, e.Line, e.Col)
	if e.What != "" {
		s += e.What + " "
		if e.ID != "" {
			s += e.ID + " "
		}
		s = s[:len(s)-1] + ": "
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Message
}

// maxErrors bounds how many problems one Parse reports.
const maxErrors = 100

type errorList []*Error

func (l *errorList) add(e *Error) {
	if len(*l) < maxErrors {
		*l = append(*l, e)
	}
}

// err returns nil, the one *Error, or all of them joined, sorted by file
// and position.
func (l errorList) err() error {
	return strictyaml.Join(l, func(e *Error) (string, int, int) { return e.File, e.Line, e.Col })
}

// Errors returns the *Error values in err: err itself, or the members of
// the joined error Parse returns.
func Errors(err error) []*Error { return strictyaml.Split[*Error](err) }
