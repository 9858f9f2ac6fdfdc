// Package strictyaml reads the YAML files credo is configured with
// (rulebooks, their tests, list definitions, the measures catalogue)
// strictly: every mapping key must be known, none may repeat, aliases are
// refused, and every problem is reported with its file:line:col, all of
// them at once. It finds what is wrong; the caller, through
// Decoder.Report, words whom it concerns (package rulebook names the rule,
// package lists the list or measure and the field's path).
package strictyaml

import (
	"bytes"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// File is one YAML file: its name, its text and where its lines start.
type File struct {
	Name  string
	Src   []byte
	lines []int // byte offset of the start of each line
}

// NewFile returns the file name holding src.
func NewFile(name string, src []byte) *File {
	f := &File{Name: name, Src: src, lines: []int{0}}
	for i, c := range src {
		// YAML's line breaks: LF, CR LF and a CR alone (YAML 1.2, 5.4),
		// as the parser counts the lines it reports.
		if c == '\n' || c == '\r' && (i+1 == len(src) || src[i+1] != '\n') {
			f.lines = append(f.lines, i+1)
		}
	}
	return f
}

// Position returns the file position of the character at (line, col) of
// scalar n's value (line 1-based, col 0-based, in characters, as CEL
// reports them). Quoted, folded and block scalars are mapped by aligning
// the value with the text in the file; for escapes and folded line breaks
// the result is close rather than exact.
func (f *File) Position(n *yaml.Node, line, col int) (int, int) {
	// Offset of the character within the value, in characters.
	target := 0
	for l, rest := 1, n.Value; l < line; l++ {
		i := strings.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		target += utf8.RuneCountInString(rest[:i+1])
		rest = rest[i+1:]
	}
	target += col

	start := f.offset(n.Line, n.Column)
	if start < 0 {
		return n.Line, n.Column
	}
	switch n.Style {
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		start++
	case yaml.LiteralStyle, yaml.FoldedStyle:
		// The value starts on the line after the indicator.
		if i := bytes.IndexByte(f.Src[start:], '\n'); i >= 0 {
			start += i + 1
		}
		for start < len(f.Src) && (f.Src[start] == ' ' || f.Src[start] == '\t') {
			start++
		}
	}
	raw := f.Src[min(start, len(f.Src)):]
	ri := 0 // byte index in raw
	vi := 0 // character index in value
	last := 0
	for _, c := range n.Value {
		if vi > target {
			break
		}
		// Find c in raw, passing over white space (indentation) freely and
		// over a few other characters (quotes, escapes); a line break in
		// raw matches a space or a line break in the value (folding).
		found := -1
		for j, steps := ri, 0; j < len(raw) && steps < 4; {
			r, w := utf8.DecodeRune(raw[j:])
			if r == c || r == '\n' && (c == ' ' || c == '\n') {
				found = j
				break
			}
			if r != ' ' && r != '\t' && r != '\n' && r != '\r' {
				steps++
			}
			j += w
		}
		if found >= 0 {
			last = found
			_, w := utf8.DecodeRune(raw[found:])
			ri = found + w
		}
		if vi == target {
			return f.lineCol(start + last)
		}
		vi++
	}
	// Past the end of the value: just after its last character.
	return f.lineCol(start + ri)
}

// offset converts a 1-based line and character column to a byte offset.
func (f *File) offset(line, col int) int {
	if line < 1 || line > len(f.lines) {
		return -1
	}
	off := f.lines[line-1]
	for c := 1; c < col && off < len(f.Src) && f.Src[off] != '\n' && f.Src[off] != '\r'; c++ {
		_, w := utf8.DecodeRune(f.Src[off:])
		off += w
	}
	return off
}

// lineCol converts a byte offset to a 1-based line and character column.
func (f *File) lineCol(off int) (int, int) {
	off = min(off, len(f.Src))
	l, _ := slices.BinarySearch(f.lines, off+1)
	l-- // the last line starting at or before off
	return l + 1, utf8.RuneCount(f.Src[f.lines[l]:off]) + 1
}
