package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/urlnorm"
)

// Limits of the public report form.
const (
	maxReportBody  = 256 << 10
	maxFieldLength = 4000
)

// reportInput is what a reporter sends, from the form or the API.
type reportInput struct {
	URLs        []string `json:"urls"`
	Category    string   `json:"category"`
	SeenWhere   string   `json:"seen_where"`
	Description string   `json:"description"`
	Email       string   `json:"email"`
	Consent     bool     `json:"consent"`
	Lang        string   `json:"lang"`
}

// badURL is a URL that could not be accepted, with the reason.
type badURL struct {
	URL    string `json:"url"`
	Reason string `json:"reason"`
}

// toReport checks the input and builds the report, normalising every URL.
// It returns the URLs it refused, each with its reason.
func (s *Server) toReport(in reportInput, source, lang string) (*vigie.Report, []badURL, error) {
	var urls []string
	for _, u := range in.URLs {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	switch {
	case len(urls) == 0:
		return nil, nil, vigie.Errorf(vigie.EINVALID, "give at least one address (URL)")
	case len(urls) > vigie.MaxReportURLs:
		return nil, nil, vigie.Errorf(vigie.EINVALID, "%d addresses in one report; at most %d are accepted", len(urls), vigie.MaxReportURLs)
	}
	if !contains(s.Categories, in.Category) {
		return nil, nil, vigie.Errorf(vigie.EINVALID, "unknown category %q", in.Category)
	}
	for _, f := range []string{in.SeenWhere, in.Description, in.Email} {
		if len(f) > maxFieldLength {
			return nil, nil, vigie.Errorf(vigie.ETOOLARGE, "a field is longer than %d characters", maxFieldLength)
		}
	}
	if in.Email != "" && (!strings.Contains(in.Email, "@") || strings.ContainsAny(in.Email, " \r\n<>")) {
		return nil, nil, vigie.Errorf(vigie.EINVALID, "the e-mail address %q does not look right", in.Email)
	}
	r := &vigie.Report{Category: in.Category, SeenWhere: strings.TrimSpace(in.SeenWhere), Description: strings.TrimSpace(in.Description),
		Contact: strings.TrimSpace(in.Email), ContactConsent: in.Consent && in.Email != "", Lang: lang, Source: source}
	var bad []badURL
	for _, u := range urls {
		n, err := urlnorm.Normalize(u)
		if err != nil {
			bad = append(bad, badURL{URL: u, Reason: vigie.ErrorMessage(err)})
			continue
		}
		r.URLs = append(r.URLs, vigie.ReportURL{Raw: u, Normalized: n})
	}
	return r, bad, nil
}

// newTracking returns a report's tracking code and PIN.
func newTracking() (code, pin string) { return newCode("VG-") }

// newCode returns prefix followed by 40 random bits in Crockford's base 32
// (no I, L, O, U: easy to read out), and an 8-digit PIN.
func newCode(prefix string) (code, pin string) {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [12]byte
	rand.Read(b[:])
	c := make([]byte, 8)
	v := binary.BigEndian.Uint64(b[:8])
	for i := range c {
		c[i] = alphabet[v&31]
		v >>= 5
	}
	return prefix + string(c), fmt.Sprintf("%08d", binary.BigEndian.Uint32(b[8:12])%100000000)
}

// pinHash is the stored form of a report's PIN: keyed with the server's
// secret so that a copy of the database does not reveal it, and cheap, so
// that intake stays fast (guessing is throttled online).
func (s *Server) pinHash(code, pin string) []byte {
	m := hmac.New(sha256.New, s.PINKey)
	m.Write([]byte(code + ":" + pin))
	return m.Sum(nil)
}

// submitReport stores a report and returns its PIN. Codes collide with
// negligible odds; a collision is retried.
func (s *Server) submitReport(ctx context.Context, r *vigie.Report) (string, error) {
	for range 3 {
		code, pin := newTracking()
		r.Code, r.PINHash = code, s.pinHash(code, pin)
		err := s.Reports.CreateReport(ctx, r)
		if vigie.ErrorCode(err) != vigie.ECONFLICT {
			return pin, err
		}
	}
	return "", vigie.Errorf(vigie.EINTERNAL, "could not allocate a tracking code")
}

// checkPIN returns the report for code if pin matches, else ENOTFOUND, the
// same answer as for an unknown code.
func (s *Server) checkPIN(ctx context.Context, code, pin string) (*vigie.Report, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	pin = strings.ReplaceAll(strings.TrimSpace(pin), " ", "")
	r, err := s.Reports.FindReportByCode(ctx, code)
	if err == nil && !hmac.Equal(r.PINHash, s.pinHash(code, pin)) {
		err = vigie.Errorf(vigie.ENOTFOUND, "no report matches this code and PIN")
	}
	if vigie.ErrorCode(err) == vigie.ENOTFOUND {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "no report matches this code and PIN")
	}
	return r, err
}

// reportStatus is the coarse state of each URL of a report.
type reportStatus struct {
	Code    string      `json:"code"`
	State   string      `json:"state"`
	URLs    []urlStatus `json:"urls"`
	Created string      `json:"created_at"`
}

type urlStatus struct {
	URL   string `json:"url"`
	State string `json:"state"`
}

// statusOfReport reads each URL's public state. The report's own state is
// the most telling of them: action taken, else still in progress, else no
// action, else unreachable.
func (s *Server) statusOfReport(ctx context.Context, r *vigie.Report) (reportStatus, error) {
	st := reportStatus{Code: r.Code, Created: r.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")}
	seen := map[string]bool{}
	for _, u := range r.URLs {
		c, err := s.Reports.FindCase(ctx, u.CaseID)
		if err != nil {
			return st, err
		}
		ps := c.State.PublicState()
		st.URLs = append(st.URLs, urlStatus{URL: u.Raw, State: ps})
		seen[ps] = true
	}
	for _, state := range []string{"action_taken", "in_progress", "no_action", "unreachable"} {
		if seen[state] {
			st.State = state
			break
		}
	}
	return st, nil
}

// allowReport applies the intake rate limit: per address for the public,
// per key for partners.
func (s *Server) allowReport(r *http.Request, n int) error {
	if k := apiKeyFrom(r.Context()); k != nil {
		if !s.partnerReports.allow(fmt.Sprint(k.ID), n) {
			return vigie.Errorf(vigie.ETHROTTLED, "this API key sent too many reports; slow down")
		}
		return nil
	}
	if !s.publicReports.allow(clientIP(r), n) {
		return vigie.Errorf(vigie.ETHROTTLED, "too many reports from your address; please try again later")
	}
	return nil
}
