package main

import (
	"time"

	"github.com/vigie-hotline/vigie/jobs"
	"github.com/vigie-hotline/vigie/mail"
	"github.com/vigie-hotline/vigie/sqldb"
	"github.com/vigie-hotline/vigie/web"
)

// guardian builds the parents' side: registrations stored in the
// database, the e-mail families receive, and the background work that
// sends it; its workers join the job queue, which must not be open yet.
func (c *ServeCmd) guardian(m *Main) (*jobs.Guardian, error) {
	tpl, err := mail.LoadTemplates()
	if err != nil {
		return nil, err
	}
	sender := mail.NewSender(c.SMTP, c.MailFrom)
	sender.Logger = m.Logger.With("component", "mail")
	g := &jobs.Guardian{
		Families: sqldb.NewGuardianService(m.DB, m.Jobs),
		Notifier: &mail.FamilyNotifier{Mailer: sender, Templates: tpl, Hotline: c.Hotline},
		Now:      time.Now,
		Logger:   m.Logger.With("component", "guardian"),
	}
	g.Register(m.Jobs)
	return g, nil
}

// serveGuardian opens /guardian on s. Registration needs a mail server to
// confirm addresses: without --smtp the page says it is not available.
func (c *ServeCmd) serveGuardian(m *Main, s *web.Server, g *jobs.Guardian) {
	s.Guardian, s.PublicURL = g.Families, c.PublicURL
	if c.SMTP == "" {
		m.Logger.Warn("no --smtp server: parents cannot register photos on /guardian")
		return
	}
	s.FamilyNotifier = g.Notifier
}
