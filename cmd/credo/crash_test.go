package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCrashBetweenStepsLosesNothing kills credo (SIGKILL, at a failpoint)
// between every pair of steps of a record submission, a listing decision
// and an objection decision, on both backends, and checks that the next
// start completes what the change log holds: the notices and the grades,
// with nobody sending the request again.
func TestCrashBetweenStepsLosesNothing(t *testing.T) {
	steps := []string{
		"records.stored", "regrade.noticed", // a record submission: stored | entries and notices | assessments
		"entry.stored", "entry.notified", // a listing decision: stored | notices | regrade
		// an objection decision that overturns the listing: stored |
		// entry ended | its notice | regrade | decision's notice
		"case.decided", "entry.ended", "entry.end_notified", "case.followed", "case.regraded",
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, step := range steps {
			t.Run(backend+"/"+step, func(t *testing.T) { crashAt(t, crashStore(t, backend), step) })
		}
	}
}

const crashCode = "91340600MA2PBM9HXD"

// crashStore is a new registry on backend: a data directory, or a
// migrated schema of its own on the test server.
func crashStore(t *testing.T, backend string) []string {
	if backend == "postgres" {
		return []string{"--db", freshSchema(t)}
	}
	return []string{"--data", t.TempDir()}
}

// crashAccounts adds the authority that submits and decides, and the
// account of the organization crashCode, and returns their tokens.
func crashAccounts(t *testing.T, store []string) (authority, org string) {
	out, _, err := run(t, "", append([]string{"authority", "add", "--id", "huaibei-amr", "--name", "淮北市市场监督管理局",
		"--divisions", "3406", "--categories", "market,registration"}, store...)...)
	if err != nil {
		t.Fatal(err)
	}
	authority = lastLine(out)
	out, _, err = run(t, "", append([]string{"account", "add", "--role", "organization", "--code", crashCode}, store...)...)
	if err != nil {
		t.Fatal(err)
	}
	return authority, lastLine(out)
}

// crashRecord is a market penalty of crashCode's, three days old.
func crashRecord(ext, severity string, amount int) string {
	return `{"subject":"` + crashCode + `","category":"market","kind":"penalty","external_id":"` + ext + `",` +
		`"decision_number":"淮市监罚〔2026〕` + ext + `号","legal_basis":"《中华人民共和国产品质量法》第五十条","description":"销售不合格产品",` +
		`"severity":"` + severity + `","penalty_types":["fine"],"amount":` + fmt.Sprint(amount) + `,"occurred_at":"` + time.Now().AddDate(0, 0, -3).Format("2006-01-02") + `"}`
}

// dyingNode sends requests to a node that kills itself at a failpoint:
// each request completes (its steps are not the failpoint) or is cut off
// when the node dies, and after that nothing is sent.
type dyingNode struct {
	t    *testing.T
	url  string
	died bool
}

// do sends a JSON request and returns the answer's body, or nil once the
// node has died; an answer of 300 or more fails the test.
func (n *dyingNode) do(method, path, token, body string) map[string]any {
	if n.died {
		return nil
	}
	req, _ := http.NewRequest(method, n.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		n.died = true
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		n.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		n.t.Fatalf("%s %s: %s", method, path, b)
	}
	return v
}

// crashAt runs the whole scenario with credo killed at step, then checks
// what a restarted node shows.
func crashAt(t *testing.T, store []string, step string) {
	authority, org := crashAccounts(t, store)
	n := startNodeEnv(t, []string{"CREDO_FAILPOINT=" + step}, store...)
	d := &dyingNode{t: t, url: n.url}
	d.do("POST", "/v1/records", authority, crashRecord("9", "serious", 50000))
	entry := d.do("POST", "/v1/list-entries", authority, `{"list":"serious-dishonesty","subject":"`+crashCode+`",`+
		`"legal_basis":"《市场监督管理严重违法失信名单管理办法》第十条","decision_number":"淮市监列〔2026〕1号",`+
		`"reasons":["销售不合格产品，情节严重"],"decided_at":"`+time.Now().Format("2006-01-02")+`","term":"3y"}`)
	if entry != nil {
		c := d.do("POST", "/v1/objections", org, fmt.Sprintf(`{"target":{"kind":"list_entry","id":%v},"reasons":"列入依据的事实有误"}`, entry["id"]))
		if c != nil {
			d.do("POST", fmt.Sprintf("/v1/objections/%v/decision", c["id"]), authority, `{"outcome":"retracted","reasons":"经复核，事实认定有误"}`)
		}
	}
	if !d.died {
		t.Fatalf("the node did not stop at %s", step)
	}
	n.kill()

	// A new start follows the log before it listens.
	n = startNode(t, store...)
	_, me := request(t, "GET", n.url+"/v1/me/notices?limit=100", org, "", "")
	var kinds []string
	notices, _ := me["notices"].([]any)
	for _, x := range notices {
		kinds = append(kinds, x.(map[string]any)["kind"].(string))
	}
	status, a := request(t, "GET", n.url+"/v1/subjects/"+crashCode+"/assessment", org, "", "")
	if status != 200 {
		t.Fatalf("no assessment after the restart: %d %v", status, a)
	}
	_, lists := request(t, "GET", n.url+"/v1/subjects/"+crashCode+"/lists", org, "", "")
	entries, _ := lists["entries"].([]any)
	switch {
	case strings.HasPrefix(step, "records."), step == "regrade.noticed":
		if !slices.Contains(kinds, "new_penalty") {
			t.Errorf("notices %v lack the new penalty's", kinds)
		}
		// Regraded and stored, not only computed when asked.
		_, hist := request(t, "GET", n.url+"/v1/subjects/"+crashCode+"/assessments", org, "", "")
		if changes, _ := hist["changes"].([]any); len(changes) == 0 {
			t.Errorf("no stored assessment after the restart: %v", hist)
		}
	case strings.HasPrefix(step, "entry.stored"), step == "entry.notified":
		if !slices.Contains(kinds, "listing_notice") || len(entries) != 1 {
			t.Fatalf("notices %v lack the listing, or entries %v", kinds, entries)
		}
		// Regraded with the entry: its taking effect is the next change.
		eff, _ := time.Parse(time.RFC3339, entries[0].(map[string]any)["effective_at"].(string))
		next, _ := time.Parse(time.RFC3339, fmt.Sprint(a["next_change"]))
		if next.IsZero() || next.After(eff) {
			t.Errorf("next change %v, want at or before the entry takes effect (%v): not regraded with it", a["next_change"], eff)
		}
	default:
		for _, k := range []string{"listing_notice", "list_entry_ended", "objection_decided"} {
			if !slices.Contains(kinds, k) {
				t.Errorf("notices %v lack %s", kinds, k)
			}
		}
		if !strings.Contains(fmt.Sprint(entries), "overturned") {
			t.Errorf("the entry did not end overturned: %v", entries)
		}
	}
	n.kill()
	mustCheck(t, store...) // and the store is consistent (kill_test.go)
}

// TestEventsFollowTenThousandOrganizations: the server credo runs admits a
// request line naming 10,000 organizations to follow, and answers it.
func TestEventsFollowTenThousandOrganizations(t *testing.T) {
	url := serveInProcess(t, "serve", "--data", t.TempDir())
	codes := make([]string, 10000)
	for i := range codes {
		codes[i] = crashCode
	}
	status, body := request(t, "GET", url+"/v1/events?subjects="+strings.Join(codes, ","), "", "", "")
	if status != 200 || body["next"] == nil {
		t.Fatalf("10,000 codes: %d %v", status, body)
	}
	status, body = request(t, "GET", url+"/v1/events?subjects="+strings.Join(append(codes, crashCode), ","), "", "", "")
	if status != 422 || body["field"] != "subjects" {
		t.Fatalf("10,001 codes: %d %v", status, body)
	}
}

// TestCrashBeforeGradeFallIsStored kills credo (SIGKILL) after a regrade
// stored its notices and before it stored the assessment whose grade fell,
// on both backends: the next start regrades from the change log, and the
// grade-fall notice is there once (keyed by the assessment it replaces),
// with the fall stored.
func TestCrashBeforeGradeFallIsStored(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			store := crashStore(t, backend)
			authority, org := crashAccounts(t, store)
			// A first, minor penalty, graded and stored normally.
			n := startNode(t, store...)
			if status, body := request(t, "POST", n.url+"/v1/records", authority, "application/json", crashRecord("1", "minor", 1000)); status != 201 {
				t.Fatalf("first record: %d %v", status, body)
			}
			_, first := request(t, "GET", n.url+"/v1/subjects/"+crashCode+"/assessment", org, "", "")
			n.kill()

			// A serious one: the node dies once the regrade's notices are
			// stored, before its assessment is.
			n = startNodeEnv(t, []string{"CREDO_FAILPOINT=regrade.noticed"}, store...)
			d := &dyingNode{t: t, url: n.url}
			if d.do("POST", "/v1/records", authority, crashRecord("2", "serious", 500000)); !d.died {
				t.Fatal("the node answered instead of stopping")
			}
			n.kill()

			n = startNode(t, store...)
			_, me := request(t, "GET", n.url+"/v1/me/notices?limit=100", org, "", "")
			falls := 0
			notices, _ := me["notices"].([]any)
			for _, x := range notices {
				if x.(map[string]any)["kind"] == "grade_fall" {
					falls++
				}
			}
			_, after := request(t, "GET", n.url+"/v1/subjects/"+crashCode+"/assessment", org, "", "")
			if falls != 1 {
				t.Errorf("%d grade-fall notices after the restart, want 1 (grade %v → %v; notices %v)", falls, first["grade"], after["grade"], notices)
			}
			_, hist := request(t, "GET", n.url+"/v1/subjects/"+crashCode+"/assessments", org, "", "")
			if changes, _ := hist["changes"].([]any); len(changes) < 2 {
				t.Errorf("the fall is not stored after the restart: %v", hist)
			}
			n.kill()
			mustCheck(t, store...)
		})
	}
}
