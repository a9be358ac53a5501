package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/index"
	"github.com/vigie-hotline/vigie/internal/dbtest"
	"github.com/vigie-hotline/vigie/sqldb"
	"github.com/vigie-hotline/vigie/web"
)

// testServer is a web.Server on a real SQLite database behind httptest.
type testServer struct {
	*web.Server
	DB   *sqldb.DB
	HTTP *httptest.Server
}

func mustServer(t testing.TB, configure ...func(*web.Server)) *testServer {
	t.Helper()
	db := dbtest.MustOpenDB(t, dbtest.SQLiteDSN(t))
	s := web.NewServer()
	s.KeyCacheTTL, s.KeyUseFlush = 0, 0 // see every change at once
	ss := sqldb.NewSessionService(db)
	s.Users, s.Sessions, s.Throttle = sqldb.NewUserService(db), ss, ss
	s.APIKeys, s.Audit = sqldb.NewAPIKeyService(db), sqldb.NewAuditService(db)
	banks := sqldb.NewBankService(db)
	matcher := index.NewMatcher(banks)
	if err := matcher.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Banks, s.Matcher, s.Fingerprinter = banks, syncingMatcher{matcher}, fingerprint.NewService(fingerprint.Options{})
	s.Reports, s.Takedowns = sqldb.NewReportService(db, dropJobs{}), sqldb.NewTakedownService(db, dropJobs{})
	for _, fn := range configure {
		fn(s)
	}
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &testServer{Server: s, DB: db, HTTP: hs}
}

// dropJobs drops the jobs services enqueue: these tests drive the web
// layer, and the job queue is tested in package jobs.
type dropJobs struct{}

func (dropJobs) EnqueueTx(context.Context, *sql.Tx, ...vigie.Job) error { return nil }

// syncingMatcher applies the banks' latest changes before each lookup, so
// that tests need not wait for the background loop.
type syncingMatcher struct{ *index.Matcher }

func (m syncingMatcher) Match(ctx context.Context, signals []vigie.Signal, opts vigie.MatchOptions) ([]*vigie.Match, error) {
	if _, err := m.Sync(ctx); err != nil {
		return nil, err
	}
	return m.Matcher.Match(ctx, signals, opts)
}

// mustUser creates an account with the given password.
func (ts *testServer) mustUser(t testing.TB, name string, role vigie.Role, password string) *vigie.User {
	t.Helper()
	hash, err := web.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u := &vigie.User{Username: name, Role: role, PasswordHash: hash}
	if err := ts.Users.CreateUser(vigie.NewContextWithActor(context.Background(), "test"), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// browser is an HTTP client with cookies that does not follow redirects,
// so tests see where each answer points.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	lang string
}

func (ts *testServer) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: ts.HTTP.URL, lang: "en", c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, header ...string) (int, http.Header, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", b.lang)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

func (b *browser) login(user, password string) (int, string) {
	b.t.Helper()
	st, h, _ := b.do("POST", "/login", url.Values{"username": {user}, "password": {password}})
	return st, h.Get("Location")
}

func TestLogin(t *testing.T) {
	ts := mustServer(t)
	for _, role := range []vigie.Role{vigie.RoleAdmin, vigie.RoleSupervisor, vigie.RoleAnalyst, vigie.RolePolice} {
		ts.mustUser(t, "u-"+string(role), role, "correct horse battery")
	}
	t.Run("HomePerRole", func(t *testing.T) {
		for _, role := range []vigie.Role{vigie.RoleAdmin, vigie.RoleSupervisor, vigie.RoleAnalyst, vigie.RolePolice} {
			b := ts.browser(t)
			st, loc := b.login("u-"+string(role), "correct horse battery")
			if st != http.StatusSeeOther || loc != "/" {
				t.Fatalf("%s: login=%d → %q, want 303 → /", role, st, loc)
			}
			st, _, body := b.do("GET", "/", nil)
			if got, want := st, http.StatusOK; got != want {
				t.Fatalf("%s: home status=%d, want %d", role, got, want)
			}
			if !strings.Contains(body, `id="home-`+string(role)+`"`) {
				t.Fatalf("%s: home page is not the %s home:\n%s", role, role, body)
			}
		}
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		st, _, body := ts.browser(t).do("POST", "/login", url.Values{"username": {"u-analyst"}, "password": {"nope"}})
		if st != http.StatusUnauthorized || !strings.Contains(body, "Wrong username or password") {
			t.Fatalf("status=%d body=%s", st, body)
		}
	})
	t.Run("ErrPartnerCannotLogIn", func(t *testing.T) {
		ts.mustUser(t, "platform", vigie.RolePartner, "correct horse battery")
		if st, _ := ts.browser(t).login("platform", "correct horse battery"); st != http.StatusUnauthorized {
			t.Fatalf("partner login status=%d, want 401", st)
		}
	})
	t.Run("SignedOutRedirects", func(t *testing.T) {
		st, h, _ := ts.browser(t).do("GET", "/", nil)
		if st != http.StatusSeeOther || h.Get("Location") != "/login" {
			t.Fatalf("status=%d location=%q", st, h.Get("Location"))
		}
	})
	t.Run("Logout", func(t *testing.T) {
		b := ts.browser(t)
		b.login("u-analyst", "correct horse battery")
		b.do("POST", "/logout", url.Values{})
		if st, _, _ := b.do("GET", "/", nil); st != http.StatusSeeOther {
			t.Fatalf("after logout home status=%d, want 303", st)
		}
	})
	t.Run("LogoutEverywhere", func(t *testing.T) {
		b1, b2 := ts.browser(t), ts.browser(t)
		b1.login("u-police", "correct horse battery")
		b2.login("u-police", "correct horse battery")
		b1.do("POST", "/logout/everywhere", url.Values{})
		if st, _, _ := b2.do("GET", "/", nil); st != http.StatusSeeOther {
			t.Fatalf("other session still valid: status=%d", st)
		}
	})
	t.Run("CookieFlags", func(t *testing.T) {
		_, h, _ := ts.browser(t).do("POST", "/login", url.Values{"username": {"u-analyst"}, "password": {"correct horse battery"}})
		c := h.Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "vigie_session="} {
			if !strings.Contains(c, want) {
				t.Fatalf("Set-Cookie %q lacks %s", c, want)
			}
		}
	})
	t.Run("Audited", func(t *testing.T) {
		entries, err := ts.Audit.FindAuditEntries(context.Background(), vigie.AuditFilter{Action: "auth.login_failed"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 0 {
			t.Fatal("no auth.login_failed entry in the audit log")
		}
		ok, err := ts.Audit.FindAuditEntries(context.Background(), vigie.AuditFilter{Action: "auth.login"})
		if err != nil || len(ok) == 0 {
			t.Fatalf("no auth.login entry: %v", err)
		}
	})
}

func TestLogin_Throttle(t *testing.T) {
	now := time.Now()
	ts := mustServer(t, func(s *web.Server) { s.Now = func() time.Time { return now } })
	ts.mustUser(t, "erin", vigie.RoleAnalyst, "correct horse battery")
	b := ts.browser(t)
	for i := range 5 {
		if st, _ := b.login("erin", "wrong"); st != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status=%d, want 401", i+1, st)
		}
	}
	t.Run("ErrThrottledEvenWithRightPassword", func(t *testing.T) {
		st, _, body := b.do("POST", "/login", url.Values{"username": {"erin"}, "password": {"correct horse battery"}})
		if got, want := st, http.StatusTooManyRequests; got != want {
			t.Fatalf("status=%d, want %d", got, want)
		}
		if !strings.Contains(body, "Too many failed sign-in attempts") || !strings.Contains(body, "15 minutes") {
			t.Fatalf("throttle message missing:\n%s", body)
		}
	})
	t.Run("OtherAccountFromSameIPStillWorks", func(t *testing.T) {
		ts.mustUser(t, "fred", vigie.RoleAnalyst, "correct horse battery")
		if st, _ := b.login("fred", "correct horse battery"); st != http.StatusSeeOther {
			t.Fatalf("status=%d, want 303", st)
		}
	})
	t.Run("OKAfterWindow", func(t *testing.T) {
		now = now.Add(16 * time.Minute)
		if st, _ := b.login("erin", "correct horse battery"); st != http.StatusSeeOther {
			t.Fatalf("status=%d, want 303", st)
		}
	})
	t.Run("ErrThrottledPerIP", func(t *testing.T) {
		for i := range 30 {
			b.login("nobody-"+string(rune('a'+i%26)), "wrong")
		}
		if st, _ := b.login("fred", "correct horse battery"); st != http.StatusTooManyRequests {
			t.Fatalf("status=%d, want 429 after 30 failures from one address", st)
		}
	})
}

func TestTOTP(t *testing.T) {
	ts := mustServer(t, func(s *web.Server) { s.RequireTOTP = true })
	u := ts.mustUser(t, "gina", vigie.RoleAdmin, "correct horse battery")

	b := ts.browser(t)
	b.login("gina", "correct horse battery")
	t.Run("AdminMustEnrol", func(t *testing.T) {
		st, h, _ := b.do("GET", "/admin/users", nil)
		if st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/account") {
			t.Fatalf("status=%d location=%q, want redirect to /account", st, h.Get("Location"))
		}
	})
	var secret string
	t.Run("Enrol", func(t *testing.T) {
		_, _, body := b.do("POST", "/account/totp", url.Values{})
		m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no secret on the enrolment page:\n%s", body)
		}
		secret = m[1]
		if st, _, _ := b.do("POST", "/account/totp/confirm", url.Values{"secret": {secret}, "code": {"000000"}}); st != http.StatusBadRequest {
			t.Fatalf("wrong code accepted: status=%d", st)
		}
		code, _ := totp.GenerateCode(secret, time.Now())
		st, _, body := b.do("POST", "/account/totp/confirm", url.Values{"secret": {secret}, "code": {code}})
		if st != http.StatusOK || !strings.Contains(body, "now on") {
			t.Fatalf("confirm status=%d:\n%s", st, body)
		}
		if st, _, _ := b.do("GET", "/admin/users", nil); st != http.StatusOK {
			t.Fatalf("admin page after enrolment: status=%d", st)
		}
	})
	t.Run("LoginAsksForCode", func(t *testing.T) {
		b2 := ts.browser(t)
		st, loc := b2.login("gina", "correct horse battery")
		if st != http.StatusSeeOther || loc != "/login/totp" {
			t.Fatalf("login=%d → %q, want → /login/totp", st, loc)
		}
		if st, h, _ := b2.do("GET", "/", nil); st != http.StatusSeeOther || h.Get("Location") != "/login/totp" {
			t.Fatalf("pending session reached home: %d %q", st, h.Get("Location"))
		}
		if st, _, _ := b2.do("POST", "/login/totp", url.Values{"code": {"123456"}}); st != http.StatusUnauthorized {
			t.Fatalf("wrong code: status=%d, want 401", st)
		}
		code, _ := totp.GenerateCode(secret, time.Now())
		if st, _, _ := b2.do("POST", "/login/totp", url.Values{"code": {code}}); st != http.StatusSeeOther {
			t.Fatalf("right code: status=%d, want 303", st)
		}
		if st, _, _ := b2.do("GET", "/", nil); st != http.StatusOK {
			t.Fatalf("home after code: status=%d", st)
		}
	})
	_ = u
}

func TestAdminUsers(t *testing.T) {
	ts := mustServer(t)
	ts.mustUser(t, "root", vigie.RoleAdmin, "correct horse battery")
	ts.mustUser(t, "ana", vigie.RoleAnalyst, "correct horse battery")
	admin := ts.browser(t)
	admin.login("root", "correct horse battery")

	t.Run("CreateShowsPasswordOnce", func(t *testing.T) {
		st, _, body := admin.do("POST", "/admin/users", url.Values{"username": {"new-analyst"}, "role": {"analyst"}})
		if st != http.StatusOK {
			t.Fatalf("status=%d:\n%s", st, body)
		}
		m := regexp.MustCompile(`id="shown-password">([a-z0-9-]+)<`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no password shown:\n%s", body)
		}
		if st, _ := ts.browser(t).login("new-analyst", m[1]); st != http.StatusSeeOther {
			t.Fatalf("login with shown password: status=%d", st)
		}
		_, _, again := admin.do("GET", "/admin/users", nil)
		if strings.Contains(again, m[1]) {
			t.Fatal("password shown a second time")
		}
	})
	t.Run("ErrDuplicate", func(t *testing.T) {
		st, _, body := admin.do("POST", "/admin/users", url.Values{"username": {"ANA"}, "role": {"analyst"}})
		if st != http.StatusConflict || !strings.Contains(body, "already taken") {
			t.Fatalf("status=%d:\n%s", st, body)
		}
	})
	t.Run("ErrForbiddenForAnalyst", func(t *testing.T) {
		b := ts.browser(t)
		b.login("ana", "correct horse battery")
		if st, _, _ := b.do("GET", "/admin/users", nil); st != http.StatusForbidden {
			t.Fatalf("analyst on /admin/users: status=%d, want 403", st)
		}
		if st, _, _ := b.do("POST", "/admin/users", url.Values{"username": {"x"}, "role": {"admin"}}); st != http.StatusForbidden {
			t.Fatalf("analyst creating a user: status=%d, want 403", st)
		}
	})
	t.Run("DisableEndsSessions", func(t *testing.T) {
		b := ts.browser(t)
		b.login("ana", "correct horse battery")
		ana, _ := ts.Users.FindUserByUsername(context.Background(), "ana")
		admin.do("POST", "/admin/users/"+itoa(ana.ID)+"/disable", url.Values{})
		if st, _, _ := b.do("GET", "/", nil); st != http.StatusSeeOther {
			t.Fatalf("disabled user's session still works: status=%d", st)
		}
		if st, _ := ts.browser(t).login("ana", "correct horse battery"); st != http.StatusUnauthorized {
			t.Fatalf("disabled user can log in: status=%d", st)
		}
	})
	t.Run("ErrCannotDisableSelf", func(t *testing.T) {
		root, _ := ts.Users.FindUserByUsername(context.Background(), "root")
		if st, _, _ := admin.do("POST", "/admin/users/"+itoa(root.ID)+"/disable", url.Values{}); st != http.StatusBadRequest {
			t.Fatalf("status=%d, want 400", st)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	ts := mustServer(t)
	ts.mustUser(t, "root", vigie.RoleAdmin, "correct horse battery")
	partner := ts.mustUser(t, "platform-x", vigie.RolePartner, "")
	admin := ts.browser(t)
	admin.login("root", "correct horse battery")
	_, _, body := admin.do("POST", "/admin/keys", url.Values{"user": {itoa(partner.ID)}, "name": {"upload scanner"}})
	m := regexp.MustCompile(`id="shown-key">(vigie_[a-z0-9]+)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no key shown:\n%s", body)
	}
	key := m[1]
	api := ts.browser(t)

	t.Run("OK", func(t *testing.T) {
		for range 2 {
			st, _, body := api.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+key)
			if st != http.StatusOK || !strings.Contains(body, `"partner": "platform-x"`) {
				t.Fatalf("status=%d body=%s", st, body)
			}
		}
		keys, _ := ts.APIKeys.FindAPIKeys(context.Background(), partner.ID)
		if got, want := keys[0].Requests, int64(2); got != want {
			t.Fatalf("Requests=%d, want %d", got, want)
		}
	})
	t.Run("ErrNoKey", func(t *testing.T) {
		if st, _, _ := api.do("GET", "/api/v1/me", nil); st != http.StatusUnauthorized {
			t.Fatalf("status=%d, want 401", st)
		}
	})
	t.Run("ErrRevoked", func(t *testing.T) {
		keys, _ := ts.APIKeys.FindAPIKeys(context.Background(), partner.ID)
		admin.do("POST", "/admin/keys/"+itoa(keys[0].ID)+"/revoke", url.Values{})
		st, _, body := api.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+key)
		if st != http.StatusUnauthorized || !strings.Contains(body, `"code": "unauthorized"`) {
			t.Fatalf("status=%d body=%s", st, body)
		}
	})
	t.Run("StoredHashedOnly", func(t *testing.T) {
		var n int
		ts.DB.ReadDB().QueryRow(`SELECT count(*) FROM api_keys WHERE hash = $1`, []byte(key)).Scan(&n)
		if n != 0 {
			t.Fatal("the key is stored in clear")
		}
	})
}

func TestSecurity(t *testing.T) {
	ts := mustServer(t)
	ts.mustUser(t, "root", vigie.RoleAdmin, "correct horse battery")
	t.Run("Headers", func(t *testing.T) {
		for _, path := range []string{"/login", "/healthz", "/nope", "/api/v1/openapi.json", "/static/vigie.css"} {
			_, h, _ := ts.browser(t).do("GET", path, nil)
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Fatalf("%s: CSP %q", path, csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
				t.Fatalf("%s: headers %v", path, h)
			}
		}
	})
	t.Run("ErrCrossOrigin", func(t *testing.T) {
		st, _, body := ts.browser(t).do("POST", "/login", url.Values{"username": {"root"}, "password": {"correct horse battery"}},
			"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		if st != http.StatusForbidden || !strings.Contains(body, "another site") {
			t.Fatalf("status=%d:\n%s", st, body)
		}
	})
	t.Run("NoInlineScriptOrStyle", func(t *testing.T) {
		b := ts.browser(t)
		b.login("root", "correct horse battery")
		for _, path := range []string{"/login", "/", "/admin/users", "/admin/keys", "/admin/audit", "/account"} {
			_, _, body := b.do("GET", path, nil)
			if strings.Contains(body, "<script>") || strings.Contains(body, "style=") || strings.Contains(body, "<style") {
				t.Fatalf("%s has inline script or style", path)
			}
			if strings.Contains(body, "[") && regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`).MatchString(body) {
				t.Fatalf("%s shows an untranslated key: %s", path, regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`).FindString(body))
			}
		}
	})
	t.Run("MetricsLoopbackOnly", func(t *testing.T) {
		st, _, body := ts.browser(t).do("GET", "/metrics", nil)
		if st != http.StatusOK || !strings.Contains(body, "vigie_http_requests_total") {
			t.Fatalf("loopback /metrics: status=%d", st)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = "203.0.113.7:5555"
		ts.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("remote /metrics: status=%d, want 403", rec.Code)
		}
	})
}

func TestLanguage(t *testing.T) {
	ts := mustServer(t)
	b := ts.browser(t)
	for _, tc := range []struct{ accept, want string }{
		{"fr-FR,fr;q=0.9", "Connexion"},
		{"en-GB,en;q=0.8", "Sign in"},
		{"de-DE", "Connexion"},
		{"", "Connexion"},
	} {
		b.lang = tc.accept
		if _, _, body := b.do("GET", "/login", nil); !strings.Contains(body, "<h1>"+tc.want+"</h1>") {
			t.Fatalf("Accept-Language %q: want %q", tc.accept, tc.want)
		}
	}
	t.Run("CookieOverrides", func(t *testing.T) {
		b.lang = "fr"
		if st, h, _ := b.do("POST", "/lang", url.Values{"lang": {"en"}, "back": {"/login"}}); st != http.StatusSeeOther || h.Get("Location") != "/login" {
			t.Fatalf("status=%d location=%q", st, h.Get("Location"))
		}
		if _, _, body := b.do("GET", "/login", nil); !strings.Contains(body, "<h1>Sign in</h1>") {
			t.Fatal("cookie did not switch to English")
		}
	})
	t.Run("ErrOpenRedirect", func(t *testing.T) {
		_, h, _ := b.do("POST", "/lang", url.Values{"lang": {"en"}, "back": {"//evil.example/"}})
		if h.Get("Location") != "/" {
			t.Fatalf("location=%q, want /", h.Get("Location"))
		}
	})
}

// TestCatalog checks that every message key a template names literally
// exists in both languages.
func TestCatalog(t *testing.T) {
	en, fr := loadLang(t, "en"), loadLang(t, "fr")
	files, _ := os.ReadDir("templates")
	re := regexp.MustCompile(`\.T "([a-z_.]+)"`)
	for _, f := range files {
		raw, _ := os.ReadFile("templates/" + f.Name())
		for _, m := range re.FindAllStringSubmatch(string(raw), -1) {
			if _, ok := en[m[1]]; !ok {
				t.Errorf("%s: key %q missing in en.json", f.Name(), m[1])
			}
			if _, ok := fr[m[1]]; !ok {
				t.Errorf("%s: key %q missing in fr.json", f.Name(), m[1])
			}
		}
	}
	for k := range en {
		if _, ok := fr[k]; !ok {
			t.Errorf("key %q in en.json, not in fr.json", k)
		}
	}
	for k := range fr {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q in fr.json, not in en.json", k)
		}
	}
}

// TestOpenAPI fails when a registered /api/v1 route is missing from the
// OpenAPI document, or the document lists a route that does not exist.
func TestOpenAPI(t *testing.T) {
	ts := mustServer(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	st, _, body := ts.browser(t).do("GET", "/api/v1/openapi.json", nil)
	if st != http.StatusOK {
		t.Fatalf("status=%d", st)
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi=%q, want 3.1.x", doc.OpenAPI)
	}
	registered := map[string]bool{}
	for _, r := range ts.APIRoutes() {
		method, path, _ := strings.Cut(r, " ")
		path = strings.TrimPrefix(path, "/api/v1")
		registered[strings.ToLower(method)+" "+path] = true
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	httpMethods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}
	for path, ops := range doc.Paths {
		for method := range ops {
			if httpMethods[method] && !registered[method+" "+path] {
				t.Errorf("openapi.json lists %s %s, which is not a registered route", method, path)
			}
		}
	}
	if len(registered) < 2 {
		t.Fatalf("only %d API routes found; the route table is not being read", len(registered))
	}
}

// loadLang merges locales/LANG.json and every locales/PART.LANG.json.
func loadLang(t *testing.T, lang string) map[string]string {
	names, _ := filepath.Glob("locales/*" + lang + ".json")
	all := map[string]string{}
	for _, n := range names {
		for k, v := range loadJSON(t, n) {
			all[k] = v
		}
	}
	if len(all) == 0 {
		t.Fatalf("no messages for %s", lang)
	}
	return all
}

func loadJSON(t *testing.T, name string) map[string]string {
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
