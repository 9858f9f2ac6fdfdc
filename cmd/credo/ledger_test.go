package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/ledger"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/sqlite"
)

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

// waitLogIndex polls the record until the integrator has given it a
// log_index, and returns the record's JSON and its index.
func waitLogIndex(t *testing.T, url string) ([]byte, int64) {
	t.Helper()
	for range 300 {
		b := get(t, url)
		var r struct {
			LogIndex *int64 `json:"log_index"`
		}
		json.Unmarshal(b, &r)
		if r.LogIndex != nil {
			return b, *r.LogIndex
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s got no log_index", url)
	return nil, 0
}

func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// bundle writes the bundle of a record read from url at the checkpoint
// size, and the checkpoint, into dir.
func bundle(t *testing.T, base, recordURL, dir string) (bundleFile, cpFile string, size int) {
	t.Helper()
	rec, idx := waitLogIndex(t, recordURL)
	var cp []byte
	for range 300 { // the checkpoint that includes it
		cp = get(t, base+"/v1/log/checkpoint")
		fmt.Sscan(strings.Split(string(cp), "\n")[1], &size)
		if int64(size) > idx {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	entry := get(t, fmt.Sprintf("%s/v1/log/entries/%d", base, idx))
	incl := get(t, fmt.Sprintf("%s/v1/log/inclusion?index=%d&size=%d", base, idx, size))
	b := fmt.Sprintf(`{"record":%s,"entry":%s,"inclusion":%s}`, rec, entry, incl)
	return write(t, filepath.Join(dir, "bundle.json"), []byte(b)), write(t, filepath.Join(dir, "checkpoint"), cp), size
}

// TestVerifyEndToEnd, on each backend: a record and the report on its
// organization, as served, verify against the checkpoint and the key;
// forged and malformed checkpoints and another log's key are refused;
// then someone edits the stored record directly in the database (its
// decision date, then its amount, which only the record's digest in the
// log binds), and then the log's own entry: verify catches each, for the
// record's bundle and for the report.
func TestVerifyEndToEnd(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var where []string
			var exec func(stmt string)
			sqliteEdit := map[string]string{
				"occurred_at": `UPDATE records SET occurred_at = occurred_at - 365*86400*1000000000`,
				"amount":      `UPDATE records SET body = CAST(replace(CAST(body AS TEXT), '"amount":200000', '"amount":20000') AS BLOB)`,
				"log":         `UPDATE changes SET data = replace(data, '"market"', '"tax"') WHERE type = 'record.accepted'`,
				"undo":        `UPDATE records SET occurred_at = occurred_at + 365*86400*1000000000`,
			}
			pgEdit := map[string]string{
				"occurred_at": `UPDATE records SET occurred_ns = occurred_ns - 365*86400*1000000000::bigint, body = replace(body::text, '"2025-03-14T00:00:00Z"', '"2024-03-14T00:00:00Z"')::json`,
				"amount":      `UPDATE records SET body = replace(body::text, '"amount":200000', '"amount":20000')::json`,
				"log":         `UPDATE changes SET data = replace(data, '"market"', '"tax"') WHERE type = 'record.accepted'`,
				"undo":        `UPDATE records SET occurred_ns = occurred_ns + 365*86400*1000000000::bigint, body = replace(body::text, '"2024-03-14T00:00:00Z"', '"2025-03-14T00:00:00Z"')::json`,
			}
			edits := sqliteEdit
			switch backend {
			case "sqlite":
				dir := t.TempDir()
				where = []string{"--data", dir}
				exec = func(stmt string) {
					// The server's background work (ledger, followers)
					// writes too: wait for its lock as credo's own
					// connections do, rather than fail at once.
					raw, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName)+"?_pragma=busy_timeout(10000)")
					if err != nil {
						t.Fatal(err)
					}
					defer raw.Close()
					if _, err := raw.Exec(stmt); err != nil {
						t.Fatalf("%s: %v", stmt, err)
					}
				}
			case "postgres":
				url, schema := pgRegistry(t)
				where = []string{"--db", url}
				exec = func(stmt string) { pgtest.Exec(t, schema, stmt) }
				edits = pgEdit
			}
			verifyEndToEnd(t, where, exec, edits)
		})
	}
}

func verifyEndToEnd(t *testing.T, where []string, exec func(string), edits map[string]string) {
	work := t.TempDir()
	out, _, err := run(t, "", append([]string{"authority", "add", "--id", "gd-amr", "--name", "广东省市场监督管理局",
		"--divisions", "44", "--categories", "market,registration"}, where...)...)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	vkey, _, err := run(t, "", append([]string{"log", "key"}, where...)...)
	if err != nil || !strings.HasPrefix(vkey, "credo+") {
		t.Fatalf("log key: %q, %v", vkey, err)
	}
	keyFile := write(t, filepath.Join(work, "key"), []byte(vkey))
	url := serveInProcess(t, append([]string{"serve"}, where...)...)

	code := "914403001922038216"
	if status, body := request(t, "POST", url+"/v1/subjects", token, "application/json",
		`{"code":"`+code+`","name":"华为技术有限公司","established":"1987-09-15","status":"active"}`); status != 201 {
		t.Fatalf("post subject: %d %v", status, body)
	}
	status, body := request(t, "POST", url+"/v1/records", token, "application/json", `{"subject":"`+code+`","category":"market",
		"kind":"penalty","external_id":"GD-MKT-2025-1","decision_number":"粤市监处〔2025〕1号",
		"legal_basis":"《中华人民共和国广告法》第五十五条","penalty_types":["fine"],"amount":200000,"occurred_at":"2025-03-14"}`)
	if status != 201 {
		t.Fatalf("post record: %d %v", status, body)
	}
	id := fmt.Sprint(body["id"])
	recordURL := fmt.Sprintf("%s/v1/records/%s", url, id)
	bf, cpf, size := bundle(t, url, recordURL, work)
	state := filepath.Join(work, "state")

	// The record as served is in the log; flags after the argument too.
	out, _, err = run(t, "", "verify", bf, "--key", keyFile, "--checkpoint", cpf, "--state", state)
	if err != nil || !strings.Contains(out, "record "+id+" is what the log holds\n") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	// So is the report on its organization, by its own checkpoint, as the
	// organization sees it (the record is not public).
	rf, rcp := report(t, url, code, token, work)
	out, _, err = run(t, "", "verify", "--key", keyFile, "--checkpoint", rcp, rf)
	if err != nil || !strings.Contains(out, code+": 1 record, 0 list entries and 0 objections: what the log") {
		t.Fatalf("verify report: %v\n%s", err, out)
	}

	fail := func(want string, args ...string) {
		t.Helper()
		out, _, err := run(t, "", append([]string{"verify"}, args...)...)
		if exitCode(err) != 1 || !strings.Contains(err.Error(), want) {
			t.Errorf("verify %v: exit %d, %v; want 1 saying %q\n%s", args, exitCode(err), err, want, out)
		}
	}
	// A forged checkpoint, a malformed one, a key of another log.
	cp, _ := os.ReadFile(cpf)
	forgedCP := strings.Replace(string(cp), fmt.Sprintf("\n%d\n", size), fmt.Sprintf("\n%d\n", size+1), 1)
	forged := write(t, filepath.Join(work, "forged"), []byte(forgedCP))
	fail("invalid signature", "--key", keyFile, "--checkpoint", forged, bf)
	fail("malformed", "--key", keyFile, "--checkpoint", write(t, filepath.Join(work, "junk"), []byte("not a note")), bf)
	other, _, err := run(t, "", "log", "key", "--data", t.TempDir(), "--ledger-origin", "other.example")
	if err != nil {
		t.Fatal(err)
	}
	otherKey := write(t, filepath.Join(work, "other"), []byte(other))
	fail("not signed", "--key", otherKey, "--checkpoint", cpf, bf)
	fail("verifier key", "--key", write(t, filepath.Join(work, "badkey"), []byte("credo+zz+nonsense")), "--checkpoint", cpf, bf)

	// The report tampered with: an amount lowered, a record's log_index
	// moved, its checkpoint forged, or checked against another tree.
	rep, _ := os.ReadFile(rf)
	editReport := func(name, old, new string) string {
		t.Helper()
		if !strings.Contains(string(rep), old) {
			t.Fatalf("the report has no %s", old)
		}
		return write(t, filepath.Join(work, name), []byte(strings.Replace(string(rep), old, new, 1)))
	}
	fail("record "+id+" was tampered with: its content", "--key", keyFile, "--checkpoint", rcp, editReport("r-amount.json", `"amount":200000`, `"amount":20000`))
	fail("record "+id+" was tampered with", "--key", keyFile, "--checkpoint", rcp, editReport("r-index.json", `"log_index":`, `"log_index":1`))
	var doc map[string]any
	json.Unmarshal(rep, &doc)
	note := doc["ledger"].(map[string]any)["checkpoint"].(string)
	forgedNote, _ := json.Marshal(strings.Replace(note, "\n", "\n9", 1))
	quoted, _ := json.Marshal(note)
	fail("invalid signature", "--key", keyFile, "--checkpoint", rcp, editReport("r-forged.json", string(quoted), string(forgedNote)))
	fail("not signed", "--key", otherKey, "--checkpoint", rcp, rf)
	fail("its proofs are for the tree of size", "--key", keyFile, "--checkpoint", laterCheckpoint(t, url, token, rcp, work), rf)
	fail("not JSON", "--key", keyFile, "--checkpoint", rcp, write(t, filepath.Join(work, "r-junk.json"), []byte("%PDF-1.7")))
	fail("carries no ledger evidence", "--key", keyFile, "--checkpoint", rcp, editReport("r-none.json", `"ledger":`, `"ledger_":`))
	fail("has no log_index", "--key", keyFile, "--checkpoint", rcp, editReport("r-noindex.json", `"log_index":`, `"log_index_":`))

	// A bundle whose inclusion proof is one hash short, or one too long.
	var bdoc map[string]json.RawMessage // the entry kept byte for byte
	var incl map[string]any
	b, _ := os.ReadFile(bf)
	json.Unmarshal(b, &bdoc)
	json.Unmarshal(bdoc["inclusion"], &incl)
	hashes := incl["hashes"].([]any)
	for name, hs := range map[string][]any{"short": hashes[:len(hashes)-1], "long": append(append([]any{}, hashes...), hashes[0])} {
		incl["hashes"] = hs
		bdoc["inclusion"], _ = json.Marshal(incl)
		b, _ := json.Marshal(bdoc)
		fail("is not in the log the checkpoint signs", "--key", keyFile, "--checkpoint", cpf, write(t, filepath.Join(work, "b-"+name+".json"), b))
	}

	// Someone edits the stored record directly: its decision date moves a
	// year back. The API serves the edited record; verify catches it.
	exec(edits["occurred_at"])
	bf, cpf, _ = bundle(t, url, recordURL, work)
	fail("record "+id+" was tampered with: occurred_at", "--key", keyFile, "--checkpoint", cpf, bf)
	rf, rcp = report(t, url, code, token, work)
	fail("record "+id+" was tampered with: occurred_at", "--key", keyFile, "--checkpoint", rcp, rf)
	exec(edits["undo"])
	bf, cpf, _ = bundle(t, url, recordURL, work)
	if _, _, err := run(t, "", "verify", "--key", keyFile, "--checkpoint", cpf, bf); err != nil {
		t.Fatalf("after undoing the edit: %v", err)
	}
	// Its amount, which no column of the log names: the digest catches it.
	exec(edits["amount"])
	bf, cpf, _ = bundle(t, url, recordURL, work)
	if !strings.Contains(string(get(t, recordURL)), `"amount":20000`) {
		t.Fatal("the edited amount is not served")
	}
	fail("record "+id+" was tampered with: its content", "--key", keyFile, "--checkpoint", cpf, bf)
	rf, rcp = report(t, url, code, token, work)
	fail("record "+id+" was tampered with: its content", "--key", keyFile, "--checkpoint", rcp, rf)

	// The log's own entry edited: its content no longer opens its leaf.
	exec(edits["log"])
	bf, cpf, _ = bundle(t, url, recordURL, work)
	fail("do not hash to its leaf", "--key", keyFile, "--checkpoint", cpf, bf)
	rf, rcp = report(t, url, code, token, work)
	fail("do not hash to its leaf", "--key", keyFile, "--checkpoint", rcp, rf)
}

// laterCheckpoint registers another organization, so that the log grows,
// and returns a file with the first checkpoint of a size other than the
// one in cpFile.
func laterCheckpoint(t *testing.T, base, token, cpFile, dir string) string {
	t.Helper()
	cp, _ := os.ReadFile(cpFile)
	var size int
	fmt.Sscan(strings.Split(string(cp), "\n")[1], &size)
	if status, body := request(t, "POST", base+"/v1/subjects", token, "application/json",
		`{"code":"91440300708461136T","name":"深圳市腾讯计算机系统有限公司","established":"1998-11-11","status":"active"}`); status != 201 {
		t.Fatalf("post subject: %d %v", status, body)
	}
	for range 300 {
		cp := get(t, base+"/v1/log/checkpoint")
		var n int
		fmt.Sscan(strings.Split(string(cp), "\n")[1], &n)
		if n > size {
			return write(t, filepath.Join(dir, "later-checkpoint"), cp)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the log did not grow")
	return ""
}

// report writes the report on code as token's holder sees it, and the
// checkpoint it carries, into dir.
func report(t *testing.T, base, code, token, dir string) (reportFile, cpFile string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/subjects/"+code+"/report", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("report: %d %s", resp.StatusCode, b)
	}
	var doc struct {
		Ledger struct {
			Checkpoint string `json:"checkpoint"`
		} `json:"ledger"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Ledger.Checkpoint == "" {
		t.Fatalf("the report carries no checkpoint: %v %s", err, b)
	}
	return write(t, filepath.Join(dir, "report.json"), b), write(t, filepath.Join(dir, "report-checkpoint"), []byte(doc.Ledger.Checkpoint))
}

// TestVerifyWatchesTheLog: a client keeping the last checkpoint accepts a
// newer one only with a consistency proof, and reports a log that
// rewrote its history.
func TestVerifyWatchesTheLog(t *testing.T) {
	work := t.TempDir()
	signer, vkey, err := ledger.Signer("credo.test", make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := write(t, filepath.Join(work, "key"), []byte(vkey))
	ctx := context.Background()
	// Two logs under one key: the honest one, and one that forked after
	// its second entry.
	open := func() (*sqlite.DB, *ledger.Log) {
		s, err := sqlite.Open(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, ledger.New(s, signer)
	}
	appendOne := func(s *sqlite.DB, l *ledger.Log, ref string) (string, uint64) {
		if _, err := s.AppendChanges(ctx, []*credo.Change{{Type: "test", Ref: ref, At: credo.NewTime(time.Unix(1, 0)), Data: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Integrate(ctx); err != nil {
			t.Fatal(err)
		}
		cp, _ := l.Checkpoint(ctx)
		size, _, _ := s.LedgerSize(ctx)
		return write(t, filepath.Join(work, fmt.Sprintf("cp-%p-%d", l, size)), cp), uint64(size)
	}
	proof := func(l *ledger.Log, from, to uint64) string {
		p, err := l.ConsistencyProof(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(map[string]any{"from": from, "to": to, "hashes": p})
		return write(t, filepath.Join(work, fmt.Sprintf("cons-%p-%d-%d", l, from, to)), b)
	}
	honest, hl := open()
	fork, fl := open()
	appendOne(honest, hl, "a")
	appendOne(fork, fl, "a")
	cp2, _ := appendOne(honest, hl, "b")
	appendOne(fork, fl, "B") // the fork's second entry differs
	forked2 := write(t, filepath.Join(work, "forked2"), must(fl.Checkpoint(ctx)))
	cp3, _ := appendOne(honest, hl, "c")
	fcp3, _ := appendOne(fork, fl, "c")
	state := filepath.Join(work, "state")

	verify := func(args ...string) (string, error) {
		out, _, err := run(t, "", append([]string{"verify", "--key", keyFile, "--state", state}, args...)...)
		return out, err
	}
	if out, err := verify("--checkpoint", cp2); err != nil || !strings.Contains(out, "first use") {
		t.Fatalf("first checkpoint: %v\n%s", err, out)
	}
	if _, err := verify("--checkpoint", forked2); exitCode(err) != 1 || !strings.Contains(err.Error(), "rewrote its history") {
		t.Errorf("a forked checkpoint of the same size: %v; want exit 1, rewrote its history", err)
	}
	if _, err := verify("--checkpoint", cp3); exitCode(err) != 1 || !strings.Contains(err.Error(), "--consistency") {
		t.Errorf("a newer checkpoint without a proof: %v; want exit 1 asking for --consistency", err)
	}
	if _, err := verify("--checkpoint", fcp3, "--consistency", proof(fl, 2, 3)); exitCode(err) != 1 || !strings.Contains(err.Error(), "rewrote its history") {
		t.Errorf("the fork's newer checkpoint with its own proof: %v; want exit 1, rewrote its history", err)
	}
	// A proof of the wrong length.
	short := proof(hl, 2, 3)
	var p map[string]any
	b, _ := os.ReadFile(short)
	json.Unmarshal(b, &p)
	hs := p["hashes"].([]any)
	p["hashes"] = append(hs, hs[0])
	b, _ = json.Marshal(p)
	if _, err := verify("--checkpoint", cp3, "--consistency", write(t, filepath.Join(work, "short"), b)); exitCode(err) != 1 {
		t.Errorf("a consistency proof of the wrong length: %v; want exit 1", err)
	}
	if out, err := verify("--checkpoint", cp3, "--consistency", proof(hl, 2, 3)); err != nil || !strings.Contains(out, "consistent with the kept checkpoint 2") {
		t.Fatalf("the honest newer checkpoint: %v\n%s", err, out)
	}
	if _, err := verify("--checkpoint", cp2); exitCode(err) != 1 || !strings.Contains(err.Error(), "went back") {
		t.Errorf("an older checkpoint after a newer: %v; want exit 1", err)
	}
	// No key or checkpoint: usage.
	if _, _, err := run(t, "", "verify", "--key", keyFile); exitCode(err) != 2 {
		t.Errorf("verify without --checkpoint: exit %d; want 2", exitCode(err))
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestLogErase(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := run(t, "", "authority", "add", "--data", dir, "--id", "gd-amr", "--name", "广东省市场监督管理局",
		"--divisions", "44", "--categories", "market"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	l, _, err := openLedger(ctx, s, ledgerFlags{origin: "credo"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Integrate(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := s.LedgerLeaf(ctx, 0)
	s.Close()
	if _, _, err := run(t, "", "log", "erase", "0", "--data", dir); exitCode(err) == 0 || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("erase without a reason: %v", err)
	}
	if _, _, err := run(t, "", "log", "erase", "x", "--data", dir, "--reason", "r"); exitCode(err) != 2 {
		t.Fatalf("erase x: %v; want exit 2", err)
	}
	if _, _, err := run(t, "", "log", "erase", "9", "--data", dir, "--reason", "r"); exitCode(err) == 0 {
		t.Fatal("erasing a leaf beyond the tree succeeded")
	}
	out, _, err := run(t, "", "log", "erase", "0", "--data", dir, "--reason", "《个人信息保护法》第四十七条")
	if err != nil || !strings.Contains(out, "erased leaf 0") {
		t.Fatalf("erase: %v\n%s", err, out)
	}
	s, err = sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after, _ := s.LedgerLeaf(ctx, 0)
	if after.Salt != nil || string(after.Hash) != string(before.Hash) {
		t.Fatalf("after erasure: salt %x, hash kept %v", after.Salt, string(after.Hash) == string(before.Hash))
	}
	cs, _ := s.Changes(ctx, credo.ChangeQuery{})
	last := cs[len(cs)-1]
	if last.Type != ledger.ChangeLeafErased || last.Ref != "0" || string(cs[0].Data) != "null" {
		t.Fatalf("the erasure is not logged, or the content stayed: %+v, first data %s", last, cs[0].Data)
	}
}
