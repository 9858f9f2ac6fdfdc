package web

import (
	"net/http"
	"strconv"
	"strings"
)

// lang is a language the portal is offered in: its URL prefix (Code), its
// BCP 47 tag (for lang and hreflang) and its words.
type lang struct {
	Code, Tag, Name string
	T               map[string]string
}

// Languages offered: zh-CN first (the registry's language), then English.
var (
	langZh = &lang{Code: "zh", Tag: "zh-CN", Name: "中文", T: wordsZh}
	langEn = &lang{Code: "en", Tag: "en", Name: "English", T: wordsEn}
	langs  = map[string]*lang{"zh": langZh, "en": langEn}
	// offered is langs in the order of the language switch.
	offered = []*lang{langZh, langEn}
)

// languageOf is the reader's language by Accept-Language: the first
// offered one the reader accepts with a weight above 0, Chinese when none.
func languageOf(r *http.Request) *lang {
	best, bestQ := langZh, -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		l := langs[primary]
		if l == nil || q <= 0 || q <= bestQ {
			continue
		}
		best, bestQ = l, q
	}
	return best
}
