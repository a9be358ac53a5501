package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/fetch"
	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/hosting"
	"github.com/vigie-hotline/vigie/index"
	"github.com/vigie-hotline/vigie/jobs"
	"github.com/vigie-hotline/vigie/mail"
	"github.com/vigie-hotline/vigie/sqldb"
	"github.com/vigie-hotline/vigie/vault"
	"github.com/vigie-hotline/vigie/web"
)

// ServeCmd runs the service.
type ServeCmd struct {
	Addr          string        `help:"Address to listen on. Use 0.0.0.0:8080 to accept connections from other machines (behind TLS)." default:"127.0.0.1:8080" env:"VIGIE_ADDR"`
	RequireTOTP   bool          `name:"require-totp" help:"Make two-factor authentication mandatory for administrators." env:"VIGIE_REQUIRE_TOTP"`
	SecureCookies bool          `help:"Mark cookies Secure; set this behind a TLS-terminating proxy." env:"VIGIE_SECURE_COOKIES"`
	SessionTTL    time.Duration `name:"session-ttl" help:"How long a sign-in lasts." default:"12h" env:"VIGIE_SESSION_TTL"`
	MetricsToken  string        `help:"Token that lets non-loopback clients read /metrics (Authorization: Bearer TOKEN)." env:"VIGIE_METRICS_TOKEN"`
	Workers       int           `help:"Background jobs run at once." default:"4" env:"VIGIE_WORKERS"`

	QuarantineKey      string        `help:"Key of the encrypted quarantine (32 bytes, hex or base64). Default: the key file in the data folder, created at first start (mode 0600). Several processes must share it." env:"VIGIE_QUARANTINE_KEY"`
	Retention          time.Duration `help:"How long fetched content is kept after the last decision about it, unless its case is under legal hold." default:"720h" env:"VIGIE_RETENTION"`
	FetchAllowLoopback bool          `name:"fetch-allow-loopback" help:"Let the fetcher connect to loopback addresses (for tests against local sites). Never in production." env:"VIGIE_FETCH_ALLOW_LOOPBACK"`
	ReportCategories   []string      `help:"Report categories, the first being the default." default:"csam,sextortion,terrorism,hate,other" env:"VIGIE_REPORT_CATEGORIES"`
	ReportsPerHour     int           `help:"Public reports accepted per address and hour (after a burst of report-burst)." default:"30" env:"VIGIE_REPORTS_PER_HOUR"`
	ReportBurst        int           `help:"Public reports accepted at once from one address; 0 turns the limit off." default:"10" env:"VIGIE_REPORT_BURST"`

	SMTP               string        `name:"smtp" help:"SMTP server for notices and messages: smtp://user:pass@host:587 (STARTTLS), smtps://…, or smtp+insecure://… on loopback." env:"VIGIE_SMTP"`
	MailFrom           string        `help:"Sender address of Vigie's e-mail." default:"Vigie <vigie@localhost>" env:"VIGIE_MAIL_FROM"`
	PublicURL          string        `name:"public-url" help:"Vigie's address as others reach it, for links in e-mail." default:"http://127.0.0.1:8080" env:"VIGIE_PUBLIC_URL"`
	Hotline            string        `help:"The hotline's name, signing notices." default:"Vigie hotline" env:"VIGIE_HOTLINE"`
	HotlineContact     string        `help:"Address that receives replies to notices (Reply-To)." default:"vigie@localhost" env:"VIGIE_HOTLINE_CONTACT"`
	Country            string        `help:"The hotline's country (ISO code): hosts there get notices, hosts abroad go to partner hotlines." default:"FR" env:"VIGIE_COUNTRY"`
	NotifyForeignHosts bool          `help:"Also send notices to hosts abroad, besides forwarding to their country's hotline." env:"VIGIE_NOTIFY_FOREIGN_HOSTS"`
	EscalateTo         []string      `help:"Supervisors' and police addresses told of content still online after --escalate-after." env:"VIGIE_ESCALATE_TO"`
	EscalateAfter      time.Duration `help:"Escalate content still online this long after the first notice." default:"168h" env:"VIGIE_ESCALATE_AFTER"`
	CheckInterval      time.Duration `help:"Re-check each URL under notice this often." default:"24h" env:"VIGIE_CHECK_INTERVAL"`
	IPDB               []string      `name:"ipdb" help:"MaxMind-format databases for hosting traces (ASN, country); repeat for several." type:"existingfile" env:"VIGIE_IPDB"`
}

// Run opens the database, creates the first administrator if there is no
// account yet, loads the hash banks, starts the background work and the web
// server, and returns.
func (c *ServeCmd) Run(m *Main) error {
	if c.FetchAllowLoopback {
		fmt.Fprintln(m.Stderr, "WARNING: --fetch-allow-loopback is set: the fetcher may connect to this machine. Use it only for tests.")
	}
	if err := m.openDB(); err != nil {
		return err
	}
	ctx := vigie.NewContextWithActor(m.ctx, "system")
	users := sqldb.NewUserService(m.DB)
	if err := m.bootstrapAdmin(ctx, users); err != nil {
		return err
	}
	sessions, banks := sqldb.NewSessionService(m.DB), sqldb.NewBankService(m.DB)
	reports := sqldb.NewReportService(m.DB, m.Jobs)
	matcher, err := m.startMatcher(banks)
	if err != nil {
		return err
	}
	quarantine, pinKey, err := c.openQuarantine(m)
	if err != nil {
		return err
	}
	fp := fingerprint.NewService(fingerprint.Options{})
	p := jobs.NewPipeline()
	p.Reports, p.Crawler, p.Quarantine, p.Fingerprint, p.Matcher = reports, c.crawler(m), quarantine, fp, matcher
	p.Retention, p.Logger = c.Retention, m.Logger.With("component", "pipeline")
	td, err := c.takedown(m, reports, p.Crawler)
	if err != nil {
		return err
	}
	guardian, err := c.guardian(m)
	if err != nil {
		return err
	}
	if err := c.startJobs(m, sessions, p, td); err != nil {
		return err
	}
	s := web.NewServer()
	s.Addr, s.RequireTOTP, s.SecureCookies, s.SessionTTL, s.MetricsToken = c.Addr, c.RequireTOTP, c.SecureCookies, c.SessionTTL, c.MetricsToken
	s.Users, s.Sessions, s.Throttle = users, sessions, sessions
	s.APIKeys, s.Audit = sqldb.NewAPIKeyService(m.DB), sqldb.NewAuditService(m.DB)
	s.Banks, s.Matcher, s.Fingerprinter = banks, matcher, fp
	s.Reports, s.Quarantine, s.PINKey, s.Takedowns = reports, quarantine, pinKey, td.Takedowns
	s.Stats = sqldb.NewStatsService(m.DB)
	s.Categories, s.ReportsPerHour, s.ReportBurst = c.ReportCategories, c.ReportsPerHour, c.ReportBurst
	s.Registry = prometheus.NewRegistry()
	s.Logger = m.Logger.With("component", "web")
	c.serveGuardian(m, s, guardian)
	if err := s.Open(); err != nil {
		return err
	}
	m.Server = s
	m.onClose(s.Close)
	fmt.Fprintf(m.Stdout, "Vigie is running at %s (database: %s)\n", s.URL(), describeDB(m))
	return nil
}

// openQuarantine opens the encrypted store of fetched content, and returns
// with it the key that hashes report PINs (derived from the same secret, so
// that one secret is enough to share between processes).
func (c *ServeCmd) openQuarantine(m *Main) (*vault.Vault, []byte, error) {
	var key []byte
	var err error
	if c.QuarantineKey != "" {
		key, err = vault.ParseKey(c.QuarantineKey)
	} else {
		key, err = vault.LoadOrCreateKey(filepath.Join(m.CLI.Data, "quarantine.key"))
	}
	if err != nil {
		return nil, nil, err
	}
	v, err := vault.Open(filepath.Join(m.CLI.Data, "quarantine"), key)
	if err != nil {
		return nil, nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("vigie report PIN key"))
	return v, mac.Sum(nil), nil
}

// takedown builds notice-and-takedown: the hosting tracer over the IP
// databases, the notice templates and the mailer.
func (c *ServeCmd) takedown(m *Main, reports *sqldb.ReportService, crawler vigie.Crawler) (*jobs.Takedown, error) {
	tracer := hosting.NewTracer(c.IPDB...)
	if err := tracer.Open(); err != nil {
		return nil, err
	}
	m.onClose(tracer.Close)
	tpl, err := mail.LoadTemplates()
	if err != nil {
		return nil, err
	}
	if c.SMTP == "" {
		m.Logger.Warn("no --smtp server: notices will wait, retried, until one is configured")
	}
	sender := mail.NewSender(c.SMTP, c.MailFrom)
	sender.Logger = m.Logger.With("component", "mail")
	td := jobs.NewTakedown()
	td.Reports, td.Takedowns, td.Tracer, td.Crawler = reports, sqldb.NewTakedownService(m.DB, m.Jobs), tracer, crawler
	td.Composer = &mail.Notices{Templates: tpl, Hotline: c.Hotline, Contact: c.HotlineContact, Country: c.Country, PublicURL: c.PublicURL}
	td.Mailer, td.Country, td.NotifyForeignHosts = sender, c.Country, c.NotifyForeignHosts
	td.ReplyTo, td.EscalateTo, td.EscalateAfter, td.CheckInterval = c.HotlineContact, c.EscalateTo, c.EscalateAfter, c.CheckInterval
	td.Logger = m.Logger.With("component", "takedown")
	// Reporters who left an e-mail hear the outcome through the same server.
	river.AddWorker(m.Jobs.Workers, &jobs.NotifyReportersWorker{Reports: reports,
		Notifier: &mail.Reporters{Templates: tpl, Mailer: sender, Hotline: c.Hotline, PublicURL: c.PublicURL}})
	return td, nil
}

func (c *ServeCmd) crawler(m *Main) *fetch.Crawler {
	f := fetch.NewFetcher()
	f.AllowLoopback = c.FetchAllowLoopback
	f.Logger = m.Logger.With("component", "fetch")
	return fetch.NewCrawler(f)
}

func (c *ServeCmd) startJobs(m *Main, sessions *sqldb.SessionService, p *jobs.Pipeline, td *jobs.Takedown) error {
	r := m.Jobs
	r.MaxWorkers = c.Workers
	p.Register(r)
	td.Register(r)
	river.AddWorker(r.Workers, &jobs.PurgeWorker{Sessions: sessions, Throttle: sessions, Now: time.Now, Logger: r.Logger})
	r.Periodic = append(r.Periodic, jobs.PurgeEvery(time.Hour))
	if err := r.Open(m.ctx); err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	// The workers outlive the command's context: Close stops them, after
	// the web server, so that requests in flight can still enqueue.
	if err := r.Start(context.WithoutCancel(m.ctx)); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	m.onClose(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return r.Stop(ctx)
	})
	return nil
}

// startMatcher loads every bank into memory and keeps it in step with the
// database (changes by this process or any other) until Close.
func (m *Main) startMatcher(banks *sqldb.BankService) (*index.Matcher, error) {
	mt := index.NewMatcher(banks)
	mt.Logger = m.Logger.With("component", "index")
	// The snapshot holds hashes: it lives in the private data folder, mode
	// 0600, like the SQLite database.
	mt.SnapshotPath, mt.Lineage = filepath.Join(m.CLI.Data, "index.snapshot"), sqldb.NewAuditService(m.DB)
	start := time.Now()
	if err := mt.Load(m.ctx); err != nil {
		return nil, fmt.Errorf("load hash banks: %w", err)
	}
	m.Logger.Info("hash banks loaded", "entries", mt.Len(), "duration", time.Since(start).Round(time.Millisecond))
	boundGarbage(m.Logger)
	ctx, cancel := context.WithCancel(context.WithoutCancel(m.ctx))
	done := make(chan struct{})
	go func() { mt.Run(ctx); close(done) }()
	m.onClose(func() error {
		cancel()
		<-done
		// Saved at a graceful stop, so that the next start reads the
		// snapshot and only the changes made meanwhile.
		ctx, stop := context.WithTimeout(context.Background(), time.Minute)
		defer stop()
		return mt.WriteSnapshot(ctx)
	})
	return mt, nil
}

// bootstrapAdmin creates the "admin" account on the first start and prints
// its password, once: it is never stored in clear or shown again.
func (m *Main) bootstrapAdmin(ctx context.Context, users *sqldb.UserService) error {
	n, err := users.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	password := web.GeneratePassword()
	hash, err := web.HashPassword(password)
	if err != nil {
		return err
	}
	if err := users.CreateUser(ctx, &vigie.User{Username: "admin", Role: vigie.RoleAdmin, PasswordHash: hash}); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, `
First start: created the administrator account.

    username: admin
    password: %s

This password is shown only this once. Sign in and change it under "My account",
or set a new one with: vigie user passwd admin

`, password)
	return nil
}

// describeDB names the database without its password.
func describeDB(m *Main) string {
	if m.DB.Dialect() == sqldb.SQLite {
		return "SQLite " + m.CLI.dsn()
	}
	u, err := url.Parse(m.CLI.DB)
	if err != nil {
		return "PostgreSQL"
	}
	return "PostgreSQL " + u.Redacted()
}
