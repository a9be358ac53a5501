package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticRoot embed.FS

func staticFS() fs.FS {
	sub, err := fs.Sub(staticRoot, "static")
	if err != nil {
		panic(err) // the folder is embedded; this cannot fail
	}
	return sub
}

// parsePages parses every page with the layout, once, at start.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"list": func(v ...string) []string { return v },
		"date": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"datep": func(t *time.Time) string {
			if t == nil {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", name)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages, nil
}

// Page is what every template receives: the language, the signed-in user,
// and a translator. Pages embed it in their own typed struct.
type Page struct {
	Lang string
	// Path is the page's own path, where the language switcher returns.
	Path  string
	User  *vigie.User
	Title string
	msgs  catalog
}

// T translates key into the page's language.
func (p Page) T(key string, args ...any) string { return p.msgs.T(p.Lang, key, args...) }

// Langs lists the languages to offer in the switcher.
func (p Page) Langs() []string { return languages }

// IsSupervisor reports whether the signed-in user reviews decisions.
func (p Page) IsSupervisor() bool {
	return p.User != nil && (p.User.Role == vigie.RoleSupervisor || p.User.Role == vigie.RoleAdmin)
}

// IsStaff reports whether the signed-in user assesses content.
func (p Page) IsStaff() bool {
	return p.User != nil && (p.User.Role == vigie.RoleAnalyst || p.User.Role == vigie.RoleSupervisor)
}

// IsPolice reports whether the signed-in user reads referral packages.
func (p Page) IsPolice() bool {
	return p.User != nil && (p.User.Role == vigie.RolePolice || p.User.Role == vigie.RoleSupervisor)
}

// IsAdmin reports whether the signed-in user administers accounts.
func (p Page) IsAdmin() bool { return p.User != nil && p.User.Role == vigie.RoleAdmin }

func (s *Server) page(r *http.Request, titleKey string) Page {
	p := Page{Lang: requestLang(r), Path: r.URL.Path, User: userFrom(r.Context()), msgs: s.msgs}
	p.Title = p.T(titleKey)
	return p
}

// render writes the named page. It renders into a buffer first so that a
// template error becomes a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	t, ok := s.pages[name]
	if !ok {
		s.Logger.Error("unknown page", "page", name)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		s.Logger.Error("render page", "page", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// statusOf maps error codes to HTTP statuses: the one table of them.
var statusOf = map[string]int{
	vigie.ECONFLICT:       http.StatusConflict,
	vigie.EINTERNAL:       http.StatusInternalServerError,
	vigie.EINVALID:        http.StatusBadRequest,
	vigie.ENOTFOUND:       http.StatusNotFound,
	vigie.ENOTIMPLEMENTED: http.StatusNotImplemented,
	vigie.EUNAUTHORIZED:   http.StatusUnauthorized,
	vigie.EFORBIDDEN:      http.StatusForbidden,
	vigie.ETHROTTLED:      http.StatusTooManyRequests,
	vigie.ETOOLARGE:       http.StatusRequestEntityTooLarge,
	vigie.EUNAVAILABLE:    http.StatusServiceUnavailable,
}

// ErrorStatus returns the HTTP status for err.
func ErrorStatus(err error) int {
	if st, ok := statusOf[vigie.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

type errorPage struct {
	Page
	Status  int
	Message string
}

// pageError renders err as an HTML page. Internal errors are logged and
// shown as a generic message.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	code := vigie.ErrorCode(err)
	if code == vigie.EINTERNAL {
		s.Logger.Error("internal error", "route", r.Pattern, "err", err)
	}
	p := errorPage{Page: s.page(r, "error.title"), Status: ErrorStatus(err)}
	p.Message = p.T("error." + code)
	if code != vigie.EINTERNAL && code != vigie.EFORBIDDEN && code != vigie.ENOTFOUND {
		p.Message = vigie.ErrorMessage(err)
	}
	s.render(w, p.Status, "error", p)
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// jsonError writes err as {"error": {"code", "message"}}.
func (s *Server) jsonError(w http.ResponseWriter, r *http.Request, err error) {
	if vigie.ErrorCode(err) == vigie.EINTERNAL {
		s.Logger.Error("internal error", "route", r.Pattern, "err", err)
	}
	writeJSON(w, ErrorStatus(err), map[string]apiError{"error": {Code: vigie.ErrorCode(err), Message: vigie.ErrorMessage(err)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.jsonError(w, r, vigie.Errorf(vigie.ENOTFOUND, "no such API route"))
		return
	}
	s.pageError(w, r, vigie.Errorf(vigie.ENOTFOUND, "not found"))
}

func (s *Server) handleCrossOrigin(w http.ResponseWriter, r *http.Request) {
	s.Logger.Warn("cross-origin request refused", "method", r.Method, "route", r.URL.Path, "origin", r.Header.Get("Origin"))
	p := errorPage{Page: s.page(r, "error.title"), Status: http.StatusForbidden}
	p.Message = p.T("error.cross_origin")
	s.render(w, http.StatusForbidden, "error", p)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": vigie.Version})
}

// handleLang saves the chosen language in a cookie and goes back.
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if !validLang(lang) {
		s.pageError(w, r, vigie.Errorf(vigie.EINVALID, "unknown language"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	if u := userFrom(r.Context()); u != nil {
		s.Users.UpdateUser(r.Context(), u.ID, vigie.UserUpdate{Lang: &lang})
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) secure(r *http.Request) bool { return s.SecureCookies || r.TLS != nil }
