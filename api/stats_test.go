package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
)

func TestStats(t *testing.T) {
	e := newEnv(t, nil)
	var st credo.Stats
	e.get("/v1/stats").wantStatus(http.StatusOK).decode(&st)
	if st != (credo.Stats{Authorities: 3}) {
		t.Errorf("empty registry: %+v", st)
	}
	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "甲公司")).wantStatus(http.StatusCreated)
	e.postJSON("/v1/records", tokenHuaibei, goodRecord(codeHuaibei, "A")).wantStatus(http.StatusCreated)
	e.postJSON("/v1/records", tokenHuaibei, goodRecord(codeHuaibei2, "B")).wantStatus(http.StatusCreated)
	e.get("/v1/stats").decode(&st)
	if st != (credo.Stats{Organizations: 1, Records: 2, Authorities: 3}) {
		t.Errorf("stats %+v", st)
	}
	m := e.get("/v1/stats").object()
	for _, k := range []string{"organizations", "records", "authorities"} {
		if _, ok := m[k]; !ok {
			t.Errorf("stats without %q: %v", k, m)
		}
	}
}

func TestAuthorities(t *testing.T) {
	e := newEnv(t, nil)
	res := e.get("/v1/authorities").wantStatus(http.StatusOK)
	var list struct{ Authorities []credo.Authority }
	res.decode(&list)
	if len(list.Authorities) != 3 {
		t.Fatalf("authorities %+v", list.Authorities)
	}
	ids := []string{list.Authorities[0].ID, list.Authorities[1].ID, list.Authorities[2].ID}
	if strings.Join(ids, ",") != "huaibei-amr,national-registry,shanghai-tax" {
		t.Errorf("ids %v, want by id", ids)
	}
	if a := list.Authorities[0]; a.Name != "淮北市市场监督管理局" || strings.Join(a.Divisions, ",") != "3406" || strings.Join(a.Categories, ",") != "market,registration" {
		t.Errorf("authority %+v", a)
	}
	body := strings.ToLower(string(res.body))
	for _, secret := range []string{"token", "hash", credo.HashToken(tokenHuaibei), tokenHuaibei} {
		if strings.Contains(body, secret) {
			t.Errorf("authority list contains %q: %s", secret, res.body)
		}
	}
}
