package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"strings"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	vigie "github.com/vigie-hotline/vigie"
)

type accountPage struct {
	Page
	TOTPRequired bool
	// Enrolment in progress: the secret, its QR code and the otpauth URL.
	Secret string
	QR     template.URL
	Error  string
	Notice string
}

func (s *Server) accountPage(r *http.Request) accountPage {
	return accountPage{Page: s.page(r, "account.title"), TOTPRequired: s.mustEnrolTOTP(userFrom(r.Context()))}
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "account", s.accountPage(r))
}

// handleChangePassword changes the user's own password after checking the
// current one; other sessions end, this one is renewed.
func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) {
	u, p := userFrom(r.Context()), s.accountPage(r)
	current, next := r.PostFormValue("current"), r.PostFormValue("new")
	switch {
	case !CheckPassword(current, u.PasswordHash):
		p.Error = p.T("account.password_wrong")
	case len([]rune(next)) < 12:
		p.Error = p.T("account.password_short")
	}
	if p.Error != "" {
		s.render(w, http.StatusBadRequest, "account", p)
		return
	}
	hash, err := HashPassword(next)
	if err == nil {
		_, err = s.Users.UpdateUser(r.Context(), u.ID, vigie.UserUpdate{PasswordHash: &hash})
	}
	if err == nil {
		err = s.startSession(r.Context(), w, r, u)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Notice = p.T("account.password_changed")
	s.render(w, http.StatusOK, "account", p)
}

// handleTOTPEnroll starts enrolment: a new secret, shown as a QR code and as
// text. Nothing is stored until a code from it is confirmed.
func (s *Server) handleTOTPEnroll(w http.ResponseWriter, r *http.Request) {
	u, p := userFrom(r.Context()), s.accountPage(r)
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Vigie", AccountName: u.Username})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.showKey(&p, key); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "account", p)
}

func (s *Server) showKey(p *accountPage, key *otp.Key) error {
	img, err := key.Image(200, 200)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	p.Secret = key.Secret()
	p.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
	return nil
}

// handleTOTPConfirm stores the secret once the person proves their
// authenticator produces its codes.
func (s *Server) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	u, p := userFrom(r.Context()), s.accountPage(r)
	secret := strings.TrimSpace(r.PostFormValue("secret"))
	if secret == "" || !totp.Validate(strings.TrimSpace(r.PostFormValue("code")), secret) {
		key, err := otp.NewKeyFromURL("otpauth://totp/Vigie:" + u.Username + "?secret=" + secret + "&issuer=Vigie")
		if err == nil {
			err = s.showKey(&p, key)
		}
		if err != nil {
			s.pageError(w, r, vigie.Errorf(vigie.EINVALID, "start the enrolment again"))
			return
		}
		p.Error = p.T("totp.failed")
		s.render(w, http.StatusBadRequest, "account", p)
		return
	}
	if _, err := s.Users.UpdateUser(r.Context(), u.ID, vigie.UserUpdate{TOTPSecret: &secret}); err != nil {
		s.pageError(w, r, err)
		return
	}
	u.TOTPSecret = secret
	p.TOTPRequired = false
	p.Notice = p.T("account.totp_enrolled")
	s.render(w, http.StatusOK, "account", p)
}
