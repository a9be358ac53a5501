// Package mail sends Vigie's e-mail over SMTP, and renders its messages
// from templates in French and English.
package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	vigie "github.com/vigie-hotline/vigie"
	gomail "github.com/wneessen/go-mail"
)

var _ vigie.Mailer = (*Sender)(nil)

// Sender sends through one SMTP server.
type Sender struct {
	// URL is smtp://[user:pass@]host[:port] (STARTTLS when the server offers
	// it), smtps://… (TLS from the start), or smtp+insecure://… (no TLS, for
	// a server on loopback).
	URL string
	// From is the sender address, e.g. "Vigie <notices@hotline.example>".
	From string
	// Domain ends the Message-IDs: <random@Domain>.
	Domain  string
	Timeout time.Duration
	Logger  *slog.Logger
}

// NewSender returns a Sender with defaults filled in.
func NewSender(smtpURL, from string) *Sender {
	domain := "vigie.invalid"
	if i := strings.LastIndex(from, "@"); i >= 0 {
		domain = strings.Trim(from[i+1:], "> ")
	}
	return &Sender{URL: smtpURL, From: from, Domain: domain, Timeout: 30 * time.Second, Logger: slog.New(slog.DiscardHandler)}
}

// client builds an SMTP client from the URL.
func (s *Sender) client() (*gomail.Client, error) {
	if s.URL == "" {
		// Unavailable, not invalid: jobs retry, and succeed once Vigie is
		// restarted with --smtp.
		return nil, vigie.Errorf(vigie.EUNAVAILABLE, "no SMTP server is configured (--smtp)")
	}
	u, err := url.Parse(s.URL)
	if err != nil || u.Hostname() == "" {
		return nil, vigie.Errorf(vigie.EINVALID, "the SMTP URL must look like smtp://user:pass@host:587")
	}
	opts := []gomail.Option{gomail.WithTimeout(s.Timeout)}
	switch u.Scheme {
	case "smtp":
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSOpportunistic))
	case "smtps":
		opts = append(opts, gomail.WithSSLPort(false))
	case "smtp+insecure":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return nil, vigie.Errorf(vigie.EINVALID, "unknown SMTP scheme %q (use smtp, smtps or smtp+insecure)", u.Scheme)
	}
	if p := u.Port(); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil {
			return nil, vigie.Errorf(vigie.EINVALID, "bad SMTP port %q", p)
		}
		opts = append(opts, gomail.WithPort(port))
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
	}
	return gomail.NewClient(u.Hostname(), opts...)
}

// Send delivers e and returns its Message-ID.
func (s *Sender) Send(ctx context.Context, e *vigie.Email) (string, error) {
	msg, err := s.message(e)
	if err != nil {
		return "", err
	}
	c, err := s.client()
	if err != nil {
		return "", err
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		s.Logger.Warn("smtp send failed", "err", err)
		return "", vigie.Errorf(vigie.EUNAVAILABLE, "the mail server did not accept the message: %v", err)
	}
	return e.MessageID, nil
}

// message builds the MIME message. It sets e.MessageID when empty.
func (s *Sender) message(e *vigie.Email) (*gomail.Msg, error) {
	if len(e.To) == 0 {
		return nil, vigie.Errorf(vigie.EINVALID, "a message needs a recipient")
	}
	m := gomail.NewMsg()
	if err := m.From(s.From); err != nil {
		return nil, vigie.Errorf(vigie.EINVALID, "bad sender address %q", s.From)
	}
	if err := m.To(e.To...); err != nil {
		return nil, vigie.Errorf(vigie.EINVALID, "bad recipient address: %v", err)
	}
	if len(e.Cc) > 0 {
		if err := m.Cc(e.Cc...); err != nil {
			return nil, vigie.Errorf(vigie.EINVALID, "bad copy address: %v", err)
		}
	}
	if e.ReplyTo != "" {
		if err := m.ReplyTo(e.ReplyTo); err != nil {
			return nil, vigie.Errorf(vigie.EINVALID, "bad reply-to address: %v", err)
		}
	}
	if e.MessageID == "" {
		e.MessageID = s.newMessageID()
	}
	m.SetMessageIDWithValue(e.MessageID)
	m.SetDate()
	m.Subject(e.Subject)
	if e.Lang != "" {
		m.SetGenHeader("Content-Language", e.Lang)
	}
	m.SetBodyString(gomail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	}
	return m, nil
}

func (s *Sender) newMessageID() string {
	var b [12]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s.%d@%s", hex.EncodeToString(b[:]), time.Now().Unix(), s.Domain)
}
