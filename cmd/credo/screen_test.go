package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScreenCommand: credo screen FILE writes FILE.screened.csv, against a
// server (--server, --token) and against the data folder, flags before or
// after the file; bad flags and files are refused.
func TestScreenCommand(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, "", "authority", "add", "--data", dir, "--id", "gd-amr", "--name", "广东省市场监督管理局",
		"--divisions", "44", "--categories", "market,registration")
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	url := serveInProcess(t, "serve", "--data", dir)
	status, body := request(t, "POST", url+"/v1/subjects", token, "application/json",
		`{"code":"914403001922038216","name":"华为技术有限公司","short_name":"华为","english_name":"Huawei Technologies Co., Ltd."}`)
	if status != 201 {
		t.Fatalf("post subject: %d %v", status, body)
	}
	file := filepath.Join(t.TempDir(), "suppliers.csv")
	rows := "code,name,note\n914403001922038216,,by code\n,HUAWEI TECHNOLOGIES,by English name\n,華為技術股份有限公司,traditional\n,,empty\n91350100M000100Y44,,bad code\n"
	if err := os.WriteFile(file, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(label string) {
		t.Helper()
		f, err := os.Open(file + ".screened.csv")
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil || len(recs) != 6 {
			t.Fatalf("%s: %d lines, %v", label, len(recs), err)
		}
		want := []string{"clear", "clear", "clear", "error", "error"}
		for i, w := range want {
			if recs[i+1][5] != w {
				t.Errorf("%s: row %d status %s, want %s (%v)", label, i+1, recs[i+1][5], w, recs[i+1])
			}
		}
		if recs[2][6] != "914403001922038216" {
			t.Errorf("%s: English name matched %v", label, recs[2])
		}
		os.Remove(file + ".screened.csv")
	}
	out, _, err = run(t, "", "screen", file, "--server", url, "--token", token, "--action", "public_procurement")
	if err != nil || !strings.Contains(out, "clear 3") || !strings.Contains(out, "error 2") {
		t.Fatalf("screen --server: %v\n%s", err, out)
	}
	check("--server")
	out, _, err = run(t, "", "screen", "--action", "public_procurement", "--data", dir, file)
	if err != nil || !strings.Contains(out, "clear 3") {
		t.Fatalf("screen --data: %v\n%s", err, out)
	}
	check("--data")

	for _, bad := range [][]string{
		{"screen"},
		{"screen", file, file},
		{"screen", file, "--depth", "4", "--data", dir},
		{"screen", file, "--action", "lunch", "--data", dir},
		{"screen", filepath.Join(dir, "missing.csv"), "--data", dir},
	} {
		if _, _, err := run(t, "", bad...); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}

// TestScreenAudit: credo screen --audit supply_chain adds the suppliers
// the matched organizations declared, with the via column, against the
// data folder and a server; bad audits are refused.
func TestScreenAudit(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, "", "authority", "add", "--data", dir, "--id", "amr", "--name", "市场监督管理总局",
		"--divisions", "44,31", "--categories", "market,registration")
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	out, _, err = run(t, "", "account", "add", "--data", dir, "--role", "organization", "--code", "914403001922038216")
	if err != nil {
		t.Fatal(err)
	}
	huawei := lastLine(out)
	url := serveInProcess(t, "serve", "--data", dir)
	for _, s := range []string{`{"code":"914403001922038216","name":"华为技术有限公司"}`, `{"code":"91310112087994932F","name":"上海某某实业有限公司"}`} {
		if status, body := request(t, "POST", url+"/v1/subjects", token, "application/json", s); status != 201 {
			t.Fatalf("post subject: %d %v", status, body)
		}
	}
	if status, body := request(t, "POST", url+"/v1/relationships", huawei, "application/json",
		`{"kind":"supplier","from":"91310112087994932F","to":"914403001922038216","since":"2024-01-01"}`); status != 201 {
		t.Fatalf("declare a supplier: %d %v", status, body)
	}
	file := filepath.Join(t.TempDir(), "suppliers.csv")
	if err := os.WriteFile(file, []byte("code,name\n914403001922038216,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(label string) {
		t.Helper()
		b, err := os.ReadFile(file + ".screened.csv")
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil || len(recs) != 3 {
			t.Fatalf("%s: %v\n%s", label, err, b)
		}
		if via := recs[2][len(recs[2])-1]; recs[2][6] != "91310112087994932F" ||
			via != "line 1, tier 1, declared by 914403001922038216: 91310112087994932F -supplier-> 914403001922038216" {
			t.Errorf("%s: the declared supplier %v", label, recs[2])
		}
		os.Remove(file + ".screened.csv")
	}
	if out, _, err := run(t, "", "screen", file, "--audit", "supply_chain", "--depth", "2", "--server", url, "--token", huawei); err != nil {
		t.Fatalf("screen --audit --server: %v\n%s", err, out)
	}
	check("--server")
	if out, _, err := run(t, "", "screen", "--audit", "supply_chain", "--depth", "1", "--data", dir, file); err != nil || !strings.Contains(out, "clear 2") {
		t.Fatalf("screen --audit --data: %v\n%s", err, out)
	}
	check("--data")

	// More than 1,000 rows: the server makes a job, which the command
	// polls, then writes its results, the added supplier last.
	big := filepath.Join(t.TempDir(), "big.csv")
	const n = 1200
	if err := os.WriteFile(big, []byte("code,name\n"+strings.Repeat("914403001922038216,\n", n)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, "", "screen", big, "--audit", "supply_chain", "--depth", "2", "--server", url, "--token", huawei)
	if err != nil || !strings.Contains(out, fmt.Sprintf("clear %d,", n+1)) {
		t.Fatalf("screen --audit --server, %d rows: %v\n%s", n, err, out)
	}
	b, err := os.ReadFile(big + ".screened.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil || len(recs) != n+2 {
		t.Fatalf("the job's results: %d records, %v", len(recs), err)
	}
	if last := recs[n+1]; last[0] != fmt.Sprint(n+1) || last[6] != "91310112087994932F" ||
		last[len(last)-1] != "line 1, tier 1, declared by 914403001922038216: 91310112087994932F -supplier-> 914403001922038216" {
		t.Errorf("the job's added supplier: %v", last)
	}

	for _, bad := range [][]string{
		{"screen", file, "--audit", "supply_chain", "--data", dir},
		{"screen", file, "--audit", "supply_chain", "--depth", "4", "--data", dir},
		{"screen", file, "--audit", "tier2", "--depth", "1", "--data", dir},
	} {
		if _, _, err := run(t, "", bad...); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}
