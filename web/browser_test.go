package web_test

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axeSource is axe-core, injected into each page (testdata/axe-core).
//
//go:embed testdata/axe-core/axe.min.js
var axeSource string

// browser starts Debian's Chromium headless for one test, or skips the
// test, loudly, when it is not installed (.ci/run installs it; with
// CI=true a missing browser fails the test).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("CREDO_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (.ci/run installs it: apt-get install -y chromium)")
		}
		t.Skip("SKIPPED: the browser tests need Debian's chromium (apt-get install -y chromium, or CREDO_CHROMIUM=path)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	// The pages allow no script: axe-core is injected past the CSP.
	bypass := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cdppage.SetBypassCSP, cdppage.SetBypassCSPParams{Enabled: true})
		return err
	})
	if err := chromedp.Do(ctx, bypass); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// artifacts is where screenshots go: $CREDO_ARTIFACTS when set, else a
// folder under the test's temp dir (logged).
func artifacts(t *testing.T) string {
	dir := os.Getenv("CREDO_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrowser runs the public path in a real browser: search, the
// organization page and its chart, the keyboard, screenshots at desktop
// and phone widths, and axe-core on every page.
func TestBrowser(t *testing.T) {
	ctx := browser(t)
	reg := newRegistry(t)

	// Keyboard only: the first Tab reaches the skip link; then, in a tab
	// with JavaScript turned off, search → organization page → chart
	// present.
	if err := chromedp.Do(ctx, chromedp.Navigate(reg.url+"/zh/"), chromedp.KeyEvent(kb.Tab)); err != nil {
		t.Fatal(err)
	}
	if active, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.className`)); err != nil || active != "skip" {
		t.Errorf("the first Tab focuses %q (%v), want the skip link", active, err)
	}
	noJS, cancelNoJS := chromedp.NewContext(ctx)
	defer cancelNoJS()
	err := chromedp.Do(noJS,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}),
		chromedp.Navigate(reg.url+"/zh/"),
		chromedp.Focus(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), "淮北"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#results")),
		chromedp.Focus(chromedp.CSS("main table a")),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("svg.chart")),
	)
	if err != nil {
		t.Fatalf("search → organization page: %v", err)
	}
	location, err := chromedp.Run(noJS, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	chart, err := chromedp.Run(noJS, chromedp.AttributeValue(chromedp.CSS("svg.chart path.line"), "d"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(location, "/zh/organizations/"+codeHuaibei) || !strings.HasPrefix(chart.Value, "M") {
		t.Errorf("ended at %s with chart path %q", location, chart.Value)
	}

	dir := artifacts(t)
	shots := map[string]string{
		"home":            "/zh/",
		"search":          "/zh/search?division=3",
		"organization":    "/zh/organizations/" + codeHuaibei,
		"organization-en": "/en/organizations/" + codeHuaibei,
		"list":            "/zh/lists/abnormal-operations",
		"uscc":            "/en/uscc?code=91340600MA2PBM9HXE",
		"rulebook":        "/en/rulebooks/national-comprehensive",
		"accessibility":   "/zh/accessibility",
		"report":          "/zh/report/" + codeHuaibei,
	}
	_, number := reg.issuedPage("zh", codeHuawei)
	shots["verify"] = "/en/verify/" + number
	for name, path := range shots {
		for _, width := range []int64{1280, 390} {
			err := chromedp.Do(ctx,
				chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(reg.url+path),
				chromedp.WaitReady(chromedp.CSS("main")),
			)
			if err != nil {
				t.Fatalf("%s at %d px: %v", path, width, err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%s at %d px: screenshot: %v", path, width, err)
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width)), png, 0o644); err != nil {
				t.Fatal(err)
			}
			violations := axe(t, ctx)
			for _, v := range violations {
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Errorf("%s at %d px: axe %s (%s): %s at %v", path, width, v.ID, v.Impact, v.Help, v.Nodes)
				} else {
					t.Logf("%s at %d px: axe %s (%s): %s", path, width, v.ID, v.Impact, v.Help)
				}
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}

// violation is what axe-core reports of one failed rule.
type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axe runs axe-core's WCAG 2.x A and AA rules and its best practices in
// the current page.
func axe(t *testing.T, ctx context.Context) []violation {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		t.Fatalf("loading axe-core: %v", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))})))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("running axe-core: %v", err)
	}
	return out
}
