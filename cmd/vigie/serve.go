package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/index"
	"github.com/vigie-hotline/vigie/jobs"
	"github.com/vigie-hotline/vigie/sqldb"
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
}

// Run opens the database, creates the first administrator if there is no
// account yet, starts the background work and the web server, and returns.
func (c *ServeCmd) Run(m *Main) error {
	if err := m.openDB(); err != nil {
		return err
	}
	ctx := vigie.NewContextWithActor(m.ctx, "system")
	users := sqldb.NewUserService(m.DB)
	if err := m.bootstrapAdmin(ctx, users); err != nil {
		return err
	}
	sessions := sqldb.NewSessionService(m.DB)
	if err := c.startJobs(m, sessions); err != nil {
		return err
	}
	banks := sqldb.NewBankService(m.DB)
	matcher, err := m.startMatcher(banks)
	if err != nil {
		return err
	}
	s := web.NewServer()
	s.Addr, s.RequireTOTP, s.SecureCookies, s.SessionTTL, s.MetricsToken = c.Addr, c.RequireTOTP, c.SecureCookies, c.SessionTTL, c.MetricsToken
	s.Users, s.Sessions, s.Throttle = users, sessions, sessions
	s.APIKeys, s.Audit = sqldb.NewAPIKeyService(m.DB), sqldb.NewAuditService(m.DB)
	s.Banks, s.Matcher, s.Fingerprinter = banks, matcher, fingerprint.NewService(fingerprint.Options{})
	s.Registry = prometheus.NewRegistry()
	s.Logger = m.Logger.With("component", "web")
	if err := s.Open(); err != nil {
		return err
	}
	m.Server = s
	m.onClose(s.Close)
	fmt.Fprintf(m.Stdout, "Vigie is running at %s (database: %s)\n", s.URL(), describeDB(m))
	return nil
}

func (c *ServeCmd) startJobs(m *Main, sessions *sqldb.SessionService) error {
	r := m.Jobs
	r.MaxWorkers = c.Workers
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
	start := time.Now()
	if err := mt.Load(m.ctx); err != nil {
		return nil, fmt.Errorf("load hash banks: %w", err)
	}
	m.Logger.Info("hash banks loaded", "entries", mt.Len(), "duration", time.Since(start).Round(time.Millisecond))
	ctx, cancel := context.WithCancel(context.WithoutCancel(m.ctx))
	done := make(chan struct{})
	go func() { mt.Run(ctx); close(done) }()
	m.onClose(func() error { cancel(); <-done; return nil })
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
