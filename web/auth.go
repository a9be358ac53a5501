package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"
	vigie "github.com/vigie-hotline/vigie"
)

type loginPage struct {
	Page
	Username string
	Error    string
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if sess := sessionFrom(r.Context()); sess != nil && !sess.Pending {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "login", loginPage{Page: s.page(r, "login.title")})
}

// handleLogin checks the password. Failures are counted per address and
// per account name and refused past a limit, whichever process answers
// (the counts are in the database). Every outcome is audited.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	ctx := vigie.NewContextWithActor(r.Context(), "anonymous@"+clientIP(r))
	p := loginPage{Page: s.page(r, "login.title"), Username: strings.TrimSpace(r.PostFormValue("username"))}
	password := r.PostFormValue("password")
	ipKey, userKey := "ip:"+clientIP(r), "user:"+strings.ToLower(p.Username)

	if wait, err := s.throttled(ctx, ipKey, userKey); err != nil {
		s.pageError(w, r, err)
		return
	} else if wait > 0 {
		s.metrics.logins.WithLabelValues("throttled").Inc()
		s.audit(ctx, "auth.login_throttled", "", map[string]any{"username": p.Username, "ip": clientIP(r)})
		p.Error = p.T("login.throttled", minutes(wait))
		s.render(w, http.StatusTooManyRequests, "login", p)
		return
	}

	u, err := s.Users.FindUserByUsername(ctx, p.Username)
	if err != nil && vigie.ErrorCode(err) != vigie.ENOTFOUND {
		s.pageError(w, r, err)
		return
	}
	if u == nil || !CheckPassword(password, u.PasswordHash) || u.Disabled || !u.Role.CanLogIn() {
		if u == nil {
			CheckPassword(password, dummyHash)
		}
		s.loginFailed(ctx, w, r, p, ipKey, userKey)
		return
	}
	s.Throttle.ClearLoginFailures(ctx, userKey)
	if err := s.startSession(ctx, w, r, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	if u.HasTOTP() {
		http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
		return
	}
	s.metrics.logins.WithLabelValues("ok").Inc()
	s.audit(vigie.NewContextWithActor(ctx, vigie.UserActor(u)), "auth.login", userObject(u), map[string]any{"ip": clientIP(r)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) loginFailed(ctx context.Context, w http.ResponseWriter, r *http.Request, p loginPage, keys ...string) {
	if err := s.Throttle.RecordLoginFailure(ctx, s.Now(), keys...); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.metrics.logins.WithLabelValues("failed").Inc()
	s.audit(ctx, "auth.login_failed", "", map[string]any{"username": p.Username, "ip": clientIP(r)})
	p.Error = p.T("login.failed")
	s.render(w, http.StatusUnauthorized, "login", p)
}

// throttled returns how long to wait before the next attempt, or 0.
func (s *Server) throttled(ctx context.Context, ipKey, userKey string) (time.Duration, error) {
	since := s.Now().Add(-s.ThrottleWindow)
	for _, lim := range []struct {
		key string
		max int
	}{{userKey, s.MaxFailuresPerUser}, {ipKey, s.MaxFailuresPerIP}} {
		n, err := s.Throttle.CountLoginFailures(ctx, lim.key, since)
		if err != nil {
			return 0, err
		}
		if n >= lim.max {
			return s.ThrottleWindow, nil
		}
	}
	return 0, nil
}

func minutes(d time.Duration) int { return int((d + time.Minute - 1) / time.Minute) }

// startSession creates a session, pending if the user has a second factor,
// and sets its cookie. The cookie holds a random token; the database only
// its hash.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, u *vigie.User) error {
	var b [32]byte
	rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(token))
	now := s.Now()
	sess := &vigie.Session{
		UserID: u.ID, TokenHash: sum[:], Pending: u.HasTOTP(),
		CreatedAt: now, ExpiresAt: now.Add(s.SessionTTL),
		IP: clientIP(r), UserAgent: truncate(r.UserAgent(), 200),
	}
	if err := s.Sessions.CreateSession(ctx, sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	})
	return nil
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
}

type totpPage struct {
	Page
	Error string
}

func (s *Server) handleTOTPForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "totp", totpPage{Page: s.page(r, "totp.title")})
}

// handleTOTP checks the second factor; failures count toward the same
// throttle as passwords.
func (s *Server) handleTOTP(w http.ResponseWriter, r *http.Request) {
	ctx, sess, u := r.Context(), sessionFrom(r.Context()), userFrom(r.Context())
	userKey := "user:" + strings.ToLower(u.Username)
	p := totpPage{Page: s.page(r, "totp.title")}
	if wait, err := s.throttled(ctx, "ip:"+clientIP(r), userKey); err != nil {
		s.pageError(w, r, err)
		return
	} else if wait > 0 {
		p.Error = p.T("login.throttled", minutes(wait))
		s.render(w, http.StatusTooManyRequests, "totp", p)
		return
	}
	if !totp.Validate(strings.TrimSpace(r.PostFormValue("code")), u.TOTPSecret) {
		s.Throttle.RecordLoginFailure(ctx, s.Now(), "ip:"+clientIP(r), userKey)
		s.metrics.logins.WithLabelValues("totp_failed").Inc()
		s.audit(ctx, "auth.totp_failed", userObject(u), map[string]any{"ip": clientIP(r)})
		p.Error = p.T("totp.failed")
		s.render(w, http.StatusUnauthorized, "totp", p)
		return
	}
	if err := s.Sessions.CompleteSession(ctx, sess.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.Throttle.ClearLoginFailures(ctx, userKey)
	s.metrics.logins.WithLabelValues("ok").Inc()
	s.audit(ctx, "auth.login", userObject(u), map[string]any{"ip": clientIP(r), "totp": true})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	if err := s.Sessions.DeleteSession(r.Context(), sess.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.audit(r.Context(), "auth.logout", userObject(userFrom(r.Context())), nil)
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) handleLogoutEverywhere(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Sessions.DeleteUserSessions(r.Context(), userFrom(r.Context()).ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// audit appends an entry; a failure is logged, since the action it records
// has already happened.
func (s *Server) audit(ctx context.Context, action, object string, details map[string]any) {
	if _, err := s.Audit.AppendAudit(ctx, action, object, details); err != nil {
		s.Logger.Error("audit append failed", "action", action, "err", err)
	}
}

func userObject(u *vigie.User) string {
	if u == nil {
		return ""
	}
	return "user:" + itoa(u.ID)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// requireAPIKey authenticates a partner by "Authorization: Bearer KEY",
// counts the request against the key and attributes what follows to it.
func (s *Server) requireAPIKey(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !strings.HasPrefix(key, apiKeyPrefix) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vigie"`)
			s.jsonError(w, r, vigie.Errorf(vigie.EUNAUTHORIZED, "send a partner API key as Authorization: Bearer vigie_…"))
			return
		}
		ck, err := s.keys.use(r.Context(), s.APIKeys, hashAPIKey(key))
		if err != nil {
			if vigie.ErrorCode(err) == vigie.ENOTFOUND {
				err = vigie.Errorf(vigie.EUNAUTHORIZED, "this API key is unknown or revoked")
			}
			s.jsonError(w, r, err)
			return
		}
		s.writeKeyUse(r.Context(), ck.key.ID)
		if s.Logger.Enabled(r.Context(), slog.LevelDebug) {
			s.Logger.Debug("api request", "route", r.Pattern, "apikey", ck.key.ID, "partner", ck.user.Username)
		}
		next(w, r.WithContext(&partnerContext{r.Context(), ck}))
	})
}

// partnerContext is the context of a request with a partner key: its key,
// user and audit actor in one value, rather than in three nested contexts
// made on every request. It answers as they would: its own keys first,
// then its parent's.
type partnerContext struct {
	context.Context
	ck *cachedKey
}

// Value returns the key, its user, the actor, or the parent's value of key.
func (c *partnerContext) Value(key any) any {
	switch key {
	case ctxAPIKey:
		return c.ck.key
	case ctxUser:
		return c.ck.user
	}
	if v := c.ck.actor.Value(key); v != nil {
		return v
	}
	return c.Context.Value(key)
}

// writeKeyUse writes the requests keys.use counted when KeyUseFlush is 0;
// else the server writes them every KeyUseFlush.
func (s *Server) writeKeyUse(ctx context.Context, id int64) {
	if s.KeyUseFlush > 0 {
		return
	}
	if err := s.keys.flush(ctx, s.APIKeys); err != nil {
		s.Logger.Error("count api key use", "key", id, "err", err)
	}
}

// flushKeyUse writes counted key use every KeyUseFlush until ctx ends, and
// once more at the end.
func (s *Server) flushKeyUse(ctx context.Context) {
	t := time.NewTicker(s.KeyUseFlush)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := s.keys.flush(context.WithoutCancel(ctx), s.APIKeys); err != nil {
				s.Logger.Error("count api key use", "err", err)
			}
			return
		case <-t.C:
			if err := s.keys.flush(ctx, s.APIKeys); err != nil {
				s.Logger.Error("count api key use", "err", err)
			}
		}
	}
}
