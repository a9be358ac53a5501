// Package web serves Vigie's HTML pages and its JSON API under /api/v1:
// sign-in with sessions and an optional second factor, a home page per
// role, account administration, and partner API keys.
package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	vigie "github.com/vigie-hotline/vigie"
)

// Server is the HTTP server.
type Server struct {
	// Addr is the address to listen on; ":0" picks a free port.
	Addr string
	// SecureCookies marks cookies Secure even without TLS on this hop, for
	// deployments behind a TLS-terminating proxy.
	SecureCookies bool
	// RequireTOTP makes a second factor mandatory for administrators.
	RequireTOTP bool
	// SessionTTL is how long a sign-in lasts. Default 12 hours.
	SessionTTL time.Duration
	// ThrottleWindow, MaxFailuresPerUser and MaxFailuresPerIP bound password
	// guessing: past either count within the window, sign-in is refused.
	ThrottleWindow     time.Duration
	MaxFailuresPerUser int
	MaxFailuresPerIP   int

	// KeyCacheTTL is how long a partner key is trusted from memory; a
	// revoked key stops working within it. 0 reads the key every request.
	KeyCacheTTL time.Duration
	// KeyUseFlush is how often counted key use is written; 0 writes it on
	// every request.
	KeyUseFlush time.Duration
	// MetricsToken, when set, lets non-loopback clients read /metrics with
	// "Authorization: Bearer TOKEN".
	MetricsToken string

	Users    vigie.UserService
	Sessions vigie.SessionService
	Throttle vigie.LoginThrottle
	APIKeys  vigie.APIKeyService
	Audit    vigie.AuditService
	Banks    vigie.BankService
	Reports  vigie.ReportService
	// Stats reads the statistics page, the DSA exports and the blocklist.
	Stats vigie.StatsService
	// Takedowns holds notices and follow-up checks, for cases and referrals.
	Takedowns vigie.TakedownService
	// Quarantine holds fetched content, for previews and reveals.
	Quarantine vigie.Quarantine
	// Categories lists the report categories, the first being the default.
	Categories []string
	// PINKey keys the hash of report PINs.
	PINKey []byte
	// ReportsPerHour and ReportBurst limit public reports per address;
	// PartnerReportsPerHour those of each partner key. A zero burst turns
	// the limit off.
	ReportsPerHour        int
	ReportBurst           int
	PartnerReportsPerHour int
	Matcher               vigie.Matcher
	// Fingerprinter hashes uploaded images for lookups.
	Fingerprinter vigie.Fingerprinter
	// Guardian stores parents' registrations and FamilyNotifier writes to
	// them; without both, /guardian explains that registration is off.
	Guardian       vigie.GuardianService
	FamilyNotifier vigie.FamilyNotifier
	// PublicURL is the address links in e-mails start with
	// ("https://hotline.example"); without it, the request's address.
	PublicURL string
	// FamilySuspectMatches is how many known or benign entries a newly
	// registered photo may match before it is held for review. 0 turns the
	// check off.
	FamilySuspectMatches int
	// Registry collects the metrics served at /metrics.
	Registry *prometheus.Registry
	Logger   *slog.Logger
	Now      func() time.Time

	ln             net.Listener
	srv            *http.Server
	keys           *keyCache
	publicReports  *rateLimiter
	partnerReports *rateLimiter
	stop           context.CancelFunc
	stopped        chan struct{}
	pages          map[string]*template.Template
	msgs           catalog
	metrics        *metrics
	handler        http.Handler
	apiRoute       []route
}

// NewServer returns a Server with defaults filled in.
func NewServer() *Server {
	return &Server{
		Addr:                  "127.0.0.1:8080",
		SessionTTL:            12 * time.Hour,
		ThrottleWindow:        15 * time.Minute,
		MaxFailuresPerUser:    5,
		MaxFailuresPerIP:      30,
		KeyCacheTTL:           5 * time.Second,
		Categories:            []string{vigie.CategoryCSAM, "sextortion", "terrorism", "hate", "other"},
		ReportsPerHour:        30,
		ReportBurst:           10,
		PartnerReportsPerHour: 36000000,
		KeyUseFlush:           5 * time.Second,
		FamilySuspectMatches:  3,
		Registry:              prometheus.NewRegistry(),
		Logger:                slog.New(slog.DiscardHandler),
		Now:                   time.Now,
	}
}

// Init parses the templates and messages and builds the routes. A missing
// or broken template fails here, at start, not on a request.
func (s *Server) Init() error {
	var err error
	if s.msgs, err = loadCatalog(); err != nil {
		return err
	}
	if s.pages, err = parsePages(); err != nil {
		return err
	}
	if s.metrics, err = newMetrics(s.Registry); err != nil {
		return err
	}
	s.keys = newKeyCache(s.KeyCacheTTL, s.Now)
	s.publicReports = newRateLimiter(s.ReportsPerHour, s.ReportBurst, s.Now)
	s.partnerReports = newRateLimiter(s.PartnerReportsPerHour, max(1000, s.PartnerReportsPerHour/3600), s.Now)
	s.handler = s.routes()
	return nil
}

// Handler returns the server's root handler; Init must have run.
func (s *Server) Handler() http.Handler { return s.handler }

// Open initialises the server, listens on Addr and serves in the background.
func (s *Server) Open() error {
	if err := s.Init(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return vigie.Errorf(vigie.EUNAVAILABLE, "cannot listen on %s: %v", s.Addr, err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Logger.Error("http server stopped", "err", err)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	s.stop, s.stopped = cancel, make(chan struct{})
	go func() {
		defer close(s.stopped)
		if s.KeyUseFlush > 0 {
			s.flushKeyUse(ctx)
		}
	}()
	return nil
}

// URL returns the base URL the server listens on.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return fmt.Sprintf("http://%s", s.ln.Addr())
}

// Close stops accepting requests and waits up to ten seconds for those in
// flight.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	s.stop() // after the requests: their use is counted, then written
	<-s.stopped
	return err
}
