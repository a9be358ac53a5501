package jobs_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/fetch"
	"github.com/vigie-hotline/vigie/internal/dbtest"
	"github.com/vigie-hotline/vigie/internal/mailtest"
	"github.com/vigie-hotline/vigie/jobs"
	"github.com/vigie-hotline/vigie/mail"
	"github.com/vigie-hotline/vigie/sqldb"
)

// queue records the jobs services enqueue, so the test can run them one
// by one with a fake clock. River itself is tested in jobs_test.go.
type queue struct {
	mu   sync.Mutex
	jobs []vigie.Job
}

func (q *queue) EnqueueTx(_ context.Context, _ *sql.Tx, jobs ...vigie.Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, jobs...)
	return nil
}

// takeKind takes the queued jobs of one kind, dropping the others.
func takeKind[T vigie.Job](q *queue) []T {
	var out []T
	for _, j := range q.take() {
		if a, ok := j.(T); ok {
			out = append(out, a)
		}
	}
	return out
}

func (q *queue) take() []vigie.Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.jobs
	q.jobs = nil
	return out
}

// staticTracer answers with fixed traces by host name: tracing itself (DNS,
// IP databases) is tested in package hosting.
type staticTracer map[string]*vigie.HostingTrace

func (s staticTracer) Trace(_ context.Context, raw string) (*vigie.HostingTrace, error) {
	u, _ := url.Parse(raw)
	t, ok := s[u.Hostname()]
	if !ok {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "no address")
	}
	cp := *t
	cp.URL, cp.TracedAt = raw, time.Now()
	return &cp, nil
}

func job[T river.JobArgs](args T, attempt, max int) *river.Job[T] {
	return &river.Job[T]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: max}, Args: args}
}

type takedownFixture struct {
	ctx       context.Context
	q         *queue
	reports   *sqldb.ReportService
	takedowns *sqldb.TakedownService
	td        *jobs.Takedown
	mp        *mailtest.Mailpit
	now       time.Time
}

func newTakedownFixture(t *testing.T, dsn string) *takedownFixture {
	db := dbtest.MustOpenDB(t, dsn)
	f := &takedownFixture{ctx: vigie.NewContextWithActor(context.Background(), "test"), q: &queue{}, mp: mailtest.Start(t)}
	f.reports = sqldb.NewReportService(db, f.q)
	f.takedowns = sqldb.NewTakedownService(db, f.q)
	tpl, err := mail.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	fe := fetch.NewFetcher()
	fe.AllowLoopback = true
	f.now = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	f.td = jobs.NewTakedown()
	f.td.Reports, f.td.Takedowns, f.td.Crawler = f.reports, f.takedowns, fetch.NewCrawler(fe)
	f.td.Composer = &mail.Notices{Templates: tpl, Hotline: "Point de Contact", Contact: "cases@hotline.example", Country: "FR", PublicURL: "https://vigie.example"}
	f.td.Mailer = mail.NewSender(f.mp.URL(), "Vigie <notices@hotline.example>")
	f.td.ReplyTo, f.td.EscalateTo = "cases@hotline.example", []string{"police@hotline.example"}
	f.td.Now = func() time.Time { return f.now }
	for _, p := range []*vigie.Provider{
		{Name: "ExampleHost", ASNs: []uint32{64500}, AbuseEmail: "abuse@host.example", Lang: "fr", Country: "FR"},
		{Name: "Cloudflare", ASNs: []uint32{13335}, AbuseEmail: "abuse@cdn.example", Lang: "en"},
		{Name: "Hoster DE", ASNs: []uint32{64501}, AbuseEmail: "abuse@hoster.de.example", Lang: "en", Country: "DE"},
	} {
		if err := f.takedowns.SaveProvider(f.ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.takedowns.SavePartner(f.ctx, &vigie.Partner{Name: "Hotline DE", Countries: []string{"de"}, Email: "forward@hotline.de.example", Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// illegalCase reports rawURL and marks its one item, of content sum, illegal.
func (f *takedownFixture) illegalCase(t *testing.T, rawURL, sum string) int64 {
	r := &vigie.Report{Code: "VG-" + sum[:8], PINHash: []byte("x"), Category: vigie.CategoryCSAM, Source: "test",
		URLs: []vigie.ReportURL{{Raw: rawURL, Normalized: rawURL}}}
	if err := f.reports.CreateReport(f.ctx, r); err != nil {
		t.Fatal(err)
	}
	it := &vigie.Item{CaseID: r.URLs[0].CaseID, URL: rawURL, SHA256: sum}
	if err := f.reports.CreateItem(f.ctx, it); err != nil {
		t.Fatal(err)
	}
	it.State, it.Classification = vigie.ItemAuto, vigie.ClassBaseline
	if err := f.reports.UpdateItem(f.ctx, it); err != nil {
		t.Fatal(err)
	}
	return r.URLs[0].CaseID
}

// run works the queued takedown jobs until none is left.
func (f *takedownFixture) run(t *testing.T) {
	t.Helper()
	for {
		js := f.q.take()
		if len(js) == 0 {
			return
		}
		for _, j := range js {
			var err error
			switch a := j.(type) {
			case vigie.TakedownJob:
				err = (&jobs.TakedownWorker{T: f.td}).Work(f.ctx, job(a, 1, 25))
			case vigie.SendNoticeJob:
				err = (&jobs.SendNoticeWorker{T: f.td}).Work(f.ctx, job(a, 1, 25))
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

func (f *takedownFixture) messagesTo(t *testing.T, addr string) []mailtest.Message {
	var out []mailtest.Message
	for _, m := range f.mp.Messages(t) {
		for _, to := range m.To {
			if to.Address == addr {
				out = append(out, f.mp.Message(t, m.ID))
			}
		}
	}
	return out
}

func sumOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestTakedown_UntilRemoval follows a domestic case: notice to the host,
// reminders at 24 h and 72 h while the content stays up, and removal found
// by the check after the host takes it down (after the third check).
func TestTakedown_UntilRemoval(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := newTakedownFixture(t, dsn)
		body := []byte("synthetic bytes standing for illegal content")
		var hits atomic.Int32
		host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hits.Add(1) > 3 {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "image/png")
			w.Write(append([]byte("\x89PNG\r\n\x1a\n"), body...))
		}))
		defer host.Close()
		content := append([]byte("\x89PNG\r\n\x1a\n"), body...)
		f.td.Tracer = staticTracer{"127.0.0.1": {Host: "127.0.0.1", Addresses: []vigie.HostAddress{{IP: "127.0.0.1", ASN: 64500, Country: "FR"}}}}
		caseID := f.illegalCase(t, host.URL+"/img/1.png", sumOf(content))
		f.run(t)

		notices := f.messagesTo(t, "abuse@host.example")
		if len(notices) != 1 {
			t.Fatalf("notices to the host: %d, want 1", len(notices))
		}
		n := notices[0]
		for _, want := range []string{host.URL + "/img/1.png", "bonne foi", "VG-2026-", "Point de Contact", sumOf(content)} {
			if !strings.Contains(n.Text, want) {
				t.Fatalf("notice lacks %q:\n%s", want, n.Text)
			}
		}
		if !strings.Contains(n.Subject, "article 16 DSA") || n.ReplyTo[0].Address != "cases@hotline.example" {
			t.Fatalf("subject %q reply-to %v", n.Subject, n.ReplyTo)
		}
		sent, _ := f.takedowns.FindNotices(f.ctx, caseID)
		if sent[0].Status != vigie.NoticeSent || sent[0].MessageID == "" {
			t.Fatalf("notice %+v", sent[0])
		}
		// The first notice went out at f.now; follow up as days pass.
		for _, step := range []struct {
			after     time.Duration
			reminders int
			removed   bool
		}{{1 * time.Hour, 0, false}, {25 * time.Hour, 1, false}, {73 * time.Hour, 2, false}, {97 * time.Hour, 2, true}} {
			f.now = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC).Add(step.after)
			if err := f.td.FollowUp(f.ctx); err != nil {
				t.Fatal(err)
			}
			f.run(t)
			if got := len(f.messagesTo(t, "abuse@host.example")) - 1; got != step.reminders {
				t.Fatalf("after %v: %d reminders, want %d", step.after, got, step.reminders)
			}
			td, _ := f.takedowns.FindTakedown(f.ctx, caseID)
			if (td.Status == vigie.TakedownRemoved) != step.removed {
				t.Fatalf("after %v: status %q", step.after, td.Status)
			}
		}
		td, _ := f.takedowns.FindTakedown(f.ctx, caseID)
		if got, want := td.RemovalTime(), 97*time.Hour; got != want {
			t.Fatalf("removal time %v, want %v", got, want)
		}
		checks, _ := f.takedowns.FindChecks(f.ctx, caseID)
		if len(checks) != 4 || !checks[3].Removed || !strings.Contains(checks[3].Result, "404") {
			t.Fatalf("checks %+v", checks[len(checks)-1])
		}
		if got := hits.Load(); got != 4 {
			t.Fatalf("the host was fetched %d times, want 4 (one per check)", got)
		}
	})
}

// TestTakedown_Routing sends a host abroad to its country's partner
// hotline, and content behind a CDN to the CDN.
func TestTakedown_Routing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := newTakedownFixture(t, dsn)
		f.td.Tracer = staticTracer{
			"abroad.example": {Host: "abroad.example", Addresses: []vigie.HostAddress{{IP: "198.51.100.7", ASN: 64501, Country: "DE"}}},
			"cdn.example":    {Host: "cdn.example", CDN: "Cloudflare", Addresses: []vigie.HostAddress{{IP: "203.0.113.9", ASN: 13335, Country: "US", CDN: "Cloudflare"}}},
		}
		f.illegalCase(t, "https://abroad.example/p/1.jpg", strings.Repeat("1", 64))
		f.illegalCase(t, "https://cdn.example/p/2.jpg", strings.Repeat("2", 64))
		f.run(t)
		fw := f.messagesTo(t, "forward@hotline.de.example")
		if len(fw) != 1 || !strings.Contains(fw[0].Text, "https://abroad.example/p/1.jpg") || !strings.Contains(fw[0].Subject, "DE") {
			t.Fatalf("forward to the partner: %+v", fw)
		}
		if got := f.messagesTo(t, "abuse@hoster.de.example"); len(got) != 0 {
			t.Fatalf("the host abroad was notified directly (%d)", len(got))
		}
		cdn := f.messagesTo(t, "abuse@cdn.example")
		if len(cdn) != 1 || !strings.Contains(cdn[0].Subject, "origin host") || !strings.Contains(cdn[0].Text, "origin host") {
			t.Fatalf("notice to the CDN: %+v", cdn)
		}
	})
}

// TestTakedown_SMTPDown keeps a notice when the mail server is down:
// retried with backoff, the failure recorded on the case, failed for good
// only after the last attempt.
func TestTakedown_SMTPDown(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := newTakedownFixture(t, dsn)
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		dead := ln.Addr().String()
		ln.Close()
		f.td.Mailer = mail.NewSender("smtp+insecure://"+dead, "v@hotline.example")
		f.td.Tracer = staticTracer{"host.example": {Host: "host.example", Addresses: []vigie.HostAddress{{IP: "192.0.2.1", ASN: 64500, Country: "FR"}}}}
		caseID := f.illegalCase(t, "https://host.example/x.jpg", strings.Repeat("3", 64))
		for _, j := range takeKind[vigie.TakedownJob](f.q) {
			if err := (&jobs.TakedownWorker{T: f.td}).Work(f.ctx, job(j, 1, 25)); err != nil {
				t.Fatal(err)
			}
		}
		send := takeKind[vigie.SendNoticeJob](f.q)[0]
		if err := (&jobs.SendNoticeWorker{T: f.td}).Work(f.ctx, job(send, 1, 3)); err == nil {
			t.Fatal("no error while the server is down: River would not retry")
		}
		n, _ := f.takedowns.FindNotice(f.ctx, send.NoticeID)
		if n.Status != vigie.NoticeQueued || n.Attempts != 1 || n.LastError == "" {
			t.Fatalf("after a failed attempt: %+v", n)
		}
		if err := (&jobs.SendNoticeWorker{T: f.td}).Work(f.ctx, job(send, 3, 3)); err != nil {
			t.Fatalf("last attempt: %v", err)
		}
		ns, _ := f.takedowns.FindNotices(f.ctx, caseID)
		if len(ns) != 1 || ns[0].Status != vigie.NoticeFailed || ns[0].Attempts != 2 {
			t.Fatalf("after the last attempt: %+v", ns)
		}
		f.td.Mailer = mail.NewSender(f.mp.URL(), "v@hotline.example")
		if err := (&jobs.SendNoticeWorker{T: f.td}).Work(f.ctx, job(send, 1, 3)); err != nil {
			t.Fatal(err)
		}
		if got := f.messagesTo(t, "abuse@host.example"); len(got) != 1 {
			t.Fatalf("the notice was lost: %d sent after the server came back", len(got))
		}
	})
}

// TestNotifyReporters_NoContact queues no outcome job for a case whose
// reporters left no e-mail: there is no one to tell.
func TestNotifyReporters_NoContact(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := newTakedownFixture(t, dsn)
		anon := &vigie.Report{Code: "VG-NOCONTACT", PINHash: []byte("x"), Category: vigie.CategoryCSAM, Source: "web",
			URLs: []vigie.ReportURL{{Raw: "https://y.example/1", Normalized: "https://y.example/1"}}}
		if err := f.reports.CreateReport(f.ctx, anon); err != nil {
			t.Fatal(err)
		}
		if err := f.reports.SetCaseState(f.ctx, anon.URLs[0].CaseID, vigie.CaseUnreachable, "http_404: gone"); err != nil {
			t.Fatal(err)
		}
		if n := len(takeKind[vigie.NotifyReportersJob](f.q)); n != 0 {
			t.Fatalf("%d notify jobs for a case without a reporter's e-mail, want 0", n)
		}
	})
}

// TestNotifyReporters tells a reporter who left an e-mail the outcome of
// their report, in their language, and no one who left none.
func TestNotifyReporters(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		f := newTakedownFixture(t, dsn)
		tpl, _ := mail.LoadTemplates()
		r := &vigie.Report{Code: "VG-OUTCOME1", PINHash: []byte("x"), Category: vigie.CategoryCSAM, Source: "web", Contact: "reporter@example.org", Lang: "en",
			URLs: []vigie.ReportURL{{Raw: "https://x.example/1", Normalized: "https://x.example/1"}}}
		if err := f.reports.CreateReport(f.ctx, r); err != nil {
			t.Fatal(err)
		}
		anon := &vigie.Report{Code: "VG-OUTCOME2", PINHash: []byte("x"), Category: vigie.CategoryCSAM, Source: "web",
			URLs: []vigie.ReportURL{{Raw: "https://x.example/1", Normalized: "https://x.example/1"}}}
		if err := f.reports.CreateReport(f.ctx, anon); err != nil {
			t.Fatal(err)
		}
		it := &vigie.Item{CaseID: r.URLs[0].CaseID, URL: "https://x.example/1.jpg", SHA256: strings.Repeat("9", 64)}
		f.reports.CreateItem(f.ctx, it)
		it.State, it.Classification = vigie.ItemAuto, vigie.ClassBaseline
		if err := f.reports.UpdateItem(f.ctx, it); err != nil {
			t.Fatal(err)
		}
		jobsQueued := takeKind[vigie.NotifyReportersJob](f.q)
		if len(jobsQueued) != 1 {
			t.Fatalf("%d notify jobs, want 1 when the case became illegal", len(jobsQueued))
		}
		w := &jobs.NotifyReportersWorker{Reports: f.reports, Notifier: &mail.Reporters{Templates: tpl, Mailer: f.td.Mailer, Hotline: "Point de Contact", PublicURL: "https://vigie.example"}}
		if err := w.Work(f.ctx, job(jobsQueued[0], 1, 25)); err != nil {
			t.Fatal(err)
		}
		msgs := f.mp.Wait(t, 1, 10*time.Second)
		if len(msgs) != 1 {
			t.Fatalf("%d messages, want 1 (the anonymous reporter gets none)", len(msgs))
		}
		m := f.mp.Message(t, msgs[0].ID)
		if m.To[0].Address != "reporter@example.org" || !strings.Contains(m.Subject, "action was taken") || !strings.Contains(m.Text, "VG-OUTCOME1") || strings.Contains(m.Text, "x.example") {
			t.Fatalf("message %q\n%s", m.Subject, m.Text)
		}
	})
}
