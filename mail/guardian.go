package mail

import (
	"context"

	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.FamilyNotifier = (*FamilyNotifier)(nil)

// FamilyNotifier writes to the families who registered photos, from the
// templates guardian_verify and guardian_found, in the family's language.
type FamilyNotifier struct {
	Mailer    vigie.Mailer
	Templates *Templates
	// Hotline is the hotline's name, as families know it.
	Hotline string
}

// familyData is what the guardian templates receive.
type familyData struct {
	Hotline    string
	CaseNumber string
	Link       string
	Hours      int
}

// SendFamilyVerification sends the link that confirms the address.
func (n *FamilyNotifier) SendFamilyVerification(ctx context.Context, f *vigie.Family, link string) error {
	return n.send(ctx, f, "guardian_verify", familyData{Hotline: n.Hotline, Link: link, Hours: int(vigie.FamilyTokenTTL.Hours())})
}

// SendFamilyFound tells the family that one of their photos was found. The
// message names the case number only: no image, no address of the content.
func (n *FamilyNotifier) SendFamilyFound(ctx context.Context, f *vigie.Family) error {
	return n.send(ctx, f, "guardian_found", familyData{Hotline: n.Hotline, CaseNumber: f.CaseNumber})
}

func (n *FamilyNotifier) send(ctx context.Context, f *vigie.Family, name string, d familyData) error {
	if f.Email == "" {
		return vigie.Errorf(vigie.EINVALID, "the registration has no e-mail address")
	}
	e, err := n.Templates.Render(name, f.Lang, d)
	if err != nil {
		return err
	}
	e.To = []string{f.Email}
	_, err = n.Mailer.Send(ctx, e)
	return err
}
