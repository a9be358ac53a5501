package mail_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/internal/mailtest"
	"github.com/vigie-hotline/vigie/mail"
)

func TestSender(t *testing.T) {
	mp := mailtest.Start(t)
	s := mail.NewSender(mp.URL(), "Vigie <notices@hotline.example>")
	e := &vigie.Email{To: []string{"abuse@host.example"}, Cc: []string{"supervisor@hotline.example"}, ReplyTo: "cases@hotline.example",
		Subject: "Notification de contenu illicite — réf. VG-1", Text: "Bonjour,\nTexte.", HTML: "<p>Bonjour,</p>", Lang: "fr"}
	id, err := s.Send(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(id, "@hotline.example") {
		t.Fatalf("Message-ID %q", id)
	}
	msgs := mp.Wait(t, 1, 10*time.Second)
	got := mp.Message(t, msgs[0].ID)
	if got.Subject != e.Subject || got.To[0].Address != "abuse@host.example" || got.Cc[0].Address != "supervisor@hotline.example" {
		t.Fatalf("message %+v", got)
	}
	if len(got.ReplyTo) == 0 || got.ReplyTo[0].Address != "cases@hotline.example" {
		t.Fatalf("Reply-To %+v", got.ReplyTo)
	}
	if !strings.Contains(got.Text, "Bonjour") || !strings.Contains(got.HTML, "<p>Bonjour,</p>") {
		t.Fatalf("bodies: %q / %q", got.Text, got.HTML)
	}
	if got.MessageID != strings.Trim(id, "<>") {
		t.Fatalf("MessageID %q, sent %q", got.MessageID, id)
	}
	if h := mp.Headers(t, msgs[0].ID); len(h["Content-Language"]) == 0 || h["Content-Language"][0] != "fr" {
		t.Fatalf("Content-Language %v", h["Content-Language"])
	}
}

func TestSender_ErrUnavailable(t *testing.T) {
	t.Run("Refused", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now
		s := mail.NewSender("smtp+insecure://"+addr, "v@hotline.example")
		_, err := s.Send(context.Background(), &vigie.Email{To: []string{"a@b.example"}, Subject: "s", Text: "t"})
		if got, want := vigie.ErrorCode(err), vigie.EUNAVAILABLE; got != want {
			t.Fatalf("code=%q (%v), want %q", got, err, want)
		}
	})
	t.Run("Timeout", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		go func() { // accepts and says nothing: a stuck server
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		s := mail.NewSender("smtp+insecure://"+ln.Addr().String(), "v@hotline.example")
		s.Timeout = 500 * time.Millisecond
		start := time.Now()
		_, err := s.Send(context.Background(), &vigie.Email{To: []string{"a@b.example"}, Subject: "s", Text: "t"})
		if vigie.ErrorCode(err) != vigie.EUNAVAILABLE || time.Since(start) > 10*time.Second {
			t.Fatalf("err=%v after %v", err, time.Since(start))
		}
	})
	t.Run("ErrBadURL", func(t *testing.T) {
		_, err := mail.NewSender("ftp://x", "v@hotline.example").Send(context.Background(), &vigie.Email{To: []string{"a@b.example"}})
		if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
			t.Fatalf("code=%q, want %q", got, want)
		}
	})
}

func TestTemplates(t *testing.T) {
	tpl, err := mail.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, subject string }{{"fr", "Message d'essai de Vigie"}, {"en", "Vigie test message"}, {"de", "Message d'essai de Vigie"}} {
		e, err := tpl.Render("test", tc.lang, map[string]string{"Sender": "a <b>"})
		if err != nil {
			t.Fatal(err)
		}
		if e.Subject != tc.subject || !strings.Contains(e.Text, "a <b>") {
			t.Fatalf("%s: %q / %q", tc.lang, e.Subject, e.Text)
		}
	}
	if _, err := tpl.Render("test", "fr", map[string]string{}); err == nil {
		t.Fatal("a missing field rendered without error")
	}
}

func TestSender_ErrNotConfigured(t *testing.T) {
	_, err := mail.NewSender("", "v@hotline.example").Send(context.Background(), &vigie.Email{To: []string{"a@b.example"}, Subject: "s", Text: "t"})
	if got, want := vigie.ErrorCode(err), vigie.EUNAVAILABLE; got != want {
		t.Fatalf("code=%q, want %q (jobs must retry until an SMTP server is configured)", got, want)
	}
}
