package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/index"
	"github.com/vigie-hotline/vigie/internal/mailtest"
	"github.com/vigie-hotline/vigie/sqldb"
)

// nearPDQ returns h with bit k flipped: a hash at distance 1.
func nearPDQ(t *testing.T, h string, k int) string {
	t.Helper()
	raw, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	raw[k/8] ^= 1 << (k % 8)
	return hex.EncodeToString(raw)
}

// registerOverHTTP registers photos fingerprinted natively, as a parent
// using `vigie guardian hash` would, follows the e-mailed link and returns
// the case number the page shows.
func registerOverHTTP(t *testing.T, base string, mp *mailtest.Mailpit, email string, photos []vigie.FamilyPhoto) string {
	t.Helper()
	sub, _ := json.Marshal(map[string]any{"version": 1, "hashes": photos})
	resp, err := http.PostForm(base+"/guardian/register", url.Values{"email": {email}, "hashes": {string(sub)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("register: status %d", resp.StatusCode)
	}
	msg := familyMail(t, mp, email, 1)
	token := regexp.MustCompile(`token=([A-Za-z0-9_-]+)`).FindStringSubmatch(msg.Text)
	if token == nil {
		t.Fatalf("no token in:\n%s", msg.Text)
	}
	s := &staff{t: t, base: base, c: &http.Client{}}
	st, body := s.post("/guardian/verify", url.Values{"token": {token[1]}})
	caseNumber := regexp.MustCompile(`id="case-number">(FA-[0-9A-Z]{8})<`).FindStringSubmatch(body)
	if st != 200 || caseNumber == nil {
		t.Fatalf("verify: status %d", st)
	}
	return caseNumber[1]
}

func nativePhoto(t *testing.T, path string) vigie.FamilyPhoto {
	t.Helper()
	res, err := (&fingerprint.Hasher{}).File(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return vigie.FamilyPhoto{PDQ: res.PDQ.String(), MD5: res.MD5, Quality: res.Quality}
}

// familyStatus returns the status of the family bank's entry holding value.
func familyStatus(t *testing.T, m *Main, value string) vigie.EntryStatus {
	t.Helper()
	var st vigie.EntryStatus
	err := m.DB.ReadDB().QueryRow(`SELECT e.status FROM bank_entries e JOIN banks b ON b.id = e.bank_id
		WHERE b.kind = 'family' AND e.value = $1`, value).Scan(&st)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestGuardian_FalseMatchGuard registers a photo whose hash resembles three
// known entries, and another that then matches many different contents:
// both are held for a supervisor's review instead of raising alarms.
func TestGuardian_FalseMatchGuard(t *testing.T) {
	mp := mailtest.Start(t)
	m, _ := MustRunServeWith(t, []string{"--data", t.TempDir()}, "--smtp", mp.URL())
	ctx := vigie.NewContextWithActor(context.Background(), "test")
	dir := t.TempDir()
	generic, plain := nativePhoto(t, writeFamilyPhoto(t, dir, 41)), nativePhoto(t, writeFamilyPhoto(t, dir, 42))

	banks := sqldb.NewBankService(m.DB)
	known := &vigie.Bank{Name: "known-test", Kind: vigie.BankKnown, Threshold: vigie.DefaultPDQThreshold, Enabled: true}
	if err := banks.CreateBank(ctx, known); err != nil {
		t.Fatal(err)
	}
	var entries []*vigie.BankEntry
	for k := range 3 {
		entries = append(entries, &vigie.BankEntry{Signal: vigie.SignalPDQ, Value: nearPDQ(t, generic.PDQ, k*40)})
	}
	if _, _, err := banks.AddEntries(ctx, known.ID, entries); err != nil {
		t.Fatal(err)
	}
	mt := m.Server.Matcher.(*index.Matcher)
	eventually(t, "the index to load the known entries", func() bool { return mt.Len() == 3 })
	registerOverHTTP(t, m.Server.URL(), mp, "parent@family.example", []vigie.FamilyPhoto{generic, plain})

	t.Run("SuspectAtRegistration", func(t *testing.T) {
		for _, c := range []struct {
			value string
			want  vigie.EntryStatus
		}{{generic.PDQ, vigie.EntryQuarantined}, {generic.MD5, vigie.EntryActive}, {plain.PDQ, vigie.EntryActive}} {
			if got := familyStatus(t, m, c.value); got != c.want {
				t.Errorf("entry %s…: status %s, want %s", c.value[:8], got, c.want)
			}
		}
	})
	t.Run("FloodGuardCoversFamilyEntries", func(t *testing.T) {
		guard := index.NewMatcher(banks)
		guard.FloodLimit = 2
		if err := guard.Load(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			sig := []vigie.Signal{{Type: vigie.SignalPDQ, Value: nearPDQ(t, plain.PDQ, i)},
				{Type: vigie.SignalSHA256, Value: strings.Repeat(string("abc"[i]), 64)}}
			ms, err := guard.Match(ctx, sig, vigie.MatchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(ms), map[bool]int{true: 1, false: 0}[i < 2]; got != want {
				t.Fatalf("content %d: %d matches, want %d", i+1, got, want)
			}
		}
		if got, want := familyStatus(t, m, plain.PDQ), vigie.EntryQuarantined; got != want {
			t.Fatalf("status %s, want %s", got, want)
		}
	})
}
