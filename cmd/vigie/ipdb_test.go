package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
)

func TestIPDBCmd(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "asn-ipv4.csv")
	if err := os.WriteFile(csv, []byte("192.0.2.0,192.0.2.255,13335,\"Cloudflare, Inc.\"\nbad line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "asn.mmdb")

	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, ctx: context.Background()}
	err := (&IPDBImportCmd{Output: db, Files: []string{csv}}).Run(m)
	if got, want := vigie.ErrorCode(err), vigie.EINVALID; got != want {
		t.Fatalf("import: ErrorCode=%q (%v), want %q", got, err, want)
	}
	if !strings.Contains(errb.String(), "asn-ipv4.csv:2:") {
		t.Errorf("stderr %q does not name line 2", errb.String())
	}
	if !strings.Contains(out.String(), "1 ranges imported") || !strings.Contains(out.String(), "CC BY 4.0") {
		t.Errorf("stdout %q lacks the count or the attribution", out.String())
	}

	out.Reset()
	if err := (&IPDBTraceCmd{IPDB: []string{db}, URLs: []string{"192.0.2.5", "http://[2001:db8::1]/x"}}).Run(m); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if got, want := len(lines), 2; got != want {
		t.Fatalf("%d lines, want %d: %q", got, want, out.String())
	}
	var tr vigie.HostingTrace
	if err := json.Unmarshal([]byte(lines[0]), &tr); err != nil {
		t.Fatal(err)
	}
	if got, want := tr.Addresses[0].ASN, uint32(13335); got != want || tr.CDN != "Cloudflare" {
		t.Errorf("ASN=%d CDN=%q, want %d Cloudflare", got, tr.CDN, want)
	}
}
