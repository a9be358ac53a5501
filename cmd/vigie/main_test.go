package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/vigie-hotline/vigie/internal/dbtest"
)

// syncBuffer is a bytes.Buffer safe to write from the server's goroutines
// while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// run runs vigie with args to completion and returns its exit status and
// output, as a person at a terminal would see them.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	m := NewMain()
	m.Stdin, m.Stdout, m.Stderr = strings.NewReader(stdin), &out, &errb
	code = m.Main(context.Background(), args)
	return code, out.String(), errb.String()
}

// MustRunServe starts `vigie serve` on a free port with the given database
// arguments and returns the program and its standard output; it is closed
// when the test ends.
func MustRunServe(t *testing.T, args ...string) (*Main, *syncBuffer) {
	t.Helper()
	return MustRunServeWith(t, args)
}

// MustRunServeWith is MustRunServe with flags of the serve command.
func MustRunServeWith(t *testing.T, global []string, serveFlags ...string) (*Main, *syncBuffer) {
	t.Helper()
	var out, errb syncBuffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errb
	args := append(append(append([]string{}, global...), "serve", "--addr", "127.0.0.1:0"), serveFlags...)
	if err := m.ParseFlags(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		m.Close()
		t.Fatalf("serve: %v\n%s", err, errb.String())
	}
	t.Cleanup(func() { m.Close() })
	return m, &out
}

var adminPassword = regexp.MustCompile(`password: ([a-z0-9-]{23})`)

func TestServe_FirstStart(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		args := dbArgs(t, dsn)
		m, out := MustRunServe(t, args...)
		match := adminPassword.FindStringSubmatch(out.String())
		if match == nil {
			t.Fatalf("first start printed no admin password:\n%s", out.String())
		}
		t.Run("AdminCanLogIn", func(t *testing.T) {
			form := url.Values{"username": {"admin"}, "password": {match[1]}}
			c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.PostForm(m.Server.URL()+"/login", form)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got, want := resp.StatusCode, http.StatusSeeOther; got != want {
				t.Fatalf("login status=%d, want %d", got, want)
			}
		})
		t.Run("HealthAndMetrics", func(t *testing.T) {
			for _, path := range []string{"/healthz", "/metrics", "/api/v1/openapi.json"} {
				resp, err := http.Get(m.Server.URL() + path)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: status=%d", path, resp.StatusCode)
				}
			}
		})
		m.Close()
		t.Run("SecondStartPrintsNoPassword", func(t *testing.T) {
			_, out := MustRunServe(t, args...)
			if strings.Contains(out.String(), "password:") {
				t.Fatalf("second start printed a password:\n%s", out.String())
			}
		})
	})
}

// dbArgs returns the flags that point vigie at dsn.
func dbArgs(t *testing.T, dsn string) []string {
	if strings.HasPrefix(dsn, "postgres") {
		return []string{"--data", t.TempDir(), "--db", dsn}
	}
	return []string{"--data", filepath.Dir(dsn)}
}

func TestMain_Usage(t *testing.T) {
	t.Run("ErrBadFlag", func(t *testing.T) {
		code, _, stderr := run(t, "", "serve", "--no-such-flag")
		if code != 2 || !strings.Contains(stderr, "--no-such-flag") {
			t.Fatalf("code=%d stderr=%q, want 2 naming the flag", code, stderr)
		}
	})
	t.Run("ErrUnknownCommand", func(t *testing.T) {
		if code, _, _ := run(t, "", "frobnicate"); code != 2 {
			t.Fatalf("code=%d, want 2", code)
		}
	})
	t.Run("ErrBadRole", func(t *testing.T) {
		code, _, stderr := run(t, "", "--data", t.TempDir(), "user", "add", "x", "--role", "king")
		if code != 2 || !strings.Contains(stderr, "king") {
			t.Fatalf("code=%d stderr=%q", code, stderr)
		}
	})
	t.Run("Help", func(t *testing.T) {
		code, stdout, _ := run(t, "", "serve", "--help")
		if code != 0 || !strings.Contains(stdout, "--addr") || !strings.Contains(stdout, "--require-totp") {
			t.Fatalf("code=%d stdout=%q", code, stdout)
		}
	})
	t.Run("Version", func(t *testing.T) {
		if code, stdout, _ := run(t, "", "version"); code != 0 || !strings.HasPrefix(stdout, "vigie ") {
			t.Fatalf("code=%d stdout=%q", code, stdout)
		}
	})
}

func TestMain_Config(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "vigie.conf")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("ErrUnknownKey", func(t *testing.T) {
		p := write("# test\naddr = 127.0.0.1:0\nlisten_port = 80\n")
		code, _, stderr := run(t, "", "--config", p, "serve")
		if code != 2 || !strings.Contains(stderr, `unknown key "listen_port"`) || !strings.Contains(stderr, "line 3") {
			t.Fatalf("code=%d stderr=%q, want 2 naming the key and line", code, stderr)
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		p := write("addr 127.0.0.1:0\n")
		if code, _, stderr := run(t, "", "--config", p, "serve"); code != 2 || !strings.Contains(stderr, "line 1") {
			t.Fatalf("code=%d stderr=%q", code, stderr)
		}
	})
	t.Run("OK", func(t *testing.T) {
		data := t.TempDir()
		p := write("data = " + data + "\n")
		if code, _, stderr := run(t, "", "--config", p, "migrate"); code != 0 {
			t.Fatalf("code=%d stderr=%q", code, stderr)
		}
		if _, err := os.Stat(filepath.Join(data, "vigie.db")); err != nil {
			t.Fatalf("the config's data folder was not used: %v", err)
		}
	})
}

func TestMain_UnreachablePostgres(t *testing.T) {
	code, _, stderr := run(t, "", "--db", "postgres://vigie@127.0.0.1:1/vigie?connect_timeout=2", "serve", "--addr", "127.0.0.1:0")
	if got, want := code, 1; got != want {
		t.Fatalf("code=%d, want %d", got, want)
	}
	if !strings.Contains(stderr, "cannot reach PostgreSQL at 127.0.0.1:1") {
		t.Fatalf("stderr does not name host and port: %q", stderr)
	}
	if strings.Contains(stderr, "goroutine") || strings.Count(stderr, "\n") > 2 {
		t.Fatalf("stderr is not one clear line: %q", stderr)
	}
}

func TestMain_NewerSchema(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		args := dbArgs(t, dsn)
		if code, _, stderr := run(t, "", append(args, "migrate")...); code != 0 {
			t.Fatalf("migrate: %d %s", code, stderr)
		}
		db := dbtest.MustOpenDB(t, dsn)
		if _, err := db.WriteDB().Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, $1)`, true); err != nil {
			t.Fatal(err)
		}
		db.Close()
		code, _, stderr := run(t, "", append(args, "serve", "--addr", "127.0.0.1:0")...)
		if code != 1 || !strings.Contains(stderr, "newer than this vigie binary") {
			t.Fatalf("code=%d stderr=%q", code, stderr)
		}
	})
}

func TestMain_UserAndKeyCommands(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		args := dbArgs(t, dsn)
		vigie := func(stdin string, more ...string) (int, string, string) {
			return run(t, stdin, append(append([]string{}, args...), more...)...)
		}
		expect := func(code int, stdout, stderr, want string) {
			t.Helper()
			if code != 0 || !strings.Contains(stdout, want) {
				t.Fatalf("code=%d stdout=%q stderr=%q, want %q", code, stdout, stderr, want)
			}
		}
		code, out, errs := vigie("", "user", "add", "alice", "--role", "analyst")
		expect(code, out, errs, "password: ")
		code, out, errs = vigie("a long enough password\n", "user", "add", "bob", "--role", "police", "--password-stdin")
		expect(code, out, errs, "created bob (police)")
		if strings.Contains(out, "password:") {
			t.Fatal("printed a password that was given on stdin")
		}
		code, out, errs = vigie("short\n", "user", "passwd", "bob", "--password-stdin")
		if code != 1 || !strings.Contains(errs, "at least 12") {
			t.Fatalf("short password: code=%d stderr=%q", code, errs)
		}
		code, out, errs = vigie("", "user", "role", "alice", "supervisor")
		expect(code, out, errs, "alice is now supervisor")
		code, out, errs = vigie("", "user", "disable", "bob")
		expect(code, out, errs, "disabled bob")
		code, out, errs = vigie("", "user", "list")
		expect(code, out, errs, "supervisor")
		if !regexp.MustCompile(`bob\s+police\s+disabled`).MatchString(out) {
			t.Fatalf("list does not show bob disabled:\n%s", out)
		}
		code, out, errs = vigie("", "user", "add", "platform", "--role", "partner")
		expect(code, out, errs, "API keys only")
		code, out, errs = vigie("", "apikey", "add", "platform", "--name", "scanner")
		expect(code, out, errs, "vigie_")
		code, out, errs = vigie("", "apikey", "add", "alice", "--name", "nope")
		if code != 1 || !strings.Contains(errs, "partner accounts") {
			t.Fatalf("key for a non-partner: code=%d stderr=%q", code, errs)
		}
		code, out, errs = vigie("", "apikey", "revoke", "1")
		expect(code, out, errs, "revoked key 1")
		code, out, errs = vigie("", "user", "passwd", "nobody")
		if code != 1 || !strings.Contains(errs, `no account named "nobody"`) {
			t.Fatalf("passwd nobody: code=%d stderr=%q", code, errs)
		}
		code, out, errs = vigie("", "audit", "verify")
		expect(code, out, errs, "audit log intact")
		code, out, errs = vigie("", "audit", "list", "--action", "user.update")
		expect(code, out, errs, "cli:")
	})
}

// TestAuditVerify_DetectsEdit edits an entry directly in the database and
// checks that `vigie audit verify` fails and names it.
func TestAuditVerify_DetectsEdit(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		args := dbArgs(t, dsn)
		for _, name := range []string{"a1", "a2", "a3"} {
			if code, _, stderr := run(t, "", append(args, "user", "add", name)...); code != 0 {
				t.Fatal(stderr)
			}
		}
		db := dbtest.MustOpenDB(t, dsn)
		guards := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
		if strings.HasPrefix(dsn, "postgres") {
			guards = []string{`DROP TRIGGER audit_log_no_change ON audit_log`}
		}
		for _, g := range append(guards, `UPDATE audit_log SET actor = 'someone else' WHERE id = 2`) {
			if _, err := db.WriteDB().Exec(g); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		code, _, stderr := run(t, "", append(args, "audit", "verify")...)
		if code != 1 || !strings.Contains(stderr, "BROKEN at entry 2") {
			t.Fatalf("code=%d stderr=%q, want 1 naming entry 2", code, stderr)
		}
	})
}
