package web

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

// contentSecurityPolicy allows no inline script or style and no framing:
// pages only load what Vigie serves itself. Images may be data: URLs (the
// TOTP QR code).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	// Canonical names, set directly: Header.Set would canonicalise each
	// name and allocate each value on every request.
	names := [...]string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
		"Referrer-Policy", "Cross-Origin-Opener-Policy", "Permissions-Policy"}
	values := [len(names)]string{contentSecurityPolicy, "nosniff", "DENY",
		"no-referrer", "same-origin", "camera=(), microphone=(), geolocation=()"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		v := values // one copy a request: handlers may change their headers
		for i, name := range names {
			h[name] = v[i : i+1 : i+1]
		}
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// observe counts and logs each request. It logs the route pattern, not the
// raw path, so that no identifier from a URL lands in the logs.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		d := time.Since(start)
		rm := s.metrics.forRequest(r.Method, sw.status)
		rm.count.Inc()
		rm.duration.Observe(d.Seconds())
		// Checked first: building the attributes costs allocations on
		// every request, logged or not.
		if s.Logger.Enabled(r.Context(), slog.LevelDebug) {
			s.Logger.Debug("request", "method", r.Method, "route", pattern, "status", sw.status, "duration", d)
		}
	})
}

// recoverPanics turns a panic into a 500 and a log line with the stack.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("panic in handler", "panic", v, "route", r.Pattern, "stack", string(debug.Stack()))
				http.Error(w, "Internal error.", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

const sessionCookie = "vigie_session"

type ctxKey int

const (
	ctxSession ctxKey = iota
	ctxUser
	ctxAPIKey
)

// loadSession looks up the session cookie, if any, and puts the session, its
// user and the audit actor in the request's context.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		sum := sha256.Sum256([]byte(c.Value))
		sess, u, err := s.Sessions.FindSessionByTokenHash(r.Context(), sum[:], s.Now())
		if err != nil {
			if vigie.ErrorCode(err) != vigie.ENOTFOUND {
				s.Logger.Error("session lookup", "err", err)
			}
			s.clearSessionCookie(w, r)
			next.ServeHTTP(w, r)
			return
		}
		ctx := context.WithValue(r.Context(), ctxSession, sess)
		ctx = context.WithValue(ctx, ctxUser, u)
		ctx = vigie.NewContextWithActor(ctx, vigie.UserActor(u))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func sessionFrom(ctx context.Context) *vigie.Session {
	s, _ := ctx.Value(ctxSession).(*vigie.Session)
	return s
}

func userFrom(ctx context.Context) *vigie.User {
	u, _ := ctx.Value(ctxUser).(*vigie.User)
	return u
}

// requireSession lets through signed-in users whose sign-in is complete; it
// sends others to the sign-in page, and administrators who must enrol a
// second factor to their account page.
func (s *Server) requireSession(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, u := sessionFrom(r.Context()), userFrom(r.Context())
		switch {
		case sess == nil:
			http.Redirect(w, r, "/login", http.StatusSeeOther)
		case sess.Pending:
			http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
		case s.mustEnrolTOTP(u) && !strings.HasPrefix(r.URL.Path, "/account") && r.URL.Path != "/logout":
			http.Redirect(w, r, "/account?totp=required", http.StatusSeeOther)
		default:
			next(w, r)
		}
	})
}

func (s *Server) mustEnrolTOTP(u *vigie.User) bool {
	return s.RequireTOTP && u.Role == vigie.RoleAdmin && !u.HasTOTP()
}

// requirePending lets through sessions waiting for their second factor.
func (s *Server) requirePending(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sess := sessionFrom(r.Context()); sess == nil || !sess.Pending {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		next(w, r)
	})
}

// requireRole is requireSession limited to the given roles.
func (s *Server) requireRole(next http.HandlerFunc, roles ...vigie.Role) http.Handler {
	return s.requireSession(func(w http.ResponseWriter, r *http.Request) {
		u := userFrom(r.Context())
		for _, role := range roles {
			if u.Role == role {
				next(w, r)
				return
			}
		}
		s.pageError(w, r, vigie.Errorf(vigie.EFORBIDDEN, "forbidden"))
	})
}

// clientIP returns the address of the peer. Vigie does not trust
// forwarding headers, which anyone can forge.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func apiKeyFrom(ctx context.Context) *vigie.APIKey {
	k, _ := ctx.Value(ctxAPIKey).(*vigie.APIKey)
	return k
}
