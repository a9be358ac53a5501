package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/index"
	"github.com/vigie-hotline/vigie/internal/mailtest"
	"golang.org/x/image/draw"
)

// sentRequest is one request the browser made, with its body.
type sentRequest struct {
	Method, URL string
	Body        []byte
	Omitted     bool // the browser said there was a body but did not give it
}

// requestLog records every request a tab makes, from the DevTools
// network events.
type requestLog struct {
	mu   sync.Mutex
	reqs []sentRequest
}

func (l *requestLog) listen(ev any) {
	e, ok := ev.(*network.EventRequestWillBeSent)
	if !ok || e.Request == nil {
		return
	}
	r := sentRequest{Method: e.Request.Method, URL: e.Request.URL}
	for _, p := range e.Request.PostDataEntries {
		r.Body = append(r.Body, p.Bytes...)
	}
	r.Omitted = e.Request.HasPostData && len(r.Body) == 0
	l.mu.Lock()
	l.reqs = append(l.reqs, r)
	l.mu.Unlock()
}

func (l *requestLog) all() []sentRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]sentRequest(nil), l.reqs...)
}

// familySite serves a forum page showing one JPEG, as a reported site
// would.
func familySite(t *testing.T, images map[string][]byte) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/page/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><title>forum</title><p>post</p><img src="/img/%s.jpg">`, r.PathValue("name"))
	})
	mux.HandleFunc("/img/{file}", func(w http.ResponseWriter, r *http.Request) {
		data, ok := images[strings.TrimSuffix(r.PathValue("file"), ".jpg")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(data)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// reencoded returns the photo at path resized to 80% and re-encoded as a
// JPEG of quality 60, as a site that re-posts it would serve it.
func reencoded(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()*4/5, b.Dy()*4/5))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 60}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// familyMail waits until n messages reached the family's address and
// returns the newest in full.
func familyMail(t *testing.T, mp *mailtest.Mailpit, to string, n int) mailtest.Message {
	t.Helper()
	var msgs []mailtest.Message
	eventually(t, fmt.Sprintf("%d e-mail(s) to the family", n), func() bool {
		msgs = msgsTo(t, mp, to)
		return len(msgs) >= n
	})
	return mp.Message(t, msgs[0].ID)
}

func msgsTo(t *testing.T, mp *mailtest.Mailpit, to string) []mailtest.Message {
	var out []mailtest.Message
	for _, m := range mp.Messages(t) {
		if len(m.To) > 0 && m.To[0].Address == to {
			out = append(out, m)
		}
	}
	return out
}

// registerInBrowser picks photos on /guardian, waits for the WebAssembly
// fingerprints, sends them with the address and returns what the page
// put in the form.
func registerInBrowser(t *testing.T, ctx context.Context, base, email string, photos []string) string {
	t.Helper()
	if st := open(t, ctx, base+"/guardian"); st != 200 {
		t.Fatalf("GET /guardian: status %d", st)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("photos"), photos)); err != nil {
		t.Fatal(err)
	}
	js := fmt.Sprintf(`(() => { try { return JSON.parse(document.getElementById("hashes").value).hashes.length === %d } catch (e) { return false } })()`, len(photos))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("the page did not fingerprint %d photos: %v (results: %q)", len(photos), err, text(t, ctx, "results"))
	}
	hashes := eval[string](t, ctx, `document.getElementById("hashes").value`)
	fill(t, ctx, "email", email)
	if st := submit(t, ctx, "register"); st != 200 {
		t.Fatalf("register: status %d, error %q", st, text(t, ctx, "error"))
	}
	if !exists(t, ctx, "#sent") {
		t.Fatal("no confirmation that the link was sent")
	}
	return hashes
}

// TestBrowser_Guardian follows a family from registration to the news that
// a photo was found, and to withdrawal: the photos are fingerprinted in the
// browser and never sent; the link arrives by e-mail; a re-encoded copy of
// a photo in a reported page tops the queue; the family is written to only
// once an analyst confirms; withdrawal erases the hashes from the database
// and the index, and a later copy raises nothing.
func TestBrowser_Guardian(t *testing.T) {
	browser := mustBrowser(t)
	mp := mailtest.Start(t)
	data := t.TempDir()
	if code, _, errs := run(t, "correct horse battery staple\n", "--data", data, "user", "add", "ana", "--role", "analyst", "--password-stdin"); code != 0 {
		t.Fatal(errs)
	}
	m, _ := MustRunServeWith(t, []string{"--data", data}, "--fetch-allow-loopback", "--report-burst", "0",
		"--smtp", mp.URL(), "--mail-from", "Vigie <guardian@hotline.example>")
	base := m.Server.URL()
	dir := t.TempDir()
	photos := []string{writeFamilyPhoto(t, dir, 21), writeFamilyPhoto(t, dir, 22), writeFamilyPhoto(t, dir, 23)}
	const email = "parent@family.example"

	log := &requestLog{}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithListener(log.listen))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	open(t, ctx, base+"/guardian") // Accept-Language says English; the tests read English messages
	sent := registerInBrowser(t, ctx, base, email, photos)

	t.Run("OnlyHashesLeaveTheBrowser", func(t *testing.T) {
		checkOnlyHashesSent(t, log.all(), photos, sent)
	})
	var caseNumber, pin string
	t.Run("VerificationLinkGivesCaseAndPIN", func(t *testing.T) {
		msg := familyMail(t, mp, email, 1)
		link := regexp.MustCompile(`/guardian/verify\?token=[A-Za-z0-9_%-]+`).FindString(msg.Text)
		if link == "" {
			t.Fatalf("no link in the message:\n%s", msg.Text)
		}
		// The link names --public-url; this server listens on a free port.
		open(t, ctx, base+link)
		if st := submit(t, ctx, "activate"); st != 200 {
			t.Fatalf("activate: status %d, error %q", st, text(t, ctx, "error"))
		}
		caseNumber, pin = text(t, ctx, "case-number"), text(t, ctx, "case-pin")
		if !regexp.MustCompile(`^FA-[0-9A-Z]{8}$`).MatchString(caseNumber) || !regexp.MustCompile(`^\d{4} \d{4}$`).MatchString(pin) {
			t.Fatalf("case %q, PIN %q", caseNumber, pin)
		}
		open(t, ctx, base+link)
		if !exists(t, ctx, "#error") {
			t.Fatal("the link works twice")
		}
	})
	if caseNumber == "" {
		t.FailNow()
	}

	mt := m.Server.Matcher.(*index.Matcher)
	eventually(t, "the index to load the family's six entries", func() bool { return mt.Len() == 6 })
	site := familySite(t, map[string][]byte{"fam": reencoded(t, photos[1]), "other": reencoded(t, writeFamilyPhoto(t, dir, 31))})
	ana := signIn(t, base, "ana", "correct horse battery staple")
	t.Run("FoundPhotoTopsTheQueueAndFamilyIsToldAfterConfirmation", func(t *testing.T) {
		apiReport(t, base, site.URL+"/page/other")
		apiReport(t, base, site.URL+"/page/fam")
		first := waitQueue(t, ana, 2)
		it := itemOf(t, m, first)
		if !it.Family || it.Priority != vigie.PriorityFamily || !strings.HasSuffix(it.URL, "/img/fam.jpg") {
			t.Fatalf("first in the queue: %+v, want the family photo at top priority", it)
		}
		time.Sleep(2 * time.Second) // a job that wrongly wrote would have by now
		if got := len(msgsTo(t, mp, email)); got != 1 {
			t.Fatalf("%d messages to the family before any confirmation, want 1 (the link)", got)
		}
		st, body := ana.post(fmt.Sprintf("/items/%d/family-confirm", it.ID), url.Values{})
		if st != 200 || !strings.Contains(body, "The family will be told") {
			t.Fatalf("confirm: %d", st)
		}
		msg := familyMail(t, mp, email, 2)
		for _, want := range []string{caseNumber, "3018", "Point de Contact"} {
			if !strings.Contains(msg.Text, want) {
				t.Errorf("the family's message lacks %q", want)
			}
		}
		if strings.Contains(msg.Text, "://") || strings.Contains(msg.Text, site.URL) || msg.HTML != "" {
			t.Errorf("the family's message carries an address or HTML:\n%s", msg.Text)
		}
	})
	t.Run("StatusShowsCountsOnly", func(t *testing.T) {
		open(t, ctx, base+"/guardian/status")
		fill(t, ctx, "case", caseNumber, "pin", pin)
		if st := submit(t, ctx, "check-status"); st != 200 {
			t.Fatalf("status: %d", st)
		}
		if got := text(t, ctx, "photos-registered"); !strings.Contains(got, "3") {
			t.Fatalf("registered: %q", got)
		}
		if got := text(t, ctx, "found"); !strings.Contains(got, "1") || !strings.Contains(got, "analyst") {
			t.Fatalf("found: %q", got)
		}
	})
	t.Run("WithdrawErasesEverything", func(t *testing.T) {
		before := mt.Len()
		fill(t, ctx, "withdraw-pin", pin)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("withdraw-confirm"))); err != nil {
			t.Fatal(err)
		}
		if st := submit(t, ctx, "withdraw"); st != 200 || !exists(t, ctx, "#withdrawn") {
			t.Fatalf("withdraw: %d", st)
		}
		if n := countValues(t, m, sent); n != 0 {
			t.Fatalf("%d withdrawn hashes are still in the database", n)
		}
		eventually(t, "the index to drop the six entries", func() bool { return mt.Len() == before-6 })
		again := apiReport(t, base, site.URL+"/page/fam?again=1")
		eventually(t, "the copy to be queued", func() bool { return reportState(t, base, again) == "in_progress" && len(queueItems(t, ana)) == 3 })
		for _, id := range queueItems(t, ana) {
			if it := itemOf(t, m, id); strings.Contains(it.URL, "again") || it.CaseID > 2 {
				if it.Family || it.Priority != vigie.PriorityNormal || it.Matches != "[]" {
					t.Fatalf("the copy reported after withdrawal: %+v, want no match", it)
				}
			}
		}
		time.Sleep(time.Second)
		if got := len(msgsTo(t, mp, email)); got != 2 {
			t.Fatalf("%d messages to the family, want 2", got)
		}
	})
}

// checkOnlyHashesSent asserts that no request body holds any part of the
// photos, and that the registration sent exactly the native fingerprints.
func checkOnlyHashesSent(t *testing.T, reqs []sentRequest, photos []string, sent string) {
	t.Helper()
	var registration *sentRequest
	for i, r := range reqs {
		if r.Omitted {
			t.Fatalf("%s %s: the browser kept the body from the log", r.Method, r.URL)
		}
		for _, p := range photos {
			raw, _ := os.ReadFile(p)
			if len(r.Body) > 0 && (bytes.Contains(r.Body, raw[len(raw)/2:len(raw)/2+64]) || bytes.Contains(r.Body, raw[:64])) {
				t.Fatalf("%s %s carries bytes of %s", r.Method, r.URL, p)
			}
		}
		if r.Method == "POST" && strings.HasSuffix(r.URL, "/guardian/register") {
			registration = &reqs[i]
		}
	}
	if registration == nil {
		t.Fatal("no registration request seen")
	}
	form, err := url.ParseQuery(string(registration.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(sortedKeys(form), ","), "email,hashes"; got != want {
		t.Fatalf("form fields %s, want %s", got, want)
	}
	if got, want := form.Get("hashes"), sent; got != want {
		t.Fatalf("hashes sent %s, want what the page computed %s", got, want)
	}
	for _, p := range photos {
		res, err := (&fingerprint.Hasher{}).File(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(sent, res.PDQ.String()) || !strings.Contains(sent, res.MD5) {
			t.Fatalf("the page's fingerprints of %s differ from the native ones (%s)", p, res.PDQ)
		}
	}
}

func sortedKeys(v url.Values) []string {
	var ks []string
	for k := range v {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}

// queueItems returns the ids of the queued items, in queue order.
func queueItems(t *testing.T, s *staff) []int64 {
	_, body := s.get("/queue")
	var ids []int64
	for _, m := range regexp.MustCompile(`id="item-(\d+)"`).FindAllStringSubmatch(body, -1) {
		var id int64
		fmt.Sscan(m[1], &id)
		ids = append(ids, id)
	}
	return ids
}

// waitQueue waits for n items in the queue and returns the first.
func waitQueue(t *testing.T, s *staff, n int) int64 {
	t.Helper()
	var ids []int64
	eventually(t, fmt.Sprintf("%d items in the queue", n), func() bool {
		ids = queueItems(t, s)
		return len(ids) >= n
	})
	return ids[0]
}

func itemOf(t *testing.T, m *Main, id int64) *vigie.Item {
	t.Helper()
	it, err := m.Server.Reports.FindItem(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// countValues counts the bank entries, of any bank and status, that hold
// one of the hash values in the submission JSON.
func countValues(t *testing.T, m *Main, submission string) int {
	t.Helper()
	values := regexp.MustCompile(`[0-9a-f]{32,64}`).FindAllString(submission, -1)
	if len(values) != 6 {
		t.Fatalf("%d hash values in the submission, want 6", len(values))
	}
	n := 0
	for _, v := range values {
		var k int
		if err := m.DB.ReadDB().QueryRow(`SELECT count(*) FROM bank_entries WHERE value = $1`, v).Scan(&k); err != nil {
			t.Fatal(err)
		}
		n += k
	}
	return n
}

// writeFamilyPhoto writes a synthetic "photo" — smooth shapes and shading,
// as camera pictures have, rather than noise — and returns its path.
func writeFamilyPhoto(t *testing.T, dir string, seed uint64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	const w, h = 320, 240
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type disc struct {
		x, y, r float64
		c       color.RGBA
	}
	var discs []disc
	for range 16 {
		discs = append(discs, disc{rng.Float64() * w, rng.Float64() * h, 10 + rng.Float64()*40,
			color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}})
	}
	fx, fy := 3+rng.Float64()*6, 3+rng.Float64()*6
	for y := range h {
		for x := range w {
			v := 128 + 100*math.Sin(float64(x)/w*fx*math.Pi)*math.Cos(float64(y)/h*fy*math.Pi)
			c := color.RGBA{uint8(v), uint8(255 - v), uint8(v / 2), 255}
			for _, d := range discs {
				if math.Hypot(float64(x)-d.x, float64(y)-d.y) < d.r {
					c = d.c
				}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	p := filepath.Join(dir, fmt.Sprintf("photo-%d.png", seed))
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
