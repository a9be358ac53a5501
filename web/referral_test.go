package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
)

// TestReferral checks who may open a referral package, what it holds, and
// that every download is audited.
func TestReferral(t *testing.T) {
	ts := mustServer(t)
	ctx := vigie.NewContextWithActor(context.Background(), "test")
	r := &vigie.Report{Code: "VG-REF1", PINHash: []byte("x"), Category: vigie.CategoryCSAM, Source: "web",
		Contact: "reporter@example.org", ContactConsent: true,
		URLs: []vigie.ReportURL{{Raw: "https://host.example/a", Normalized: "https://host.example/a"}}}
	if err := ts.Reports.CreateReport(ctx, r); err != nil {
		t.Fatal(err)
	}
	caseID := r.URLs[0].CaseID
	it := &vigie.Item{CaseID: caseID, URL: "https://host.example/a.jpg", SHA256: strings.Repeat("ab", 32), Evidence: `{"remote_addr":"192.0.2.1:443"}`}
	ts.Reports.CreateItem(ctx, it)
	path := "/cases/" + strconv.FormatInt(caseID, 10) + "/referral.json"
	for _, role := range []vigie.Role{vigie.RolePolice, vigie.RoleAnalyst, vigie.RoleAdmin} {
		ts.mustUser(t, "u-"+string(role), role, "correct horse battery")
	}
	police := ts.browser(t)
	police.login("u-police", "correct horse battery")

	t.Run("ErrNotIllegal", func(t *testing.T) {
		if st, _, _ := police.do("GET", path, nil); st != http.StatusNotFound {
			t.Fatalf("status=%d, want 404 before the case is illegal", st)
		}
	})
	it.State, it.Classification = vigie.ItemAuto, vigie.ClassBaseline
	if err := ts.Reports.UpdateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	t.Run("PoliceDownloads", func(t *testing.T) {
		st, h, body := police.do("GET", path, nil)
		if st != 200 || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
			t.Fatalf("status=%d headers=%v", st, h)
		}
		var ref struct {
			Case    struct{ URL string }
			Reports []struct{ Contact string }
			Items   []struct {
				SHA256   string
				Evidence map[string]any
			}
		}
		if err := json.Unmarshal([]byte(body), &ref); err != nil {
			t.Fatal(err)
		}
		if ref.Case.URL != "https://host.example/a" || ref.Reports[0].Contact != "reporter@example.org" || ref.Items[0].SHA256 != strings.Repeat("ab", 32) || ref.Items[0].Evidence["remote_addr"] != "192.0.2.1:443" {
			t.Fatalf("package %s", body)
		}
		es, _ := ts.Audit.FindAuditEntries(ctx, vigie.AuditFilter{Action: "referral.download"})
		if len(es) != 1 || !strings.Contains(es[0].Actor, "u-police") {
			t.Fatalf("audit %+v", es)
		}
		if st, _, page := police.do("GET", "/referrals", nil); st != 200 || !strings.Contains(page, `id="referral-`+strconv.FormatInt(caseID, 10)+`"`) {
			t.Fatalf("referrals list: %d", st)
		}
	})
	for _, role := range []vigie.Role{vigie.RoleAnalyst, vigie.RoleAdmin} {
		t.Run("ErrForbidden/"+string(role), func(t *testing.T) {
			b := ts.browser(t)
			b.login("u-"+string(role), "correct horse battery")
			if st, _, _ := b.do("GET", path, nil); st != http.StatusForbidden {
				t.Fatalf("%s: status=%d, want 403", role, st)
			}
		})
	}
}

// TestDirectoryPage imports a provider CSV with a bad line through the
// admin page.
func TestDirectoryPage(t *testing.T) {
	ts := mustServer(t)
	ts.mustUser(t, "root", vigie.RoleAdmin, "correct horse battery")
	b := ts.browser(t)
	b.login("root", "correct horse battery")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", "providers")
	fw, _ := mw.CreateFormFile("file", "p.csv")
	fw.Write([]byte(vigie.ProviderCSVHeader + "\nExampleHost,AS64500,example.net,abuse@example.net,fr,FR,\nBad,64501,,nope,en,DE,\n"))
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+"/admin/directory", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", "en")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	page := string(raw)
	if resp.StatusCode != 200 || !strings.Contains(page, "1 entries imported, 1 bad lines") || !strings.Contains(page, "Line 3") || !strings.Contains(page, "abuse@example.net") {
		t.Fatalf("status=%d:\n%s", resp.StatusCode, page)
	}
	analyst := ts.browser(t)
	ts.mustUser(t, "ana", vigie.RoleAnalyst, "correct horse battery")
	analyst.login("ana", "correct horse battery")
	if st, _, _ := analyst.do("GET", "/admin/directory", nil); st != http.StatusForbidden {
		t.Fatalf("analyst: %d", st)
	}
}
