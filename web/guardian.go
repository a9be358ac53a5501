package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"strings"

	vigie "github.com/vigie-hotline/vigie"
)

// guardianCSP is the page policy of /guardian: the site's policy, plus the
// compilation of the WebAssembly hasher that runs in the parent's browser.
const guardianCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// maxGuardianBody bounds a registration: about a thousand fingerprints.
const maxGuardianBody = 512 << 10

// guardianActor names the parents' side in the audit log: parents have no
// account, and their e-mail is never written there.
const guardianActor = "guardian@web"

type guardianPage struct {
	Page
	Email  string
	Hashes string
	Sent   bool
	Error  string
}

// handleGuardianForm shows the parents' page: photos are fingerprinted in
// the browser, and only the fingerprints are sent.
func (s *Server) handleGuardianForm(w http.ResponseWriter, r *http.Request) {
	s.renderGuardian(w, http.StatusOK, "guardian", guardianPage{Page: s.page(r, "guardian.title")})
}

// renderGuardian renders a guardian page under the policy that lets the
// WebAssembly hasher run.
func (s *Server) renderGuardian(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Security-Policy", guardianCSP)
	s.render(w, status, name, data)
}

// handleGuardianRegister stores a pending registration and sends the
// verification link. Nothing is matched before the link is followed.
func (s *Server) handleGuardianRegister(w http.ResponseWriter, r *http.Request) {
	p := guardianPage{Page: s.page(r, "guardian.title")}
	r.Body = http.MaxBytesReader(w, r.Body, maxGuardianBody)
	if err := r.ParseForm(); err != nil {
		s.guardianError(w, p, vigie.Errorf(vigie.ETOOLARGE, "too many photos at once; please send them in several goes"))
		return
	}
	p.Email, p.Hashes = strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("hashes")
	err := s.guardianAvailable()
	if err == nil {
		err = s.allowReport(r, 1)
	}
	if err == nil {
		err = s.registerFamily(vigie.NewContextWithActor(r.Context(), guardianActor), r, p.Email, p.Hashes, p.Lang)
	}
	if err != nil {
		s.guardianError(w, p, err)
		return
	}
	p.Sent, p.Hashes = true, ""
	s.renderGuardian(w, http.StatusOK, "guardian", p)
}

func (s *Server) guardianAvailable() error {
	if s.Guardian == nil || s.FamilyNotifier == nil {
		return vigie.Errorf(vigie.ENOTIMPLEMENTED, "registration is not available on this server: it has no mail server to confirm addresses")
	}
	return nil
}

func (s *Server) guardianError(w http.ResponseWriter, p guardianPage, err error) {
	if vigie.ErrorCode(err) == vigie.EINTERNAL {
		s.Logger.Error("guardian registration", "err", err)
	}
	p.Error = vigie.ErrorMessage(err)
	s.renderGuardian(w, ErrorStatus(err), "guardian", p)
}

// registerFamily checks the address and the fingerprints, stores the
// pending registration and mails its link.
func (s *Server) registerFamily(ctx context.Context, r *http.Request, email, hashes, lang string) error {
	addr, err := mail.ParseAddress(email)
	if err != nil || len(email) > 254 || addr.Address != email {
		return vigie.Errorf(vigie.EINVALID, "this e-mail address does not look right")
	}
	photos, err := parseFamilyPhotos(hashes)
	if err != nil {
		return err
	}
	token, sum := newFamilyToken()
	f := &vigie.Family{Email: email, Lang: lang, TokenHash: sum, TokenExpiresAt: s.Now().Add(vigie.FamilyTokenTTL)}
	if err := s.Guardian.RegisterFamily(ctx, f, photos); err != nil {
		return err
	}
	link := s.publicBase(r) + "/guardian/verify?token=" + url.QueryEscape(token)
	if err := s.FamilyNotifier.SendFamilyVerification(ctx, f, link); err != nil {
		s.Logger.Warn("guardian verification e-mail not sent", "family", f.ID, "err", vigie.ErrorMessage(err))
		return vigie.Errorf(vigie.EUNAVAILABLE, "we could not send the confirmation e-mail just now; please try again in a few minutes")
	}
	return nil
}

// familySubmission is the JSON the page (and `vigie guardian hash`) sends.
type familySubmission struct {
	Version int                 `json:"version"`
	Hashes  []vigie.FamilyPhoto `json:"hashes"`
}

// parseFamilyPhotos reads the fingerprints, refusing photos too plain to
// be recognised: they would raise false alarms.
func parseFamilyPhotos(raw string) ([]vigie.FamilyPhoto, error) {
	var sub familySubmission
	if err := json.Unmarshal([]byte(raw), &sub); err != nil || sub.Version != 1 {
		return nil, vigie.Errorf(vigie.EINVALID, "choose your photos first: their fingerprints are computed on your device before anything is sent")
	}
	if len(sub.Hashes) == 0 {
		return nil, vigie.Errorf(vigie.EINVALID, "no photo could be fingerprinted; choose other photos")
	}
	for _, p := range sub.Hashes {
		if p.Quality < vigie.FamilyMinQuality {
			return nil, vigie.Errorf(vigie.EINVALID, "a photo is too plain to be recognised reliably (quality %d, at least %d is needed); leave it out", p.Quality, vigie.FamilyMinQuality)
		}
	}
	return sub.Hashes, nil
}

// newFamilyToken returns a verification token and the SHA-256 stored.
func newFamilyToken() (string, []byte) {
	var b [32]byte
	rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(token))
	return token, sum[:]
}

func familyTokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return sum[:]
}

// publicBase is the address links in e-mails start with: PublicURL when
// set (it should be in production), else the address of the request.
func (s *Server) publicBase(r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type guardianVerifyPage struct {
	Page
	Token  string
	Photos int
	Case   string
	PIN    string
	Error  string
}

// handleGuardianVerifyForm shows what the link activates, with a button:
// a link opened by a mail scanner must not spend the one-time PIN.
func (s *Server) handleGuardianVerifyForm(w http.ResponseWriter, r *http.Request) {
	p := guardianVerifyPage{Page: s.page(r, "guardian.verify_title"), Token: r.URL.Query().Get("token")}
	err := s.guardianAvailable()
	if err == nil {
		var f *vigie.Family
		if f, _, err = s.Guardian.FindPendingFamily(r.Context(), familyTokenHash(p.Token)); err == nil {
			p.Photos = f.Photos
		}
	}
	if err != nil {
		s.guardianVerifyError(w, p, err)
		return
	}
	s.renderGuardian(w, http.StatusOK, "guardian_verify", p)
}

// handleGuardianVerify activates a registration: the fingerprints enter
// the family bank (those that match too much held for review), and the
// case number and PIN are shown, once.
func (s *Server) handleGuardianVerify(w http.ResponseWriter, r *http.Request) {
	ctx := vigie.NewContextWithActor(r.Context(), guardianActor)
	p := guardianVerifyPage{Page: s.page(r, "guardian.verify_title")}
	err := s.guardianAvailable()
	var f *vigie.Family
	if err == nil {
		f, p.PIN, err = s.activateFamily(ctx, familyTokenHash(r.PostFormValue("token")))
	}
	if err != nil {
		s.guardianVerifyError(w, p, err)
		return
	}
	p.Case, p.Photos, p.PIN = f.CaseNumber, f.Photos, p.PIN[:4]+" "+p.PIN[4:]
	s.renderGuardian(w, http.StatusOK, "guardian_verify", p)
}

func (s *Server) guardianVerifyError(w http.ResponseWriter, p guardianVerifyPage, err error) {
	if vigie.ErrorCode(err) == vigie.EINTERNAL {
		s.Logger.Error("guardian verification", "err", err)
	}
	p.Error, p.Token = vigie.ErrorMessage(err), ""
	s.renderGuardian(w, ErrorStatus(err), "guardian_verify", p)
}

// activateFamily gives the registration a case number and a PIN (stored
// with argon2id) and returns the PIN. Case numbers collide with negligible
// odds; a collision is retried.
func (s *Server) activateFamily(ctx context.Context, tokenHash []byte) (*vigie.Family, string, error) {
	_, photos, err := s.Guardian.FindPendingFamily(ctx, tokenHash)
	if err != nil {
		return nil, "", err
	}
	suspect, err := s.suspectPhotos(ctx, photos)
	if err != nil {
		return nil, "", err
	}
	for range 3 {
		code, pin := newFamilyCase()
		hash, err := HashPassword(pin)
		if err != nil {
			return nil, "", err
		}
		f, err := s.Guardian.ActivateFamily(ctx, vigie.FamilyActivation{TokenHash: tokenHash, CaseNumber: code, PINHash: hash, Suspect: suspect})
		if vigie.ErrorCode(err) != vigie.ECONFLICT {
			return f, pin, err
		}
	}
	return nil, "", vigie.Errorf(vigie.EINTERNAL, "could not allocate a case number")
}

// suspectPhotos returns the PDQ hashes that match at least
// FamilySuspectMatches entries of known or benign banks: a hash that
// resembles that much is too generic, and would raise false alarms.
func (s *Server) suspectPhotos(ctx context.Context, photos []vigie.FamilyPhoto) (map[string]bool, error) {
	suspect := map[string]bool{}
	if s.Matcher == nil || s.FamilySuspectMatches <= 0 {
		return suspect, nil
	}
	banks, err := s.Banks.FindBanks(ctx, vigie.BankFilter{})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, b := range banks {
		if b.Kind == vigie.BankKnown || b.Kind == vigie.BankBenign {
			names = append(names, b.Name)
		}
	}
	if len(names) == 0 {
		return suspect, nil
	}
	for _, p := range photos {
		ms, err := s.Matcher.Match(ctx, []vigie.Signal{{Type: vigie.SignalPDQ, Value: p.PDQ}}, vigie.MatchOptions{Banks: names})
		if err != nil {
			return nil, err
		}
		if len(ms) >= s.FamilySuspectMatches {
			suspect[p.PDQ] = true
		}
	}
	return suspect, nil
}

// newFamilyCase returns a case number ("FA-…") and an 8-digit PIN.
func newFamilyCase() (code, pin string) { return newCode("FA-") }

type guardianStatusPage struct {
	Page
	Case      string
	Status    *vigie.FamilyStatus
	Withdrawn bool
	Error     string
}

func (s *Server) handleGuardianStatusForm(w http.ResponseWriter, r *http.Request) {
	p := guardianStatusPage{Page: s.page(r, "guardian.status_title"), Case: r.URL.Query().Get("case")}
	s.renderGuardian(w, http.StatusOK, "guardian_status", p)
}

// handleGuardianStatus shows a family how many photos are registered and
// whether any was found: counts only. Each display is audited.
func (s *Server) handleGuardianStatus(w http.ResponseWriter, r *http.Request) {
	ctx := vigie.NewContextWithActor(r.Context(), guardianActor)
	p := guardianStatusPage{Page: s.page(r, "guardian.status_title"), Case: normalizeCase(r.PostFormValue("case"))}
	f, err := s.familyByPIN(ctx, r, p.Case, r.PostFormValue("pin"))
	var st vigie.FamilyStatus
	if err == nil {
		st, err = s.Guardian.FamilyStatus(ctx, f.ID)
	}
	if err == nil {
		_, err = s.Audit.AppendAudit(ctx, "guardian.status_view", "family:"+itoa(f.ID), map[string]any{"found": st.Found})
	}
	if err != nil {
		s.guardianStatusError(w, p, err)
		return
	}
	p.Status = &st
	s.renderGuardian(w, http.StatusOK, "guardian_status", p)
}

// handleGuardianWithdraw deletes every fingerprint of a registration at
// once, on the case number and PIN.
func (s *Server) handleGuardianWithdraw(w http.ResponseWriter, r *http.Request) {
	ctx := vigie.NewContextWithActor(r.Context(), guardianActor)
	p := guardianStatusPage{Page: s.page(r, "guardian.status_title"), Case: normalizeCase(r.PostFormValue("case"))}
	f, err := s.familyByPIN(ctx, r, p.Case, r.PostFormValue("pin"))
	if err == nil && r.PostFormValue("confirm") != "on" {
		err = vigie.Errorf(vigie.EINVALID, "tick the box to confirm that every fingerprint is to be deleted")
	}
	if err == nil {
		err = s.Guardian.WithdrawFamily(ctx, f.ID)
	}
	if err != nil {
		s.guardianStatusError(w, p, err)
		return
	}
	p.Withdrawn = true
	s.renderGuardian(w, http.StatusOK, "guardian_status", p)
}

func (s *Server) guardianStatusError(w http.ResponseWriter, p guardianStatusPage, err error) {
	if vigie.ErrorCode(err) == vigie.EINTERNAL {
		s.Logger.Error("guardian status", "err", err)
	}
	p.Error = vigie.ErrorMessage(err)
	s.renderGuardian(w, ErrorStatus(err), "guardian_status", p)
}

func normalizeCase(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// familyByPIN checks a case number and PIN. Wrong guesses count per
// address and per case number, as sign-in failures do.
func (s *Server) familyByPIN(ctx context.Context, r *http.Request, caseNumber, pin string) (*vigie.Family, error) {
	if err := s.guardianAvailable(); err != nil {
		return nil, err
	}
	ipKey, caseKey := "guardian-ip:"+clientIP(r), "guardian-case:"+caseNumber
	if wait, err := s.throttled(ctx, ipKey, caseKey); err != nil {
		return nil, err
	} else if wait > 0 {
		return nil, vigie.Errorf(vigie.ETHROTTLED, "too many wrong case numbers or PINs; try again in %d minutes", minutes(wait))
	}
	pin = strings.ReplaceAll(strings.TrimSpace(pin), " ", "")
	f, err := s.Guardian.FindFamilyByCase(ctx, caseNumber)
	hash := dummyHash
	if err == nil {
		hash = f.PINHash
	}
	if !CheckPassword(pin, hash) && err == nil {
		err = vigie.Errorf(vigie.ENOTFOUND, "no registration matches this case number and PIN")
	}
	if vigie.ErrorCode(err) != vigie.ENOTFOUND {
		return f, err
	}
	err = vigie.Errorf(vigie.ENOTFOUND, "no registration matches this case number and PIN")
	for _, key := range []string{ipKey, caseKey} {
		if rerr := s.Throttle.RecordLoginFailure(ctx, s.Now(), key); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
	}
	return nil, err
}

// handleFamilyConfirm records an analyst's confirmation that a family item
// shows the family's photo; the family is then told, with care.
func (s *Server) handleFamilyConfirm(w http.ResponseWriter, r *http.Request) {
	it, err := s.itemFromPath(r)
	if err == nil {
		err = s.guardianAvailable()
	}
	if err == nil {
		_, err = s.Guardian.ConfirmFamilyMatch(r.Context(), it.ID, userFrom(r.Context()).ID)
	}
	s.afterDecision(w, r, err, "guardian.item_confirmed")
}
