package web

import (
	"net/http"
	"strings"

	vigie "github.com/vigie-hotline/vigie"
)

// route is one entry of the routing table. Keeping the table as data lets a
// test compare the /api/v1 routes with the OpenAPI document.
type route struct {
	pattern string
	handler http.Handler
}

// routeTable lists every route of the server, in one place.
func (s *Server) routeTable() []route {
	page := func(h http.HandlerFunc) http.Handler { return h }
	signedIn := func(h http.HandlerFunc) http.Handler { return s.requireSession(h) }
	admin := func(h http.HandlerFunc) http.Handler { return s.requireRole(h, vigie.RoleAdmin) }
	supervisor := func(h http.HandlerFunc) http.Handler { return s.requireRole(h, vigie.RoleSupervisor, vigie.RoleAdmin) }
	// Referral packages go to the police liaison and supervisors only.
	police := func(h http.HandlerFunc) http.Handler { return s.requireRole(h, vigie.RolePolice, vigie.RoleSupervisor) }
	// Content is shown to the people who assess it, and no one else.
	staff := func(h http.HandlerFunc) http.Handler {
		return s.requireRole(h, vigie.RoleAnalyst, vigie.RoleSupervisor)
	}
	partner := func(h http.HandlerFunc) http.Handler { return s.requireAPIKey(h) }
	return []route{
		{"GET /healthz", page(s.handleHealth)},
		{"GET /metrics", s.metricsHandler()},
		{"GET /static/", http.StripPrefix("/static/", http.FileServerFS(staticFS()))},
		{"POST /lang", page(s.handleLang)},

		{"GET /report", page(s.handleReportForm)},
		{"POST /report", page(s.handleReport)},
		{"GET /report/status", page(s.handleStatusForm)},
		{"POST /report/status", page(s.handleStatus)},

		{"GET /guardian", page(s.handleGuardianForm)},
		{"POST /guardian/register", page(s.handleGuardianRegister)},
		{"GET /guardian/verify", page(s.handleGuardianVerifyForm)},
		{"POST /guardian/verify", page(s.handleGuardianVerify)},
		{"GET /guardian/status", page(s.handleGuardianStatusForm)},
		{"POST /guardian/status", page(s.handleGuardianStatus)},
		{"POST /guardian/withdraw", page(s.handleGuardianWithdraw)},

		{"GET /login", page(s.handleLoginForm)},
		{"POST /login", page(s.handleLogin)},
		{"GET /login/totp", s.requirePending(s.handleTOTPForm)},
		{"POST /login/totp", s.requirePending(s.handleTOTP)},
		{"POST /logout", signedIn(s.handleLogout)},
		{"POST /logout/everywhere", signedIn(s.handleLogoutEverywhere)},

		{"GET /{$}", signedIn(s.handleHome)},
		{"GET /account", signedIn(s.handleAccount)},
		{"POST /account/password", signedIn(s.handleChangePassword)},
		{"POST /account/totp", signedIn(s.handleTOTPEnroll)},
		{"POST /account/totp/confirm", signedIn(s.handleTOTPConfirm)},

		{"GET /admin/users", admin(s.handleUsers)},
		{"POST /admin/users", admin(s.handleCreateUser)},
		{"POST /admin/users/{id}/role", admin(s.handleSetRole)},
		{"POST /admin/users/{id}/disable", admin(s.handleDisable)},
		{"POST /admin/users/{id}/enable", admin(s.handleEnable)},
		{"POST /admin/users/{id}/password", admin(s.handleResetPassword)},
		{"POST /admin/users/{id}/sessions/end", admin(s.handleEndSessions)},
		{"GET /admin/keys", admin(s.handleKeys)},
		{"POST /admin/keys", admin(s.handleCreateKey)},
		{"POST /admin/keys/{id}/revoke", admin(s.handleRevokeKey)},
		{"GET /admin/audit", admin(s.handleAuditLog)},
		{"GET /admin/directory", admin(s.handleDirectory)},
		{"POST /admin/directory", admin(s.handleDirectoryImport)},
		{"GET /queue", staff(s.handleQueue)},
		{"GET /cases", staff(s.handleCases)},
		{"GET /cases/{id}", staff(s.handleCase)},
		{"GET /referrals", police(s.handleReferrals)},
		{"GET /cases/{id}/referral", police(s.handleReferral)},
		{"GET /cases/{id}/referral.json", police(s.handleReferralJSON)},
		{"POST /cases/{id}/hold", supervisor(s.handleLegalHold)},
		{"GET /confirmations", staff(s.handleConfirmations)},
		{"GET /items/{id}", staff(s.handleItem)},
		{"GET /items/{id}/preview.png", staff(s.handlePreview)},
		{"POST /items/{id}/reveal", staff(s.handleReveal)},
		{"GET /items/{id}/original", staff(s.handleOriginal)},
		{"POST /items/{id}/assess", staff(s.handleAssess)},
		{"POST /items/{id}/confirm", staff(s.handleConfirm)},
		{"POST /items/{id}/family-confirm", staff(s.handleFamilyConfirm)},
		{"GET /account/wellness", staff(s.handleWellness)},
		{"POST /account/wellness", staff(s.handleSaveWellness)},
		{"GET /review/entries", supervisor(s.handleReviewEntries)},
		{"POST /review/entries/{id}/restore", supervisor(s.handleReviewDecision(vigie.EntryActive, "review.restored"))},
		{"POST /review/entries/{id}/disable", supervisor(s.handleReviewDecision(vigie.EntryDisabled, "review.disabled"))},

		{"GET /stats", supervisor(s.handleStats)},
		{"GET /stats/dsa.csv", supervisor(s.handleDSACSV)},
		{"GET /stats/dsa.json", supervisor(s.handleDSAJSON)},
		{"GET /api/v1/blocklist", partner(s.handleAPIBlocklist)},

		{"GET /api/v1/openapi.json", page(s.handleOpenAPI)},
		{"GET /api/v1/me", partner(s.handleAPIMe)},
		{"POST /api/v1/reports", s.optionalAPIKey(s.handleAPIReport)},
		{"GET /api/v1/reports/{code}", page(s.handleAPIReportStatus)},
		{"POST /api/v1/lookup", partner(s.handleAPILookup)},
		{"GET /api/v1/banks", partner(s.handleAPIBanks)},
		{"GET /api/v1/banks/{name}/entries", partner(s.handleAPIEntries)},
		{"POST /api/v1/banks/{name}/entries", partner(s.handleAPIAddEntries)},

		{"GET /m/lookup", partner(s.handleHMALookup)},
		{"POST /m/lookup", partner(s.handleHMALookupPost)},
		{"GET /m/raw_lookup", partner(s.handleHMARawLookup)},
	}
}

// routes builds the handler: the mux, wrapped (outermost first) in panic
// recovery, metrics and logging, security headers, CSRF protection and the
// session lookup.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.apiRoute = nil
	for _, r := range s.routeTable() {
		mux.Handle(r.pattern, r.handler)
		if strings.Contains(r.pattern, " /api/v1/") {
			s.apiRoute = append(s.apiRoute, r)
		}
	}
	mux.Handle("/", http.HandlerFunc(s.handleNotFound))
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(s.handleCrossOrigin))
	var h http.Handler = mux
	h = s.loadSession(h)
	h = csrf.Handler(h)
	h = securityHeaders(h)
	h = s.observe(h)
	return s.recoverPanics(h)
}

// APIRoutes returns the "METHOD /path" patterns registered under /api/v1.
func (s *Server) APIRoutes() []string {
	var out []string
	for _, r := range s.apiRoute {
		out = append(out, r.pattern)
	}
	return out
}
