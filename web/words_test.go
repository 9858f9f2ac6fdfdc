package web

import "testing"

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
