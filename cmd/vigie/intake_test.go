package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// testSite serves pages that link synthetic images, as a reported site
// would, on loopback.
func testSite(t *testing.T, images map[string][]byte) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for name, data := range images {
		mux.HandleFunc("/img/"+name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write(data)
		})
	}
	mux.HandleFunc("/page/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/page/")
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><title>forum</title><p>post</p><img src="/img/%s.png">`, name)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func pngBytes(t *testing.T, seed uint64) []byte {
	data, err := os.ReadFile(writePNG(t, t.TempDir(), seed))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// staff is a signed-in analyst's HTTP client.
type staff struct {
	t    *testing.T
	base string
	c    *http.Client
}

func signIn(t *testing.T, base, user, password string) *staff {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &staff{t: t, base: base, c: &http.Client{Jar: jar}}
	s.post("/lang", url.Values{"lang": {"en"}}) // the tests read English messages
	if st, body := s.post("/login", url.Values{"username": {user}, "password": {password}}); st != 200 || !strings.Contains(body, `id="home-`) {
		t.Fatalf("sign-in of %s: status %d", user, st)
	}
	return s
}

func (s *staff) get(path string) (int, string) {
	s.t.Helper()
	resp, err := s.c.Get(s.base + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (s *staff) post(path string, form url.Values) (int, string) {
	s.t.Helper()
	resp, err := s.c.PostForm(s.base+path, form)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type reportReply struct {
	Code string `json:"code"`
	PIN  string `json:"pin"`
}

func apiReport(t *testing.T, base string, urls ...string) reportReply {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"urls": urls, "category": "csam"})
	resp, err := http.Post(base+"/api/v1/reports", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r reportReply
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 || json.Unmarshal(raw, &r) != nil {
		t.Fatalf("report: %d %s", resp.StatusCode, raw)
	}
	return r
}

func reportState(t *testing.T, base string, r reportReply) string {
	req, _ := http.NewRequest("GET", base+"/api/v1/reports/"+r.Code, nil)
	req.Header.Set("X-Report-PIN", r.PIN)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct{ State string }
	json.NewDecoder(resp.Body).Decode(&st)
	return st.State
}

// TestIntakeToBank follows a report from the API to the bank: fetched from
// a local site, queued, assessed illegal by one analyst, confirmed by
// another; then the same image at another address is classified without
// reaching the queue, and the reporters see that action was taken.
func TestIntakeToBank(t *testing.T) {
	data := t.TempDir()
	for _, u := range []string{"ana", "bob"} {
		if code, _, errs := run(t, "correct horse battery staple\n", "--data", data, "user", "add", u, "--role", "analyst", "--password-stdin"); code != 0 {
			t.Fatal(errs)
		}
	}
	m, _ := MustRunServeWith(t, []string{"--data", data}, "--fetch-allow-loopback", "--report-burst", "0")
	base := m.Server.URL()
	site := testSite(t, map[string][]byte{"a.png": pngBytes(t, 11), "b.png": pngBytes(t, 12)})

	first := apiReport(t, base, site.URL+"/page/a")
	ana := signIn(t, base, "ana", "correct horse battery staple")
	var itemID string
	eventually(t, "the item to reach the queue", func() bool {
		_, body := ana.get("/queue")
		if m := regexp.MustCompile(`id="item-(\d+)"`).FindStringSubmatch(body); m != nil {
			itemID = m[1]
			return true
		}
		return false
	})
	if got := reportState(t, base, first); got != "in_progress" {
		t.Fatalf("report state %q, want in_progress", got)
	}

	t.Run("PreviewIsBlurredGreyAndAudited", func(t *testing.T) {
		st, body := ana.get("/items/" + itemID)
		if st != 200 || !strings.Contains(body, `id="preview"`) || strings.Contains(body, `id="original"`) {
			t.Fatalf("item page: %d", st)
		}
		if st, _ := ana.get("/items/" + itemID + "/original"); st != http.StatusForbidden {
			t.Fatalf("original before reveal: status %d, want 403", st)
		}
		if st, png := ana.get("/items/" + itemID + "/preview.png"); st != 200 || !strings.HasPrefix(png, "\x89PNG") {
			t.Fatalf("preview: %d", st)
		}
		ana.post("/items/"+itemID+"/reveal", url.Values{})
		if st, _ := ana.get("/items/" + itemID + "/original"); st != 200 {
			t.Fatalf("original after reveal: status %d", st)
		}
		_, out, _ := run(t, "", "--data", data, "audit", "list", "--action", "content.reveal")
		if !strings.Contains(out, "item:"+itemID) || !strings.Contains(out, "(ana)") {
			t.Fatalf("no reveal in the audit log:\n%s", out)
		}
	})
	t.Run("FourEyes", func(t *testing.T) {
		st, body := ana.post("/items/"+itemID+"/assess", url.Values{"classification": {"baseline"}, "age_group": {"prepubescent"}, "content_type": {"image"}})
		if st != 200 || !strings.Contains(body, "waits for a second opinion") {
			t.Fatalf("assess: %d\n%s", st, body)
		}
		if _, body := ana.get("/items/" + itemID); strings.Contains(body, `id="confirm-yes"`) {
			t.Fatal("the author is offered to confirm their own assessment")
		}
		bob := signIn(t, base, "bob", "correct horse battery staple")
		_, page := bob.get("/items/" + itemID)
		aid := regexp.MustCompile(`name="assessment" value="(\d+)"`).FindStringSubmatch(page)
		if aid == nil {
			t.Fatalf("no confirmation offered to bob")
		}
		if st, body := bob.post("/items/"+itemID+"/confirm", url.Values{"assessment": {aid[1]}, "agree": {"yes"}}); st != 200 || !strings.Contains(body, "now in the hotline") {
			t.Fatalf("confirm: %d", st)
		}
		_, out, _ := run(t, "", "--data", data, "bank", "show", "hotline-confirmed")
		if !regexp.MustCompile(`pdq\s+active\s+1`).MatchString(out) {
			t.Fatalf("the hash is not in the bank:\n%s", out)
		}
		eventually(t, "the first report to show action taken", func() bool { return reportState(t, base, first) == "action_taken" })
	})
	t.Run("SameImageElsewhereIsNeverQueued", func(t *testing.T) {
		second := apiReport(t, base, site.URL+"/page/a?copy=1")
		eventually(t, "the copy to be classified", func() bool { return reportState(t, base, second) == "action_taken" })
		if _, body := ana.get("/queue"); !strings.Contains(body, `id="queue-empty"`) {
			t.Fatalf("the queue is not empty:\n%s", body)
		}
	})
	t.Run("Unreachable", func(t *testing.T) {
		r := apiReport(t, base, site.URL+"/nothing-here")
		eventually(t, "the 404 to close the case", func() bool { return reportState(t, base, r) == "unreachable" })
	})
	t.Run("AuditVerifies", func(t *testing.T) {
		// Fetches, assessments and the bank wrote entries through prepared
		// and unprepared statements in turn: the chain must hold.
		if code, out, errs := run(t, "", "--data", data, "audit", "verify"); code != 0 {
			t.Fatalf("audit verify: exit %d\n%s%s", code, out, errs)
		}
	})
}
