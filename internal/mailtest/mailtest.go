// Package mailtest runs a real SMTP server for tests: mailpit, built from
// the pinned module in tools/mailpit (scripts/test exports MAILPIT_BIN), on
// loopback ports, with its HTTP API to read what arrived.
package mailtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Mailpit is a running mailpit.
type Mailpit struct {
	// SMTP is host:port of its SMTP server, API the base URL of its HTTP API.
	SMTP, API string
}

// URL returns an SMTP URL for mail.Sender.
func (m *Mailpit) URL() string { return "smtp+insecure://" + m.SMTP }

// Start runs mailpit for the test's duration. It fails the test when
// mailpit cannot be found, unless VIGIE_TEST_SKIP lists "mail".
func Start(t testing.TB) *Mailpit {
	t.Helper()
	if strings.Contains(","+os.Getenv("VIGIE_TEST_SKIP")+",", ",mail,") {
		t.Skip("VIGIE_TEST_SKIP=mail")
	}
	bin := binary(t)
	m := &Mailpit{SMTP: freeAddr(t), API: "http://" + freeAddr(t)}
	cmd := exec.Command(bin, "--smtp", m.SMTP, "--listen", strings.TrimPrefix(m.API, "http://"),
		"--disable-version-check", "--smtp-disable-rdns", "--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		"--database", filepath.Join(t.TempDir(), "mailpit.db"))
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(m.API + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("mailpit did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// binary finds mailpit: MAILPIT_BIN, .bin/mailpit at the repository root,
// or mailpit on PATH.
func binary(t testing.TB) string {
	if b := os.Getenv("MAILPIT_BIN"); b != "" {
		return b
	}
	_, file, _, _ := runtime.Caller(0)
	local := filepath.Join(filepath.Dir(file), "..", "..", ".bin", "mailpit")
	if _, err := os.Stat(local); err == nil {
		return local
	}
	if b, err := exec.LookPath("mailpit"); err == nil {
		return b
	}
	t.Fatal("mailpit not found: run `go -C tools/mailpit build -o $PWD/.bin/mailpit github.com/axllent/mailpit` (scripts/test does), set MAILPIT_BIN, or set VIGIE_TEST_SKIP=mail")
	return ""
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Address is a recipient or sender as mailpit reports it.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Message is a message as mailpit's API returns it.
type Message struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Cc        []Address `json:"Cc"`
	ReplyTo   []Address `json:"ReplyTo"`
	Subject   string    `json:"Subject"`
	Text      string    `json:"Text"`
	HTML      string    `json:"HTML"`
}

// Messages returns the summaries of every message received, newest first.
func (m *Mailpit) Messages(t testing.TB) []Message {
	t.Helper()
	var list struct {
		Messages []Message `json:"messages"`
	}
	m.get(t, "/api/v1/messages", &list)
	return list.Messages
}

// Message returns one message in full.
func (m *Mailpit) Message(t testing.TB, id string) Message {
	t.Helper()
	var msg Message
	m.get(t, "/api/v1/message/"+url.PathEscape(id), &msg)
	return msg
}

// Headers returns the raw headers of a message.
func (m *Mailpit) Headers(t testing.TB, id string) map[string][]string {
	t.Helper()
	var h map[string][]string
	m.get(t, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h
}

// Wait returns the messages once at least n have arrived, or fails.
func (m *Mailpit) Wait(t testing.TB, n int, within time.Duration) []Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		if msgs := m.Messages(t); len(msgs) >= n {
			return msgs
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d messages arrived within %v, want %d", len(m.Messages(t)), within, n)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (m *Mailpit) get(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(m.API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
}

// String describes the server.
func (m *Mailpit) String() string { return fmt.Sprintf("mailpit smtp=%s api=%s", m.SMTP, m.API) }
