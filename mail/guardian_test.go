package mail_test

import (
	"context"
	"strings"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/mail"
)

// sentMail keeps what would have been sent.
type sentMail struct{ got []*vigie.Email }

func (s *sentMail) Send(ctx context.Context, e *vigie.Email) (string, error) {
	s.got = append(s.got, e)
	return "id@test", nil
}

func TestFamilyNotifier(t *testing.T) {
	tpl, err := mail.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			out := &sentMail{}
			n := &mail.FamilyNotifier{Mailer: out, Templates: tpl, Hotline: "Point de Contact"}
			f := &vigie.Family{CaseNumber: "FA-7K3M9QXD", Email: "parent@family.example", Lang: lang}
			if err := n.SendFamilyVerification(context.Background(), f, "https://hotline.example/guardian/verify?token=abc"); err != nil {
				t.Fatal(err)
			}
			if err := n.SendFamilyFound(context.Background(), f); err != nil {
				t.Fatal(err)
			}
			verify, found := out.got[0], out.got[1]
			if got, want := verify.Lang, lang; got != want {
				t.Fatalf("Lang=%q, want %q", got, want)
			}
			if !strings.Contains(verify.Text, "token=abc") || verify.To[0] != f.Email {
				t.Fatalf("verification: %+v", verify)
			}
			for _, want := range []string{"FA-7K3M9QXD", "3018", "Point de Contact"} {
				if !strings.Contains(found.Text, want) {
					t.Errorf("the found message lacks %q:\n%s", want, found.Text)
				}
			}
			if strings.Contains(found.Text, "://") || strings.Contains(found.Text, "www.") || found.HTML != "" {
				t.Errorf("the found message carries an address or HTML:\n%s", found.Text)
			}
		})
	}
	t.Run("ErrNoAddress", func(t *testing.T) {
		n := &mail.FamilyNotifier{Mailer: &sentMail{}, Templates: tpl}
		err := n.SendFamilyFound(context.Background(), &vigie.Family{Lang: "fr"})
		if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
			t.Fatalf("code=%q, want %q", got, want)
		}
	})
}
