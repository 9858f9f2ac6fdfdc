package search

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/width"
)

// Normalization steps, as Why reports them: what was done to a query or a
// name before the forms that matched were equal or similar.
const (
	StepWidth       = "width"       // full-width characters folded (Ａ → A, （ → ()
	StepTraditional = "traditional" // traditional characters simplified (國 → 国)
	StepCase        = "case"        // Latin letters lower-cased
	StepPunctuation = "punctuation" // spaces, brackets and punctuation dropped
	StepLegalForm   = "legal_form"  // legal-form words dropped (股份有限公司, 集团, Co., Ltd.)
	StepRegion      = "region"      // region names dropped (北京市 at the start, （北京） anywhere)
	StepStockMarker = "stock_marker"
)

// Name is a name in the forms the matcher compares (see docs/MATCHING.md).
type Name struct {
	// Full is the name width-folded, simplified, lower-cased, with only
	// letters and digits kept.
	Full string
	// Core is Full without legal-form words, region names and stock
	// markers (ST, A, -U): what distinguishes the organization.
	Core string
	// Regions are the division codes (2 or 4 digits) of the region names
	// dropped from Core.
	Regions []string
	// Latin is set for a name with no Han character: Core is then its
	// words without legal-form words, joined without spaces.
	Latin bool
	// Steps are the normalizations that changed the text, in order.
	Steps []string
}

// Parse returns the forms of name s.
func Parse(s string) Name {
	var n Name
	step := func(name string) {
		if !slices.Contains(n.Steps, name) {
			n.Steps = append(n.Steps, name)
		}
	}
	f := width.Fold.String(s)
	if f != s {
		step(StepWidth)
	}
	han := hasHan(f)
	if han {
		if t := simplify(f); t != f {
			f = t
			step(StepTraditional)
		}
	}
	if l := strings.ToLower(f); l != f {
		f = l
		step(StepCase)
	}
	if !han {
		parseLatin(&n, f, step)
	} else {
		parseHan(&n, f, step)
	}
	return n
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func keep(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// opening and closing brackets after width folding.
const (
	openBrackets  = "([{【〔〖「『《〈"
	closeBrackets = ")]}】〕〗」』》〉"
)

// parseHan fills n from f, a width-folded, simplified, lower-case name with
// Han characters.
func parseHan(n *Name, f string, step func(string)) {
	var full, body strings.Builder
	dropped := false
	for i := 0; i < len(f); {
		r, size := utf8.DecodeRuneInString(f[i:])
		if strings.ContainsRune(openBrackets, r) {
			if j := strings.IndexFunc(f[i+size:], func(r rune) bool { return strings.ContainsRune(closeBrackets, r) }); j >= 0 {
				inner := strings.Map(func(r rune) rune {
					if keep(r) {
						return r
					}
					return -1
				}, f[i+size:i+size+j])
				full.WriteString(inner)
				dropped = true
				switch code, ok := bracketRegion(inner); {
				case ok:
					if code != "" {
						n.Regions = append(n.Regions, code)
					}
					step(StepRegion)
				case slices.Contains(legalWords, inner):
					step(StepLegalForm)
				default:
					body.WriteString(inner)
				}
				_, csize := utf8.DecodeRuneInString(f[i+size+j:])
				i += size + j + csize
				continue
			}
		}
		if keep(r) {
			full.WriteRune(r)
			body.WriteRune(r)
		} else {
			dropped = true
		}
		i += size
	}
	if dropped {
		step(StepPunctuation)
	}
	n.Full = full.String()
	core := body.String()
	if c := stripStockMarkers(core); c != core {
		core = c
		step(StepStockMarker)
	}
	for {
		c := stripLegalSuffix(core)
		if c == core {
			break
		}
		core = c
		step(StepLegalForm)
	}
	for {
		code, rest, ok := regionPrefix(core)
		if !ok || utf8.RuneCountInString(rest) < 2 {
			break
		}
		n.Regions = append(n.Regions, code)
		core = rest
		step(StepRegion)
	}
	// A legal form can stand before a region that stood last: 集团（北京）.
	for {
		c := stripLegalSuffix(core)
		if c == core || utf8.RuneCountInString(c) < 2 {
			break
		}
		core = c
		step(StepLegalForm)
	}
	if utf8.RuneCountInString(core) < 1 {
		core = n.Full
	}
	n.Core = core
	slices.Sort(n.Regions)
	n.Regions = slices.Compact(n.Regions)
}

// legalWords are legal-form words dropped from the end of a name (longest
// first) or wherever they stand in brackets.
var legalWords = []string{
	"股份有限公司", "有限责任公司", "股份合作公司", "有限公司", "股份公司", "总公司", "公司",
	"集团", "控股集团",
}

func stripLegalSuffix(s string) string {
	for _, w := range legalWords {
		if strings.HasSuffix(s, w) && len(s) > len(w) {
			return strings.TrimSuffix(s, w)
		}
	}
	return s
}

// stripStockMarkers drops what a listed company's short name carries
// besides the name: ST or *ST before it, a share class (A, B) or a listing
// mark (-U, -W, -UW) after it.
func stripStockMarkers(s string) string {
	if rest, ok := strings.CutPrefix(s, "st"); ok && hasHan(firstRune(rest)) {
		s = rest
	}
	end := len(s)
	for end > 0 && strings.IndexByte("abuw", s[end-1]) >= 0 && len(s)-end < 2 {
		end--
	}
	if end < len(s) && end > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:end]); unicode.Is(unicode.Han, r) {
			s = s[:end]
		}
	}
	return s
}

func firstRune(s string) string {
	_, size := utf8.DecodeRuneInString(s)
	return s[:size]
}

// parseLatin fills n from f, a width-folded lower-case name without Han
// characters: an English name, pinyin, or initials.
func parseLatin(n *Name, f string, step func(string)) {
	n.Latin = true
	words := strings.FieldsFunc(f, func(r rune) bool { return !keep(r) })
	if strings.Join(words, " ") != f {
		step(StepPunctuation)
	}
	n.Full = strings.Join(words, "")
	var core []string
	for _, w := range words {
		if slices.Contains(englishLegalWords, w) {
			step(StepLegalForm)
			continue
		}
		core = append(core, w)
	}
	if len(core) == 0 {
		core = words
	}
	n.Core = strings.Join(core, "")
}

// englishLegalWords are the words of English legal forms and the fillers
// around them, dropped wherever they stand.
var englishLegalWords = []string{
	"co", "ltd", "limited", "company", "corp", "corporation", "inc", "incorporated", "plc", "llc",
	"group", "holding", "holdings", "joint", "stock", "the", "and", "of",
}

// t2s converts Hong Kong and Taiwan traditional forms to simplified
// Chinese (OpenCC's hk2s chain, which also covers Taiwan's common forms).
var t2s = sync.OnceValue(func() *opencc.OpenCC {
	cc, err := opencc.New("hk2s")
	if err != nil {
		panic("search: embedded OpenCC dictionary: " + err.Error())
	}
	return cc
})

// simplified caches, per rune, whether it converts to itself, so that the
// phrase-aware conversion runs only on text with a traditional character.
var simplified sync.Map // rune → bool

func simplify(s string) string {
	traditional := false
	for _, r := range s {
		if r < 0x2E80 {
			continue
		}
		same, ok := simplified.Load(r)
		if !ok {
			out, err := t2s().Convert(string(r))
			same = err == nil && out == string(r)
			simplified.Store(r, same)
		}
		if !same.(bool) {
			traditional = true
			break
		}
	}
	if !traditional {
		return s
	}
	out, err := t2s().Convert(s)
	if err != nil {
		return s
	}
	return out
}
