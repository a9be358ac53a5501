package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/web"
)

// syntheticPNG draws a deterministic pattern of soft blocks and noise, busy
// enough for a PDQ quality well above 50. Different seeds give unrelated
// images.
func syntheticPNG(t *testing.T, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed*7+1))
	img := image.NewRGBA(image.Rect(0, 0, 256, 192))
	var blocks [8][6]color.RGBA
	for i := range blocks {
		for j := range blocks[i] {
			blocks[i][j] = color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
		}
	}
	for y := range 192 {
		for x := range 256 {
			c := blocks[x/32][y/32]
			n := uint8(rng.IntN(16))
			img.Set(x, y, color.RGBA{c.R/2 + n, c.G/2 + n, c.B/2 + n, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fingerprintOf(t *testing.T, data []byte) *vigie.Fingerprints {
	t.Helper()
	fp, err := fingerprint.NewService(fingerprint.Options{}).Fingerprint(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if fp.Quality < vigie.MinPDQQuality {
		t.Fatalf("synthetic image quality %d is too low for the test", fp.Quality)
	}
	return fp
}

// bankFixture is a server with a known bank, a family bank, a partner key
// that may look up and one that may also write.
type bankFixture struct {
	ts                  *testServer
	known, family       *vigie.Bank
	knownImg, familyImg []byte
	knownFP, familyFP   *vigie.Fingerprints
	knownEntry          *vigie.BankEntry
	lookupKey, writeKey string
}

func mustBankFixture(t *testing.T) *bankFixture {
	t.Helper()
	f := &bankFixture{ts: mustServer(t)}
	ctx := vigie.NewContextWithActor(context.Background(), "test")
	f.known = &vigie.Bank{Name: "ncmec", Kind: vigie.BankKnown, Threshold: 31, Enabled: true, Source: "NCMEC"}
	f.family = &vigie.Bank{Name: "families", Kind: vigie.BankFamily, Threshold: 31, Enabled: true}
	for _, b := range []*vigie.Bank{f.known, f.family} {
		if err := f.ts.Banks.CreateBank(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	f.knownImg, f.familyImg = syntheticPNG(t, 1), syntheticPNG(t, 2)
	f.knownFP, f.familyFP = fingerprintOf(t, f.knownImg), fingerprintOf(t, f.familyImg)
	f.knownEntry = &vigie.BankEntry{Signal: vigie.SignalPDQ, Value: f.knownFP.PDQ, Metadata: map[string]any{"category": "A1"}}
	add := func(b *vigie.Bank, es ...*vigie.BankEntry) {
		if _, _, err := f.ts.Banks.AddEntries(ctx, b.ID, es); err != nil {
			t.Fatal(err)
		}
	}
	add(f.known, f.knownEntry, &vigie.BankEntry{Signal: vigie.SignalMD5, Value: f.knownFP.MD5})
	add(f.family, &vigie.BankEntry{Signal: vigie.SignalPDQ, Value: f.familyFP.PDQ},
		&vigie.BankEntry{Signal: vigie.SignalMD5, Value: f.familyFP.MD5})
	partner := f.ts.mustUser(t, "platform", vigie.RolePartner, "")
	f.lookupKey = f.mustKey(t, partner, vigie.ScopeLookup)
	f.writeKey = f.mustKey(t, partner, vigie.ScopeLookup, vigie.ScopeWrite)
	return f
}

func (f *bankFixture) mustKey(t *testing.T, u *vigie.User, scopes ...string) string {
	key, prefix, hash := web.GenerateAPIKey()
	k := &vigie.APIKey{UserID: u.ID, Name: strings.Join(scopes, "+"), Prefix: prefix, Hash: hash, Scopes: scopes}
	if err := f.ts.APIKeys.CreateAPIKey(vigie.NewContextWithActor(context.Background(), "test"), k); err != nil {
		t.Fatal(err)
	}
	return key
}

// call makes an API request with key and returns the status and body.
func (f *bankFixture) call(t *testing.T, key, method, path, contentType string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.ts.HTTP.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func (f *bankFixture) lookupJSON(t *testing.T, signalType, value string) (int, string) {
	return f.call(t, f.lookupKey, "POST", "/api/v1/lookup", "application/json",
		strings.NewReader(fmt.Sprintf(`{"signal_type":%q,"value":%q}`, signalType, value)))
}

func (f *bankFixture) upload(t *testing.T, key, path, field string, data []byte) (int, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(field, "upload.png")
	fw.Write(data)
	mw.Close()
	return f.call(t, key, "POST", path, mw.FormDataContentType(), &buf)
}

// flipBits returns the PDQ hex h with its first n bits inverted.
func flipBits(h string, n int) string {
	b := []byte(h)
	for i := 0; i < n/4; i++ {
		b[i] = "fedcba9876543210"[strings.IndexByte("0123456789abcdef", b[i])]
	}
	return string(b)
}

type lookupResp struct {
	Matches []struct {
		Bank     string         `json:"bank"`
		EntryID  int64          `json:"entry_id"`
		Distance int            `json:"distance"`
		Metadata map[string]any `json:"metadata"`
	} `json:"matches"`
	Fingerprints *struct {
		PDQ string `json:"pdq"`
	} `json:"fingerprints"`
}

func TestAPILookup(t *testing.T) {
	f := mustBankFixture(t)
	parse := func(body string) lookupResp {
		var r lookupResp
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return r
	}
	t.Run("PDQ", func(t *testing.T) {
		st, body := f.lookupJSON(t, "pdq", flipBits(f.knownFP.PDQ, 12))
		r := parse(body)
		if st != 200 || len(r.Matches) != 1 || r.Matches[0].Distance != 12 || r.Matches[0].Metadata["category"] != "A1" {
			t.Fatalf("status=%d body=%s", st, body)
		}
	})
	t.Run("MD5Alias", func(t *testing.T) {
		st, body := f.lookupJSON(t, "video_md5", strings.ToUpper(f.knownFP.MD5))
		if r := parse(body); st != 200 || len(r.Matches) != 1 || r.Matches[0].Bank != "ncmec" {
			t.Fatalf("status=%d body=%s", st, body)
		}
	})
	t.Run("NoMatch", func(t *testing.T) {
		st, body := f.lookupJSON(t, "pdq", flipBits(f.knownFP.PDQ, 64))
		if st != 200 || strings.TrimSpace(body) != `{
  "matches": []
}` {
			t.Fatalf("status=%d body=%s", st, body)
		}
	})
	t.Run("Image", func(t *testing.T) {
		st, body := f.upload(t, f.lookupKey, "/api/v1/lookup", "file", f.knownImg)
		r := parse(body)
		if st != 200 || len(r.Matches) != 2 || r.Fingerprints == nil || r.Fingerprints.PDQ != f.knownFP.PDQ {
			t.Fatalf("status=%d body=%s", st, body)
		}
	})
	t.Run("ErrUnknownSignalType", func(t *testing.T) {
		if st, body := f.lookupJSON(t, "tmk", "00"); st != 400 || !strings.Contains(body, "unknown signal type") {
			t.Fatalf("status=%d body=%s", st, body)
		}
	})
	t.Run("ErrBadHex", func(t *testing.T) {
		if st, body := f.lookupJSON(t, "pdq", strings.Repeat("z", 64)); st != 400 || !strings.Contains(body, "not hexadecimal") {
			t.Fatalf("status=%d body=%s", st, body)
		}
	})
	t.Run("ErrNotJSON", func(t *testing.T) {
		if st, _ := f.call(t, f.lookupKey, "POST", "/api/v1/lookup", "application/json", strings.NewReader("{")); st != 400 {
			t.Fatalf("status=%d", st)
		}
	})
	t.Run("ErrNoKey", func(t *testing.T) {
		if st, _ := f.call(t, "", "POST", "/api/v1/lookup", "application/json", strings.NewReader(`{}`)); st != 401 {
			t.Fatalf("status=%d", st)
		}
	})
}

func TestAPIBanksAndFeed(t *testing.T) {
	f := mustBankFixture(t)
	t.Run("ListHidesFamily", func(t *testing.T) {
		st, body := f.call(t, f.lookupKey, "GET", "/api/v1/banks", "", nil)
		if st != 200 || !strings.Contains(body, `"name": "ncmec"`) || strings.Contains(body, "families") {
			t.Fatalf("status=%d body=%s", st, body)
		}
	})
	t.Run("FeedWithCursor", func(t *testing.T) {
		type page struct {
			Entries []struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			} `json:"entries"`
			Next    string `json:"next_cursor"`
			HasMore bool   `json:"has_more"`
		}
		get := func(cursor string) page {
			st, body := f.call(t, f.lookupKey, "GET", "/api/v1/banks/ncmec/entries?limit=1&cursor="+cursor, "", nil)
			var p page
			if err := json.Unmarshal([]byte(body), &p); st != 200 || err != nil {
				t.Fatalf("status=%d body=%s", st, body)
			}
			return p
		}
		p1 := get("")
		p2 := get(p1.Next)
		if len(p1.Entries) != 1 || len(p2.Entries) != 1 || p1.Entries[0].ID == p2.Entries[0].ID || !p1.HasMore {
			t.Fatalf("pages %+v %+v", p1, p2)
		}
		ctx := vigie.NewContextWithActor(context.Background(), "test")
		if _, err := f.ts.Banks.SetEntryStatus(ctx, f.knownEntry.ID, vigie.EntryDeleted); err != nil {
			t.Fatal(err)
		}
		p3 := get(p2.Next)
		if len(p3.Entries) != 1 || p3.Entries[0].ID != f.knownEntry.ID || p3.Entries[0].Status != "deleted" {
			t.Fatalf("deletion not in feed: %+v", p3)
		}
		if p4 := get(p3.Next); len(p4.Entries) != 0 || p4.Next != p3.Next {
			t.Fatalf("feed past the end: %+v", p4)
		}
	})
	t.Run("ErrBadCursor", func(t *testing.T) {
		if st, _ := f.call(t, f.lookupKey, "GET", "/api/v1/banks/ncmec/entries?cursor=abc", "", nil); st != 400 {
			t.Fatalf("status=%d", st)
		}
	})
}

func TestAPIAddEntries(t *testing.T) {
	f := mustBankFixture(t)
	body := fmt.Sprintf(`{"entries":[{"signal_type":"pdq","value":%q,"metadata":{"tags":["x"]}},{"signal_type":"pdq","value":"abc"},{"signal_type":"tmk","value":"00"},{"signal_type":"md5","value":%q}]}`,
		flipBits(f.knownFP.PDQ, 100), f.knownFP.MD5)
	t.Run("ErrLookupKeyCannotWrite", func(t *testing.T) {
		if st, _ := f.call(t, f.lookupKey, "POST", "/api/v1/banks/ncmec/entries", "application/json", strings.NewReader(body)); st != 403 {
			t.Fatalf("status=%d", st)
		}
	})
	t.Run("OK", func(t *testing.T) {
		st, resp := f.call(t, f.writeKey, "POST", "/api/v1/banks/ncmec/entries", "application/json", strings.NewReader(body))
		var r struct {
			Added, Duplicates int
			Errors            []struct{ Index int }
		}
		json.Unmarshal([]byte(resp), &r)
		if st != 200 || r.Added != 1 || r.Duplicates != 1 || len(r.Errors) != 2 || r.Errors[0].Index != 1 || r.Errors[1].Index != 2 {
			t.Fatalf("status=%d body=%s", st, resp)
		}
		if st, body := f.lookupJSON(t, "pdq", flipBits(f.knownFP.PDQ, 100)); st != 200 || !strings.Contains(body, `"distance": 0`) {
			t.Fatalf("the added entry does not match: %s", body)
		}
	})
	t.Run("AuditedAsTheKey", func(t *testing.T) {
		ctx := context.Background()
		k, _, err := f.ts.APIKeys.FindAPIKeyByHash(ctx, web.HashAPIKey(f.writeKey))
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("apikey:%d (platform)", k.ID)
		es, err := f.ts.Banks.FindEntries(ctx, vigie.EntryFilter{BankID: f.known.ID, Value: flipBits(f.knownFP.PDQ, 100)})
		if err != nil || len(es) != 1 || es[0].AddedBy != want {
			t.Fatalf("entries=%v err=%v, want one added by %q", es, err, want)
		}
		audit, err := f.ts.Audit.FindAuditEntries(ctx, vigie.AuditFilter{Action: "bank.entries_add"})
		if err != nil || len(audit) == 0 || audit[len(audit)-1].Actor != want {
			t.Fatalf("audit=%v err=%v, want the last import by %q", audit, err, want)
		}
	})
	t.Run("ErrFamilyBankInvisible", func(t *testing.T) {
		if st, _ := f.call(t, f.writeKey, "POST", "/api/v1/banks/families/entries", "application/json", strings.NewReader(body)); st != 404 {
			t.Fatalf("status=%d", st)
		}
	})
}

// TestHMARoutes checks the HMA-compatible matcher routes byte for byte
// against the shapes of HMA 2.x (Flask: compact JSON, sorted keys, final
// newline; distances as strings).
func TestHMARoutes(t *testing.T) {
	f := mustBankFixture(t)
	id := f.knownEntry.ID
	for _, tc := range []struct {
		name, path string
		status     int
		want       string
	}{
		{"Match", "/m/lookup?signal_type=pdq&signal=" + flipBits(f.knownFP.PDQ, 8), 200,
			fmt.Sprintf(`{"ncmec":[{"bank_content_id":%d,"distance":"8"}]}`, id)},
		{"NoMatch", "/m/lookup?signal_type=pdq&signal=" + flipBits(f.knownFP.PDQ, 64), 200, `{}`},
		{"BankFilter", "/m/lookup?signal_type=pdq&banks=other&signal=" + f.knownFP.PDQ, 200, `{}`},
		{"ErrUnknownSignalType", "/m/lookup?signal_type=tmk&signal=00", 400, `{"message":"No such SignalType 'tmk'"}`},
		{"ErrMissing", "/m/lookup?signal_type=pdq", 400, `{"message":"Either url or both signal and signal_type are required"}`},
		{"RawLookup", "/m/raw_lookup?signal_type=pdq&signal=" + f.knownFP.PDQ, 200, fmt.Sprintf(`{"matches":[%d]}`, id)},
		{"RawLookupDistance", "/m/raw_lookup?include_distance=true&signal_type=pdq&signal=" + f.knownFP.PDQ, 200,
			fmt.Sprintf(`{"matches":[{"bank_content_id":%d,"distance":"0"}]}`, id)},
		{"RawLookupNone", "/m/raw_lookup?signal_type=pdq&signal=" + flipBits(f.knownFP.PDQ, 64), 200, `{"matches":[]}`},
		{"FamilyNeverMatches", "/m/lookup?signal_type=pdq&signal=" + f.familyFP.PDQ, 200, `{}`},
		{"FamilyNeverMatchesMD5", "/m/lookup?signal_type=video_md5&signal=" + f.familyFP.MD5, 200, `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := f.call(t, f.lookupKey, "GET", tc.path, "", nil)
			if st != tc.status || body != tc.want+"\n" {
				t.Fatalf("status=%d body=%q, want %d %q", st, body, tc.status, tc.want+"\n")
			}
		})
	}
	t.Run("PostPhoto", func(t *testing.T) {
		st, body := f.upload(t, f.lookupKey, "/m/lookup", "photo", f.knownImg)
		want := fmt.Sprintf(`{"pdq":{"ncmec":[{"bank_content_id":%d,"distance":"0"}]}}`+"\n", id)
		if st != 200 || body != want {
			t.Fatalf("status=%d body=%q, want %q", st, body, want)
		}
	})
}

// TestFamilyNeverShared asks every partner route about the family bank's
// photo and hashes and checks that nothing of the family bank comes back.
func TestFamilyNeverShared(t *testing.T) {
	f := mustBankFixture(t)
	secrets := []string{f.familyFP.PDQ, f.familyFP.MD5, "families"}
	check := func(route string, st int, body string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Fatalf("%s leaks %q (status %d): %s", route, s, st, body)
			}
		}
		if strings.Contains(body, `"bank_content_id"`) || strings.Contains(body, `"entry_id"`) {
			t.Fatalf("%s returns a match for family content: %s", route, body)
		}
	}
	for _, sig := range []struct{ t, v string }{{"pdq", f.familyFP.PDQ}, {"md5", f.familyFP.MD5}} {
		st, body := f.lookupJSON(t, sig.t, sig.v)
		check("POST /api/v1/lookup "+sig.t, st, body)
	}
	st, body := f.upload(t, f.lookupKey, "/api/v1/lookup?dihedral=true", "file", f.familyImg)
	if !strings.Contains(body, `"matches": []`) {
		t.Fatalf("image lookup of a family photo: %s", body)
	}
	check("POST /api/v1/lookup image", st, strings.ReplaceAll(strings.ReplaceAll(body, f.familyFP.PDQ, ""), f.familyFP.MD5, ""))
	st, body = f.upload(t, f.lookupKey, "/m/lookup", "photo", f.familyImg)
	check("POST /m/lookup", st, body)
	st, body = f.call(t, f.lookupKey, "GET", "/api/v1/banks/families/entries", "", nil)
	_, none := f.call(t, f.lookupKey, "GET", "/api/v1/banks/nosuchbank/entries", "", nil)
	if st != 404 || strings.ReplaceAll(body, "families", "nosuchbank") != none {
		t.Fatalf("the family bank's feed answers differently from a missing bank: %d %s", st, body)
	}
	for _, path := range []string{"/api/v1/banks", "/m/raw_lookup?signal_type=pdq&signal=" + f.familyFP.PDQ,
		"/m/raw_lookup?include_distance=true&signal_type=video_md5&signal=" + f.familyFP.MD5} {
		st, body := f.call(t, f.lookupKey, "GET", path, "", nil)
		check("GET "+path, st, strings.ReplaceAll(strings.ReplaceAll(body, "signal="+f.familyFP.PDQ, ""), "signal="+f.familyFP.MD5, ""))
	}
}

func TestReviewQuarantine(t *testing.T) {
	f := mustBankFixture(t)
	ctx := vigie.NewContextWithActor(context.Background(), "system:flood-guard")
	if _, err := f.ts.Banks.SetEntryStatus(ctx, f.knownEntry.ID, vigie.EntryQuarantined); err != nil {
		t.Fatal(err)
	}
	f.ts.mustUser(t, "sam", vigie.RoleSupervisor, "correct horse battery")
	f.ts.mustUser(t, "ana", vigie.RoleAnalyst, "correct horse battery")
	t.Run("ErrAnalystForbidden", func(t *testing.T) {
		b := f.ts.browser(t)
		b.login("ana", "correct horse battery")
		if st, _, _ := b.do("GET", "/review/entries", nil); st != http.StatusForbidden {
			t.Fatalf("status=%d, want 403", st)
		}
	})
	t.Run("SupervisorRestores", func(t *testing.T) {
		b := f.ts.browser(t)
		b.login("sam", "correct horse battery")
		st, _, body := b.do("GET", "/review/entries", nil)
		if st != 200 || !strings.Contains(body, fmt.Sprintf(`id="entry-%d"`, f.knownEntry.ID)) {
			t.Fatalf("status=%d, quarantined entry not listed:\n%s", st, body)
		}
		if st, body := f.lookupJSON(t, "pdq", f.knownFP.PDQ); st != 200 || strings.Contains(body, `"bank": "ncmec"`) && strings.Contains(body, `"signal_type": "pdq"`) {
			t.Fatalf("quarantined entry matches: %s", body)
		}
		st, _, body = b.do("POST", fmt.Sprintf("/review/entries/%d/restore", f.knownEntry.ID), nil)
		if st != 200 || !strings.Contains(body, `id="empty"`) {
			t.Fatalf("after restore status=%d:\n%s", st, body)
		}
		if _, body := f.lookupJSON(t, "pdq", f.knownFP.PDQ); !strings.Contains(body, `"signal_type": "pdq"`) {
			t.Fatalf("restored entry does not match: %s", body)
		}
	})
}

// TestKeyUseCountedInMemory runs a real server that counts key use in
// memory and checks that Close writes the counts.
func TestKeyUseCountedInMemory(t *testing.T) {
	f := mustBankFixture(t)
	s := web.NewServer()
	s.Addr, s.KeyCacheTTL, s.KeyUseFlush = "127.0.0.1:0", time.Minute, time.Hour
	s.Users, s.Sessions, s.Throttle, s.APIKeys, s.Audit = f.ts.Users, f.ts.Sessions, f.ts.Throttle, f.ts.APIKeys, f.ts.Audit
	s.Banks, s.Matcher, s.Fingerprinter = f.ts.Banks, f.ts.Matcher, f.ts.Fingerprinter
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		req, _ := http.NewRequest("GET", s.URL()+"/m/lookup?signal_type=pdq&signal="+f.knownFP.PDQ, nil)
		req.Header.Set("Authorization", "Bearer "+f.lookupKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status=%d", resp.StatusCode)
		}
	}
	keys, _ := f.ts.APIKeys.FindAPIKeys(context.Background(), 0)
	var before int64
	for _, k := range keys {
		before += k.Requests
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	keys, _ = f.ts.APIKeys.FindAPIKeys(context.Background(), 0)
	var after int64
	for _, k := range keys {
		after += k.Requests
	}
	if before != 0 || after != 3 {
		t.Fatalf("requests counted before Close=%d, after=%d; want 0 then 3", before, after)
	}
}
