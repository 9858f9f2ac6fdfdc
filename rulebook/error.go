package rulebook

import (
	"fmt"

	"github.com/credo-registry/credo/internal/strictyaml"
)

// Error is one problem in a rulebook or tests file: where it is (Line and
// Col are 1-based; Col counts characters), which rule it concerns when there
// is one, and what is wrong (for CEL, the checker's message).
type Error struct {
	File    string
	Line    int
	Col     int
	Rule    string
	Message string
}

func (e *Error) Error() string {
	if e.Rule != "" {
		return fmt.Sprintf("%s:%d:%d: rule %s: %s", e.File, e.Line, e.Col, e.Rule, e.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Message)
}

// maxErrors bounds how many problems one load reports.
const maxErrors = 50

// errorList collects problems in the order found.
type errorList []*Error

func (l *errorList) add(e *Error) {
	if len(*l) < maxErrors {
		*l = append(*l, e)
	}
}

// err returns nil, the one *Error, or the errors joined, sorted by file and
// position.
func (l errorList) err() error {
	return strictyaml.Join(l, func(e *Error) (string, int, int) { return e.File, e.Line, e.Col })
}

// Errors returns the *Error values in err: err itself, or the members of a
// joined error (as Parse, NewSet and ParseTests return).
func Errors(err error) []*Error { return strictyaml.Split[*Error](err) }
