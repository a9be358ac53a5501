package web

import (
	"errors"
	"net/http"
	"strings"

	vigie "github.com/vigie-hotline/vigie"
)

type reportPage struct {
	Page
	Categories []string
	In         reportInput
	URLsText   string
	Error      string
	Bad        []badURL
}

func (s *Server) reportPage(r *http.Request) reportPage {
	return reportPage{Page: s.page(r, "report.title"), Categories: s.Categories, In: reportInput{Category: s.Categories[0]}}
}

func (s *Server) handleReportForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "report", s.reportPage(r))
}

// handleReport takes a report from the public form. It works without
// JavaScript; a filled honeypot field gets a plausible answer and nothing
// is stored, so that bots learn nothing.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	p := s.reportPage(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxReportBody)
	if err := r.ParseForm(); err != nil {
		s.reportFormError(w, p, vigie.Errorf(vigie.ETOOLARGE, "the report is too large: send at most %d addresses and %d KiB of text", vigie.MaxReportURLs, maxReportBody>>10))
		return
	}
	p.URLsText = r.PostFormValue("urls")
	p.In = reportInput{URLs: strings.Split(p.URLsText, "\n"), Category: r.PostFormValue("category"),
		SeenWhere: r.PostFormValue("seen_where"), Description: r.PostFormValue("description"),
		Email: r.PostFormValue("email"), Consent: r.PostFormValue("consent") == "on"}
	if r.PostFormValue("website") != "" {
		s.Logger.Info("report honeypot field filled; report dropped")
		code, pin := newTracking()
		s.render(w, http.StatusOK, "report_done", doneFor(s.page(r, "report.done_title"), code, pin))
		return
	}
	if err := s.allowReport(r, 1); err != nil {
		s.reportFormError(w, p, err)
		return
	}
	rep, bad, err := s.toReport(p.In, "web", p.Lang)
	if err == nil && len(bad) > 0 {
		p.Bad = bad
		err = vigie.Errorf(vigie.EINVALID, "some addresses could not be read")
	}
	if err != nil {
		s.reportFormError(w, p, err)
		return
	}
	pin, err := s.submitReport(vigie.NewContextWithActor(r.Context(), "reporter@web"), rep)
	if err != nil {
		s.reportFormError(w, p, err)
		return
	}
	s.render(w, http.StatusOK, "report_done", doneFor(s.page(r, "report.done_title"), rep.Code, pin))
}

func (s *Server) reportFormError(w http.ResponseWriter, p reportPage, err error) {
	if vigie.ErrorCode(err) == vigie.EINTERNAL {
		s.Logger.Error("report intake", "err", err)
	}
	p.Error = vigie.ErrorMessage(err)
	s.render(w, ErrorStatus(err), "report", p)
}

type reportDonePage struct {
	Page
	Code string
	PIN  string
}

func doneFor(p Page, code, pin string) reportDonePage {
	return reportDonePage{Page: p, Code: code, PIN: pin[:4] + " " + pin[4:]}
}

type statusPage struct {
	Page
	Code   string
	Status *reportStatus
	Error  string
}

func (s *Server) handleStatusForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "report_status", statusPage{Page: s.page(r, "status.title"), Code: r.URL.Query().Get("code")})
}

// handleStatus shows the coarse state of a report for its code and PIN.
// Wrong guesses count toward the address's sign-in throttle.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	p := statusPage{Page: s.page(r, "status.title"), Code: strings.TrimSpace(r.PostFormValue("code"))}
	st, err := s.lookupStatus(r, p.Code, r.PostFormValue("pin"))
	if err != nil {
		p.Error = vigie.ErrorMessage(err)
		s.render(w, ErrorStatus(err), "report_status", p)
		return
	}
	p.Status = &st
	s.render(w, http.StatusOK, "report_status", p)
}

// lookupStatus checks code and PIN, throttled per address.
func (s *Server) lookupStatus(r *http.Request, code, pin string) (reportStatus, error) {
	key := "status-ip:" + clientIP(r)
	if wait, err := s.throttled(r.Context(), key, key); err != nil {
		return reportStatus{}, err
	} else if wait > 0 {
		return reportStatus{}, vigie.Errorf(vigie.ETHROTTLED, "too many wrong codes or PINs; try again in %d minutes", minutes(wait))
	}
	rep, err := s.checkPIN(r.Context(), code, pin)
	if vigie.ErrorCode(err) == vigie.ENOTFOUND {
		if rerr := s.Throttle.RecordLoginFailure(r.Context(), s.Now(), key); rerr != nil {
			return reportStatus{}, errors.Join(err, rerr)
		}
	}
	if err != nil {
		return reportStatus{}, err
	}
	return s.statusOfReport(r.Context(), rep)
}

// handleAPIReport takes a report as JSON. Anyone may call it, within the
// public rate limit; a partner key raises the limit and names the source.
func (s *Server) handleAPIReport(w http.ResponseWriter, r *http.Request) {
	var in reportInput
	if err := decodeJSON(w, r, maxReportBody, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if in.Category == "" {
		in.Category = s.Categories[0]
	}
	source := "api"
	if k, u := apiKeyFrom(r.Context()), userFrom(r.Context()); k != nil {
		source = "partner:" + u.Username
	}
	if err := s.allowReport(r, 1); err != nil {
		s.jsonError(w, r, err)
		return
	}
	lang := in.Lang
	if !validLang(lang) {
		lang = requestLang(r)
	}
	rep, bad, err := s.toReport(in, source, lang)
	if err == nil && len(bad) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": apiError{Code: vigie.EINVALID, Message: "some URLs could not be read"}, "bad_urls": bad})
		return
	}
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	pin, err := s.submitReport(vigie.NewContextWithActor(r.Context(), "reporter@"+source), rep)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"code": rep.Code, "pin": pin, "urls": len(rep.URLs),
		"status_url": "/api/v1/reports/" + rep.Code})
}

// handleAPIReportStatus answers GET /api/v1/reports/{code} with the PIN in
// the X-Report-PIN header (or a pin parameter).
func (s *Server) handleAPIReportStatus(w http.ResponseWriter, r *http.Request) {
	pin := r.Header.Get("X-Report-PIN")
	if pin == "" {
		pin = r.URL.Query().Get("pin")
	}
	st, err := s.lookupStatus(r, r.PathValue("code"), pin)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// optionalAPIKey authenticates a partner key when one is sent and lets
// anonymous requests through.
func (s *Server) optionalAPIKey(next http.HandlerFunc) http.Handler {
	withKey := s.requireAPIKey(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			withKey.ServeHTTP(w, r)
			return
		}
		next(w, r)
	})
}
