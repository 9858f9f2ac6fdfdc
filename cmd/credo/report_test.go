package main

import (
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"
)

// TestServeReports: serve prints --public-url in issued reports, on the
// PDF's verify address and the report page's alike.
func TestServeReports(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, "", "authority", "add", "--data", dir, "--id", "gd-amr", "--name", "广东省市场监督管理局",
		"--divisions", "44", "--categories", "market,registration")
	if err != nil {
		t.Fatal(err)
	}
	url := serveInProcess(t, "serve", "--data", dir, "--public-url", "https://credo.example")
	code := "914403001922038216"
	if status, body := request(t, "POST", url+"/v1/subjects", lastLine(out), "application/json",
		`{"code":"`+code+`","name":"华为技术有限公司","established":"1987-09-15","status":"active"}`); status != 201 {
		t.Fatalf("post subject: %d %v", status, body)
	}
	res, err := http.Get(url + "/v1/subjects/" + code + "/report.pdf")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	_, params, _ := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
	number := strings.TrimSuffix(params["filename"], ".pdf")
	if res.StatusCode != 200 || number == "" {
		t.Fatalf("report.pdf: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	status, body := request(t, "GET", url+"/v1/reports/"+number, "", "", "")
	if status != 200 || body["verify"] != "https://credo.example/verify/"+number || body["status"] != "valid" {
		t.Fatalf("GET /v1/reports/%s: %d %v", number, status, body)
	}
	res, err = http.Get(url + "/en/report/" + code)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "https://credo.example/verify/CR-") {
		t.Fatalf("report page: %d %.300s", res.StatusCode, page)
	}
}

// TestPublicURLRefused: a --public-url that is not a scheme and host is
// refused before anything starts (exit 2).
func TestPublicURLRefused(t *testing.T) {
	for _, bad := range []string{"credo.example", "ftp://credo.example", "https://", "https://credo.example/path", "https://u:p@credo.example", "https://credo.example/?q=1"} {
		_, _, err := run(t, "", "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--public-url", bad)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "--public-url") {
			t.Errorf("--public-url %q: %v", bad, err)
		}
	}
}
