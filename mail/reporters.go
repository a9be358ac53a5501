package mail

import (
	"context"

	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.ReporterNotifier = (*Reporters)(nil)

// Reporters writes to people who reported a URL and left an e-mail.
type Reporters struct {
	Templates *Templates
	Mailer    vigie.Mailer
	Hotline   string
	PublicURL string
}

// NotifyOutcome sends the coarse outcome of r's case, in the reporter's
// language: action taken, no action needed, or address unreachable.
func (n *Reporters) NotifyOutcome(ctx context.Context, r *vigie.Report, c *vigie.Case) error {
	e, err := n.Templates.Render("report_outcome", r.Lang, map[string]string{
		"Hotline": n.Hotline, "Code": r.Code, "Outcome": c.State.PublicState(), "StatusURL": n.PublicURL + "/report/status?code=" + r.Code,
	})
	if err != nil {
		return err
	}
	e.To = []string{r.Contact}
	_, err = n.Mailer.Send(ctx, e)
	return err
}
