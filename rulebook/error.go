package rulebook

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
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
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	sorted := slices.Clone(l)
	slices.SortStableFunc(sorted, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	errs := make([]error, len(sorted))
	for i, e := range sorted {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// Errors returns the *Error values in err: err itself, or the members of a
// joined error (as Parse, NewSet and ParseTests return).
func Errors(err error) []*Error {
	if err == nil {
		return nil
	}
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var e *Error
		if errors.As(err, &e) {
			out = append(out, e)
		}
	}
	walk(err)
	return out
}
