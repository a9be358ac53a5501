package main

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// bombPNG returns a tiny PNG whose header declares width×height pixels of
// RGBA: a few hundred bytes that a naive decoder would expand into
// width×height×4 bytes of memory.
func bombPNG(t *testing.T, width, height uint32) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := binary.BigEndian.AppendUint32(nil, width)
	ihdr = binary.BigEndian.AppendUint32(ihdr, height)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8 bits, RGBA, deflate, no filter, no interlace
	chunk("IHDR", ihdr)
	var idat bytes.Buffer
	z := zlib.NewWriter(&idat)
	z.Write(make([]byte, 64<<10)) // the first rows, all zero
	z.Close()
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

// hostileSite serves what a hostile or broken site would: text that
// claims to be a JPEG, a decompression bomb, and one honest PNG, each
// directly and from a page that links it.
func hostileSite(t *testing.T, good []byte) *httptest.Server {
	t.Helper()
	files := map[string]struct {
		typ  string
		body []byte
	}{
		"fake.jpg": {"image/jpeg", []byte("this is not a picture at all, only text that says it is one")},
		"bomb.png": {"image/png", bombPNG(t, 100000, 100000)},
		"good.png": {"image/png", good},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/img/{name}", func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.typ)
		w.Write(f.body)
	})
	mux.HandleFunc("/page/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><title>forum</title><img src="/img/%s">`, r.PathValue("name"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// postReportForm sends the public form as a browser without JavaScript
// would, asking for English.
func postReportForm(t *testing.T, base string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/report", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func countReports(t *testing.T, m *Main) int {
	t.Helper()
	var n int
	if err := m.DB.ReadDB().QueryRow(`SELECT count(*) FROM reports`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mustBeUp(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("the server is down: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/healthz: status %d", resp.StatusCode)
	}
}

// caseOf returns the id of the case of a reported (already canonical) URL,
// as the staff's case list shows it.
func caseOf(s *staff, u string) string {
	s.t.Helper()
	_, body := s.get("/cases")
	m := regexp.MustCompile(`<a href="/cases/(\d+)">\d+</a></td><td><code>` + regexp.QuoteMeta(html.EscapeString(u)) + `</code>`).FindStringSubmatch(body)
	if m == nil {
		s.t.Fatalf("no case for %s in the list", u)
	}
	return m[1]
}

// TestIntake_BadInput sends what a careless or hostile reporter or site
// sends, and checks that each gets a clear error or a recorded reason, that
// the server stays up, and that no report accepted before is lost.
func TestIntake_BadInput(t *testing.T) {
	const password = "correct horse battery staple"
	data := t.TempDir()
	if code, _, errs := run(t, password+"\n", "--data", data, "user", "add", "ana", "--role", "analyst", "--password-stdin"); code != 0 {
		t.Fatal(errs)
	}
	m, _ := MustRunServeWith(t, []string{"--data", data}, "--fetch-allow-loopback", "--report-burst", "0")
	base := m.Server.URL()
	site := hostileSite(t, pngBytes(t, 31))
	ana := signIn(t, base, "ana", password)

	accepted := []reportReply{apiReport(t, base, site.URL+"/img/good.png")}
	st, body := postReportForm(t, base, url.Values{"urls": {site.URL + "/page/good.png"}, "category": {"csam"}, "seen_where": {"a forum"}})
	code := regexp.MustCompile(`id="tracking-code">(VG-[0-9A-Z]{8})<`).FindStringSubmatch(body)
	pin := regexp.MustCompile(`id="tracking-pin">(\d{4} \d{4})<`).FindStringSubmatch(body)
	if st != 200 || code == nil || pin == nil {
		t.Fatalf("form report: status %d\n%s", st, body)
	}
	accepted = append(accepted, reportReply{Code: code[1], PIN: pin[1]})
	stored := countReports(t, m)

	t.Run("MalformedURLs", func(t *testing.T) {
		long := "http://example.com/" + strings.Repeat("a", 10<<10)
		tests := []struct{ name, url, reason string }{
			{"ErrMisspelledScheme", "htp:/x", "does not start with http:// or https://"},
			{"ErrNoHost", "http://", "no host name"},
			{"ErrNotHTTP", "javascript:alert(1)", "does not start with http:// or https://"},
			{"ErrMalformed", "http://[::1", "malformed"},
			{"ErrTooLong", long, "longer than 8192 bytes"},
		}
		var all []string
		for _, tt := range tests {
			all = append(all, tt.url)
			t.Run(tt.name, func(t *testing.T) {
				st, body := postReportForm(t, base, url.Values{"urls": {"https://example.com/fine\n" + tt.url}, "category": {"csam"}})
				if st != http.StatusBadRequest || !strings.Contains(body, `id="report-form"`) {
					t.Fatalf("status %d, want 400 and the form again", st)
				}
				listed := regexp.MustCompile(`<li><code>` + regexp.QuoteMeta(html.EscapeString(tt.url)) + `</code> — ([^<]*)</li>`).FindStringSubmatch(body)
				if listed == nil || !strings.Contains(listed[1], tt.reason) {
					t.Fatalf("the bad URL is not listed with reason %q", tt.reason)
				}
				if strings.Contains(body, "<li><code>https://example.com/fine</code>") {
					t.Fatal("the good URL is listed as bad")
				}
				if !strings.Contains(body, ">https://example.com/fine\n") {
					t.Fatal("the form lost what the reporter typed")
				}
			})
		}
		t.Run("ErrEveryOneListed", func(t *testing.T) {
			_, body := postReportForm(t, base, url.Values{"urls": {strings.Join(all, "\n")}, "category": {"csam"}})
			if got, want := strings.Count(body, "<li><code>"), len(all); got != want {
				t.Fatalf("%d bad URLs listed, want %d", got, want)
			}
		})
		if got := countReports(t, m); got != stored {
			t.Fatalf("%d reports stored, want %d", got, stored)
		}
	})

	t.Run("ErrTooManyURLs", func(t *testing.T) {
		var urls []string
		for i := range 10000 {
			urls = append(urls, fmt.Sprintf("e.x/%d", i)) // short, so the count is refused, not the size
		}
		st, body := postReportForm(t, base, url.Values{"urls": {strings.Join(urls, "\n")}, "category": {"csam"}})
		if st != http.StatusBadRequest || !strings.Contains(body, "10000 addresses in one report; at most 100 are accepted") {
			t.Fatalf("form: status %d, want 400 naming the limit", st)
		}
		raw, _ := json.Marshal(map[string]any{"urls": urls})
		resp, err := http.Post(base+"/api/v1/reports", "application/json", bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), "at most 100") {
			t.Fatalf("API: status %d %s", resp.StatusCode, msg)
		}
		if got := countReports(t, m); got != stored {
			t.Fatalf("%d reports stored, want %d", got, stored)
		}
	})

	t.Run("ErrBodyTooLarge", func(t *testing.T) {
		const size = 60 << 20
		for _, tt := range []struct{ path, typ, prefix, want string }{
			{"/report", "application/x-www-form-urlencoded", "urls=http://example.com/", "too large"},
			{"/api/v1/reports", "application/json", `{"urls":["http://example.com/`, "larger than"},
		} {
			body := io.MultiReader(strings.NewReader(tt.prefix), io.LimitReader(repeatReader('a'), size-int64(len(tt.prefix))))
			req, _ := http.NewRequest("POST", base+tt.path, body)
			req.ContentLength = size
			req.Header.Set("Content-Type", tt.typ)
			req.Header.Set("Accept-Language", "en")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", tt.path, err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), tt.want) {
				t.Fatalf("%s: status %d, want 413 saying %q\n%.300s", tt.path, resp.StatusCode, tt.want, msg)
			}
			mustBeUp(t, base)
		}
		if got := countReports(t, m); got != stored {
			t.Fatalf("%d reports stored, want %d", got, stored)
		}
	})

	t.Run("NonImageServedAsJPEG", func(t *testing.T) {
		direct := apiReport(t, base, site.URL+"/img/fake.jpg")
		eventually(t, "the fake JPEG to close its case", func() bool { return reportState(t, base, direct) == "unreachable" })
		_, page := ana.get("/cases/" + caseOf(ana, site.URL+"/img/fake.jpg"))
		if m := regexp.MustCompile(`id="case-state">([^<]*)<`).FindStringSubmatch(page); m == nil || !strings.Contains(m[1], "unreachable — not_media: ") {
			t.Fatalf("the case page gives no reason:\n%s", page)
		}

		linked := apiReport(t, base, site.URL+"/page/fake.jpg")
		caseID := ""
		eventually(t, "the linked fake JPEG to be recorded", func() bool {
			if caseID == "" {
				caseID = caseOf(ana, site.URL+"/page/fake.jpg")
			}
			_, page := ana.get("/cases/" + caseID)
			return strings.Contains(page, "could not be processed: ")
		})
		_, page = ana.get("/cases/" + caseID)
		if !regexp.MustCompile(`could not be processed: [a-z_]+: \S`).MatchString(page) {
			t.Fatalf("the failed item has no reason on the case page:\n%s", page)
		}
		if st := reportState(t, base, linked); st == "" {
			t.Fatal("the report of the page does not resolve")
		}
		mustBeUp(t, base)
	})

	t.Run("DecompressionBomb", func(t *testing.T) {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		r := apiReport(t, base, site.URL+"/img/bomb.png")
		caseID := ""
		var page string
		eventually(t, "the bomb to be recorded", func() bool {
			if caseID == "" {
				caseID = caseOf(ana, site.URL+"/img/bomb.png")
			}
			_, page = ana.get("/cases/" + caseID)
			return strings.Contains(page, "could not be processed: ") || strings.Contains(page, "unreachable —")
		})
		if !strings.Contains(page, "100000×100000") {
			t.Fatalf("the case page does not say why:\n%s", page)
		}
		id := regexp.MustCompile(`href="/items/(\d+)"`).FindStringSubmatch(page)
		if id == nil {
			t.Fatalf("the bomb was not kept as an item:\n%s", page)
		}
		if st, _ := ana.get("/items/" + id[1]); st != 200 {
			t.Fatalf("item page: status %d", st)
		}
		if st, body := ana.get("/items/" + id[1] + "/preview.png"); st == 200 || !strings.Contains(body, "100000×100000") {
			t.Fatalf("preview of the bomb: status %d, want an error that says why", st)
		}
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if grown := int64(after.Sys) - int64(before.Sys); grown > 512<<20 {
			t.Fatalf("memory grew by %d MiB", grown>>20)
		}
		if st := reportState(t, base, r); st == "" {
			t.Fatal("the bomb's report does not resolve")
		}
		mustBeUp(t, base)
	})

	t.Run("NothingAcceptedIsLost", func(t *testing.T) {
		for _, r := range accepted {
			if st := reportState(t, base, r); st == "" {
				t.Fatalf("report %s no longer resolves by code and PIN", r.Code)
			}
			st, body := ana.post("/report/status", url.Values{"code": {r.Code}, "pin": {r.PIN}})
			if st != 200 || !strings.Contains(body, `id="report-state"`) {
				t.Fatalf("status page of %s: %d", r.Code, st)
			}
		}
	})
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}
