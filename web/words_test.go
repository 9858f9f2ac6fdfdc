package web

import (
	"strings"
	"testing"
)

// TestWords checks that every word is in both languages.
func TestWords(t *testing.T) {
	for key := range wordsZh {
		if wordsEn[key] == "" {
			t.Errorf("%q has no English", key)
		}
	}
	for key := range wordsEn {
		if wordsZh[key] == "" {
			t.Errorf("%q has no Chinese", key)
		}
	}
}

// TestTemplatesParsed checks that every page's template was parsed at
// start-up (New fails otherwise) and that each defines its content.
func TestTemplatesParsed(t *testing.T) {
	for _, name := range pageNames {
		b, err := templateFS.ReadFile("templates/" + name + ".html")
		if err != nil {
			t.Fatalf("page %s: %v", name, err)
		}
		if len(b) == 0 {
			t.Errorf("page %s: empty template", name)
		}
	}
}

// TestStylesheet checks the promises the stylesheet keeps: a visible
// focus, a print layout, no colour-only badge (each grade's badge differs
// in border style too).
func TestStylesheet(t *testing.T) {
	css, err := staticFS.ReadFile("static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{":focus-visible", "outline: 3px solid", "@media print", ".grade-a {", ".grade-b {", ".grade-c {", ".grade-d {", "border-style: dashed", "border-style: dotted", "border-style: double"} {
		if !strings.Contains(string(css), want) {
			t.Errorf("style.css lacks %q", want)
		}
	}
}
