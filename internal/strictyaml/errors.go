package strictyaml

import (
	"cmp"
	"errors"
	"slices"
)

// Join returns nil, the one error, or all of errs joined, sorted by the
// file and position pos gives for each, so that the problems of a load,
// found in the order it reads, are reported in the order of the files.
func Join[E error](errs []E, pos func(E) (file string, line, col int)) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	sorted := slices.Clone(errs)
	slices.SortStableFunc(sorted, func(a, b E) int {
		af, al, ac := pos(a)
		bf, bl, bc := pos(b)
		return cmp.Or(cmp.Compare(af, bf), cmp.Compare(al, bl), cmp.Compare(ac, bc))
	})
	out := make([]error, len(sorted))
	for i, e := range sorted {
		out[i] = e
	}
	return errors.Join(out...)
}

// Split returns the E values in err: err itself, or the members of an
// error Join returned.
func Split[E error](err error) []E {
	if err == nil {
		return nil
	}
	if e, ok := err.(E); ok {
		return []E{e}
	}
	var out []E
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, Split[E](e)...)
		}
		return out
	}
	var e E
	if errors.As(err, &e) {
		out = append(out, e)
	}
	return out
}
