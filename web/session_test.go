package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browserClient is a browser without JavaScript: a cookie jar, no
// redirects followed (each is checked), forms sent as a browser does.
type browserClient struct {
	t    testing.TB
	base string
	c    *http.Client
}

func (reg *registry) client() *browserClient {
	jar, _ := cookiejar.New(nil)
	return &browserClient{t: reg.t, base: reg.url, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browserClient) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (b *browserClient) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// post sends form fields (urlencoded).
func (b *browserClient) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// file is an upload: the form field, the file's name and its bytes.
type file struct {
	field, name string
	data        []byte
}

// postMultipart sends fields and files as multipart/form-data.
func (b *browserClient) postMultipart(path string, form url.Values, files ...file) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile(f.field, f.name)
		w.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf is the CSRF token of the form on the page at path.
func (b *browserClient) csrf(path string) string {
	b.t.Helper()
	pg := b.get(path)
	m := csrfField.FindStringSubmatch(pg.body)
	if m == nil {
		b.t.Fatalf("%s (%d) has no CSRF token: %.300s", path, pg.status, pg.body)
	}
	return m[1]
}

// signIn signs in with token and checks where it leads.
func (b *browserClient) signIn(token, wantNext string) {
	b.t.Helper()
	pg := b.post("/zh/sign-in", url.Values{"csrf": {b.csrf("/zh/sign-in")}, "token": {token}})
	if pg.status != http.StatusSeeOther || pg.header.Get("Location") != wantNext {
		b.t.Fatalf("sign in: %d to %q, want 303 to %s; %.300s", pg.status, pg.header.Get("Location"), wantNext, pg.body)
	}
}

func wantStatus(t *testing.T, what string, pg page, status int, has ...string) {
	t.Helper()
	if pg.status != status {
		t.Fatalf("%s: status %d, want %d; %.600s", what, pg.status, status, pg.body)
	}
	pg.has(t, has...)
}

func TestSignIn(t *testing.T) {
	reg := newRegistry(t)
	b := reg.client()

	pg := b.get("/zh/my/")
	if pg.status != http.StatusSeeOther || pg.header.Get("Location") != "/zh/sign-in?next=%2Fzh%2Fmy%2F" {
		t.Fatalf("the area without a session: %d to %q", pg.status, pg.header.Get("Location"))
	}
	form := b.get("/en/sign-in")
	wantStatus(t, "the sign-in form", form, 200, `name="token"`, `type="password"`)
	checkHTML(t, "/en/sign-in", form.body)
	var csrfCookie *http.Cookie
	for _, c := range form.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "credo_csrf=") {
			h := http.Header{"Set-Cookie": {c}}
			csrfCookie = (&http.Response{Header: h}).Cookies()[0]
		}
	}
	if csrfCookie == nil || !csrfCookie.HttpOnly || csrfCookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("the CSRF cookie: %+v", csrfCookie)
	}
	token := csrfField.FindStringSubmatch(form.body)[1]

	t.Run("CSRF: missing, wrong, or from another browser", func(t *testing.T) {
		wantStatus(t, "no token", b.post("/en/sign-in", url.Values{"token": {tokenOrg}}), 403, "csrf")
		wantStatus(t, "a wrong token", b.post("/en/sign-in", url.Values{"csrf": {strings.Repeat("0", 64)}, "token": {tokenOrg}}), 403, "csrf")
		other := reg.client()
		wantStatus(t, "another browser's token", other.post("/en/sign-in", url.Values{"csrf": {token}, "token": {tokenOrg}}), 403, "csrf")
		wantStatus(t, "the area after refused sign-ins", b.get("/zh/my/"), 303)
	})
	t.Run("bad tokens", func(t *testing.T) {
		wantStatus(t, "no token", b.post("/en/sign-in", url.Values{"csrf": {token}}), 400, "token")
		wantStatus(t, "an oversized token", b.post("/en/sign-in", url.Values{"csrf": {token}, "token": {strings.Repeat("x", 600)}}), 400, "token")
		wantStatus(t, "an unknown token", b.post("/en/sign-in", url.Values{"csrf": {token}, "token": {"credo_nobody"}}), 401, "token")
		wantStatus(t, "an oversized form", b.post("/en/sign-in", url.Values{"csrf": {token}, "token": {strings.Repeat("x", 70<<10)}}), 413)
	})
	t.Run("the session cookie", func(t *testing.T) {
		pg := b.post("/en/sign-in", url.Values{"csrf": {token}, "token": {tokenOrg}})
		if pg.status != 303 || pg.header.Get("Location") != "/en/my/" {
			t.Fatalf("sign in: %d to %q", pg.status, pg.header.Get("Location"))
		}
		c := (&http.Response{Header: pg.header}).Cookies()
		if len(c) != 1 || c[0].Name != "credo_session" || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode || c[0].Secure {
			t.Fatalf("session cookie over plain HTTP: %+v", c)
		}
		if strings.Contains(c[0].Value, tokenOrg) {
			t.Fatalf("the cookie holds the token itself")
		}
		wantStatus(t, "the area", b.get("/en/my/"), 200, "淮北")
		// A tampered cookie is no session.
		u, _ := url.Parse(reg.url)
		forged := reg.client()
		forged.c.Jar.SetCookies(u, []*http.Cookie{{Name: "credo_session", Value: strings.Replace(c[0].Value, ".", ".9", 1)}})
		wantStatus(t, "a forged session", forged.get("/en/my/"), 303)
		// Signing out ends it.
		pg = b.post("/en/sign-out", url.Values{"csrf": {b.csrf("/en/my/")}})
		if pg.status != 303 || pg.header.Get("Location") != "/en/" {
			t.Fatalf("sign out: %d to %q", pg.status, pg.header.Get("Location"))
		}
		wantStatus(t, "the area after signing out", b.get("/en/my/"), 303)
	})
	t.Run("the cookie is Secure over TLS", func(t *testing.T) {
		ts := tlsPortal(t, reg)
		jar, _ := cookiejar.New(nil)
		c := ts.Client()
		c.Jar = jar
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		tb := &browserClient{t: t, base: ts.URL, c: c}
		pg := tb.post("/zh/sign-in", url.Values{"csrf": {tb.csrf("/zh/sign-in")}, "token": {tokenAuthority}})
		cs := (&http.Response{Header: pg.header}).Cookies()
		if pg.status != 303 || len(cs) != 1 || !cs[0].Secure || !cs[0].HttpOnly {
			t.Fatalf("sign in over TLS: %d %+v", pg.status, cs)
		}
	})
	t.Run("the cookie is Secure behind a TLS proxy", func(t *testing.T) {
		// The proxy ends TLS and speaks plain HTTP to credo: the public
		// address (--public-url) says the browser is on https. A cookie
		// jar keeps Secure cookies from plain HTTP, so the cookies go by
		// hand here, as the proxy would pass them on.
		behind := newRegistry(t)
		behind.portal.PublicURL = "https://credo.example"
		send := func(method, path, cookies string, form url.Values) (page, map[string]*http.Cookie) {
			t.Helper()
			req, _ := http.NewRequest(method, behind.url+path, strings.NewReader(form.Encode()))
			if form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if cookies != "" {
				req.Header.Set("Cookie", cookies)
			}
			res, err := (&http.Transport{}).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			set := map[string]*http.Cookie{}
			for _, c := range res.Cookies() {
				set[c.Name] = c
			}
			return page{status: res.StatusCode, header: res.Header, body: string(body)}, set
		}
		form, set := send("GET", "/zh/sign-in", "", nil)
		csrf := set["credo_csrf"]
		if form.status != 200 || csrf == nil || !csrf.Secure || !csrf.HttpOnly {
			t.Fatalf("the sign-in form behind the proxy: %d, csrf cookie %+v", form.status, csrf)
		}
		token := csrfField.FindStringSubmatch(form.body)[1]
		pg, set := send("POST", "/zh/sign-in", "credo_csrf="+csrf.Value, url.Values{"csrf": {token}, "token": {tokenAuthority}})
		session := set["credo_session"]
		if pg.status != 303 || session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
			t.Fatalf("sign in behind the proxy: %d, session cookie %+v", pg.status, session)
		}
		jar := "credo_csrf=" + csrf.Value + "; credo_session=" + session.Value
		if pg, _ := send("GET", "/zh/console/", jar, nil); pg.status != 200 {
			t.Fatalf("the console with the session: %d", pg.status)
		}
		out, set := send("POST", "/zh/sign-out", jar, url.Values{"csrf": {token}})
		if ended := set["credo_session"]; out.status != 303 || ended == nil || !ended.Secure || ended.MaxAge >= 0 {
			t.Fatalf("sign out behind the proxy: %d %+v", out.status, ended)
		}
		// An http public address is no reason for Secure.
		plain := newRegistry(t)
		plain.portal.PublicURL = "http://credo.example"
		pp := plain.client()
		pg = pp.post("/zh/sign-in", url.Values{"csrf": {pp.csrf("/zh/sign-in")}, "token": {tokenAuthority}})
		if cs := (&http.Response{Header: pg.header}).Cookies(); pg.status != 303 || len(cs) != 1 || cs[0].Secure {
			t.Fatalf("sign in with an http public address: %d %+v", pg.status, cs)
		}
	})
	t.Run("a session of another role", func(t *testing.T) {
		org, auth := reg.client(), reg.client()
		org.signIn(tokenOrg, "/zh/my/")
		auth.signIn(tokenAuthority, "/zh/console/")
		wantStatus(t, "an organization in the console", org.get("/zh/console/"), 403)
		wantStatus(t, "an authority in the area", auth.get("/zh/my/"), 403)
		wantStatus(t, "an authority at the impact view", auth.get("/zh/console/impact"), 403)
		wantStatus(t, "an organization deciding", org.post("/zh/console/cases/1/decision", url.Values{"csrf": {org.csrf("/zh/my/")}, "outcome": {"retracted"}}), 403)
		wantStatus(t, "an authority replying", auth.post("/zh/my/replies", url.Values{"csrf": {auth.csrf("/zh/console/")}, "target": {"record-1"}, "text": {"x"}}), 403)
	})
	t.Run("a language not offered", func(t *testing.T) {
		wantStatus(t, "/fr/sign-in", b.get("/fr/sign-in"), 404)
		wantStatus(t, "/fr/my/", b.get("/fr/my/"), 404)
	})
}
