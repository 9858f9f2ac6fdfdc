package web_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// checkHTML parses body as HTML5 and checks what a validator would and
// what the portal promises: a doctype; html with lang; one head with a
// charset, a viewport and a non-empty title; one main and one h1; unique
// ids; every label's for naming an element; every form control labelled;
// every table with a caption or header cells; no script, no inline style
// and no event-handler attribute (the CSP allows neither); no stray text
// or element the parser had to repair (html, head, body given once).
func checkHTML(t *testing.T, path, body string) {
	t.Helper()
	if !strings.HasPrefix(body, "<!DOCTYPE html>") {
		t.Errorf("%s: no <!DOCTYPE html> first", path)
	}
	for _, tag := range []string{"<html", "<head>", "<body>", "</body>", "</html>"} {
		if n := strings.Count(body, tag); n != 1 {
			t.Errorf("%s: %s %d times", path, tag, n)
		}
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	ids := map[string]bool{}
	var labelFors []string
	labelled := map[string]bool{}
	var controls []string
	count := map[atom.Atom]int{}
	var walk func(n *html.Node, inLabel bool)
	walk = func(n *html.Node, inLabel bool) {
		if n.Type == html.ElementNode {
			if n.Namespace == "" { // not inside svg
				count[n.DataAtom]++
			}
			for _, a := range n.Attr {
				switch {
				case a.Key == "id":
					if ids[a.Val] {
						t.Errorf("%s: id %q twice", path, a.Val)
					}
					ids[a.Val] = true
				case a.Key == "style" || strings.HasPrefix(a.Key, "on"):
					t.Errorf("%s: <%s %s> (inline style or script)", path, n.Data, a.Key)
				}
			}
			switch n.DataAtom {
			case atom.Script:
				t.Errorf("%s: a <script>", path)
			case atom.Html:
				if attr(n, "lang") == "" {
					t.Errorf("%s: <html> without lang", path)
				}
			case atom.Label:
				if f := attr(n, "for"); f != "" {
					labelFors = append(labelFors, f)
					labelled[f] = true
				}
				inLabel = true
			case atom.Input, atom.Select, atom.Textarea:
				if attr(n, "type") != "hidden" && attr(n, "type") != "submit" && !inLabel {
					controls = append(controls, attr(n, "id"))
				}
			case atom.Table:
				if !hasChild(n, atom.Caption) && !strings.Contains(render(n), "<th") {
					t.Errorf("%s: a table with neither caption nor header cells", path)
				}
			case atom.A:
				if attr(n, "href") == "" {
					t.Errorf("%s: <a> without href", path)
				}
				if strings.TrimSpace(text(n)) == "" {
					t.Errorf("%s: a link without text", path)
				}
			case atom.Img:
				if _, ok := attrOK(n, "alt"); !ok {
					t.Errorf("%s: <img> without alt", path)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLabel)
		}
	}
	walk(doc, false)
	for _, f := range labelFors {
		if !ids[f] {
			t.Errorf("%s: <label for=%q> names no element", path, f)
		}
	}
	for _, id := range controls {
		if id == "" || !labelled[id] {
			t.Errorf("%s: a form control (id %q) without a label", path, id)
		}
	}
	for _, one := range []atom.Atom{atom.Head, atom.Body, atom.Main, atom.H1, atom.Title} {
		if count[one] != 1 {
			t.Errorf("%s: %d <%s>, want 1", path, count[one], one)
		}
	}
	if !strings.Contains(body, `<meta charset="utf-8">`) || !strings.Contains(body, `name="viewport"`) {
		t.Errorf("%s: no charset or viewport", path)
	}
}

func attr(n *html.Node, key string) string { v, _ := attrOK(n, key); return v }

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasChild(n *html.Node, a atom.Atom) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.DataAtom == a {
			return true
		}
	}
	return false
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func render(n *html.Node) string {
	var b strings.Builder
	html.Render(&b, n)
	return b.String()
}
