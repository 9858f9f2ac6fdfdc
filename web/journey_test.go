package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserJourney runs the whole path in Debian's Chromium, with
// JavaScript turned off in the tab that acts, through the API server as
// credo serve runs it: search → organization page → chart → sign in as
// the organization → object to a penalty with a PDF → sign in as the
// authority → decide it in the console → the public page has changed.
// Every page is also opened in a second tab of the same browser (same
// cookies) at 1280 and 390 px: a screenshot, axe-core with no serious or
// critical violation, and the HTML checks.
func TestBrowserJourney(t *testing.T) {
	ctx := browser(t)
	reg := newRegistry(t)
	base := reg.apiURL
	dir := artifacts(t)
	hb1 := reg.recordID("HB-1")

	act, cancel := chromedp.NewContext(ctx)
	defer cancel()
	noJS := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(act, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(act, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(loc, base)
	}
	inspected := 0
	var inspectPath func(name, path string)
	inspect := func(name string) {
		t.Helper()
		inspectPath(name, location())
	}
	inspectPath = func(name, path string) {
		t.Helper()
		for _, width := range []int64{1280, 390} {
			err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main")))
			if err != nil {
				t.Fatalf("%s at %d px: %v", path, width, err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%s: screenshot: %v", path, err)
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("journey-%02d-%s-%d.png", inspected, name, width)), png, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, v := range axe(t, ctx) {
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Errorf("%s at %d px: axe %s (%s): %s at %v", path, width, v.ID, v.Impact, v.Help, v.Nodes)
				}
			}
		}
		doc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		if err != nil {
			t.Fatal(err)
		}
		checkHTML(t, path, "<!DOCTYPE html>"+doc)
		inspected++
	}

	run("search → organization page", noJS,
		chromedp.Navigate(base+"/zh/"),
		chromedp.SendKeys(chromedp.CSS("#q"), "淮北"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#results")),
	)
	inspect("search")
	run("organization page", chromedp.Click(chromedp.CSS("main table a")), chromedp.WaitVisible(chromedp.CSS("svg.chart path.line")))
	if !strings.HasSuffix(location(), "/zh/organizations/"+codeHuaibei) {
		t.Fatalf("at %s, want the organization page", location())
	}
	inspect("organization")
	before, _ := chromedp.Run(act, chromedp.Evaluate[string](`document.querySelector("#records").parentElement.innerText`))
	if !strings.Contains(before, "淮市监罚〔2026〕1号") {
		t.Fatalf("the penalty is not on the public page before: %.300s", before)
	}

	run("sign in as the organization",
		chromedp.Navigate(base+"/zh/sign-in"),
		// Keyboard only: the token typed, Enter sends the form.
		chromedp.SendKeys(chromedp.CSS("#token"), tokenOrg+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#my-records")),
	)
	inspect("my")
	inspectPath("what-if", "/zh/my/what-if?leave_out="+strconv.FormatInt(hb1, 10))
	inspectPath("notices", "/en/my/notices")
	inspectPath("reply-form", "/zh/my/replies?target=record-"+strconv.FormatInt(hb1, 10))
	pdf := filepath.Join(t.TempDir(), "处罚决定书复印件.pdf")
	if err := os.WriteFile(pdf, pdfBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	run("the objection form",
		chromedp.Click(chromedp.CSS(`a[href="/zh/my/objections/new?target=record-`+strconv.FormatInt(hb1, 10)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#reasons")),
	)
	inspect("objection-form")
	run("file the objection",
		chromedp.SendKeys(chromedp.CSS("#reasons"), "该处罚决定已被复议机关撤销，附复议决定书。"),
		chromedp.SetUploadFiles(chromedp.CSS("#attachments"), []string{pdf}),
		chromedp.Submit(chromedp.CSS("#reasons")),
		chromedp.WaitVisible(chromedp.CSS("#case-status")),
	)
	casePath := location()
	id := casePath[strings.LastIndex(casePath, "/")+1:]
	status, _ := chromedp.Run(act, chromedp.Text(chromedp.CSS("#case-status")))
	if !strings.HasPrefix(casePath, "/zh/my/cases/") || !strings.Contains(status, "办理中") {
		t.Fatalf("after filing: at %s, status %q", casePath, status)
	}
	inspect("case")

	run("sign out, sign in as the authority",
		chromedp.Click(chromedp.CSS("header form button")),
		chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.Navigate(base+"/zh/sign-in"),
		chromedp.SendKeys(chromedp.CSS("#token"), tokenAuthority+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#q-objections")),
	)
	inspect("console")
	inspectPath("records", "/zh/console/records")
	inspectPath("listing", "/en/console/list-entries/new")
	run("decide it in the console",
		chromedp.Click(chromedp.CSS(`a[href="/zh/console/cases/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#outcome-retracted")),
	)
	inspect("decision-form")
	run("the decision",
		chromedp.Click(chromedp.CSS("#outcome-retracted")),
		chromedp.SendKeys(chromedp.CSS("#decision-reasons"), "经核实，原处罚决定已被撤销。"),
		chromedp.Submit(chromedp.CSS("#decision-reasons")),
		chromedp.WaitNotPresent(chromedp.CSS("#outcome-retracted")),
		chromedp.WaitVisible(chromedp.CSS("#case-status")),
	)
	status, _ = chromedp.Run(act, chromedp.Text(chromedp.CSS("#case-status")))
	if !strings.Contains(status, "已决定") {
		t.Fatalf("after deciding: status %q", status)
	}
	run("the public page", chromedp.Navigate(base+"/zh/organizations/"+codeHuaibei), chromedp.WaitVisible(chromedp.CSS("svg.chart")))
	after, _ := chromedp.Run(act, chromedp.Evaluate[string](`document.querySelector("#records").parentElement.innerText`))
	if strings.Contains(after, "淮市监罚〔2026〕1号") || after == before {
		t.Errorf("the public page has not changed: %.300s", after)
	}
	inspect("organization-after")
	run("sign out, sign in as an administrator",
		chromedp.Navigate(base+"/zh/console/"),
		chromedp.Click(chromedp.CSS("header form button")),
		chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.Navigate(base+"/en/sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
	)
	inspect("sign-in")
	run("as an administrator", chromedp.SendKeys(chromedp.CSS("#token"), tokenAdmin+kb.Enter), chromedp.WaitVisible(chromedp.CSS("#q-objections")))
	inspectPath("impact", "/zh/console/impact")
	yaml := filepath.Join(t.TempDir(), "new.yaml")
	if err := os.WriteFile(yaml, []byte(rulebookSource(t, reg, "national-comprehensive@"+comprehensiveVersion(t, reg))), 0o644); err != nil {
		t.Fatal(err)
	}
	run("the rule-change impact",
		chromedp.Navigate(base+"/zh/console/impact"),
		chromedp.SetValue(chromedp.CSS("#i-from"), "national-comprehensive@"+comprehensiveVersion(t, reg)),
		chromedp.SetUploadFiles(chromedp.CSS("#i-file"), []string{yaml}),
		chromedp.Submit(chromedp.CSS("#i-file")),
		chromedp.WaitVisible(chromedp.CSS("#impact-result")),
	)
	matrix, _ := chromedp.Run(act, chromedp.Text(chromedp.CSS("#impact-result-section")))
	if !strings.Contains(matrix, "3") {
		t.Errorf("the impact of the same version: %q", matrix)
	}
	// The result is a POST's answer: its screenshots are taken in this tab.
	for _, width := range []int64{1280, 390} {
		run("viewport", chromedp.EmulateViewport(width, 900))
		png, err := chromedp.Run(act, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("journey-%02d-impact-result-%d.png", inspected, width)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d pages inspected; screenshots in %s", inspected, dir)
}
