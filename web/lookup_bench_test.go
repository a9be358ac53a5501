package web_test

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/index"
	"github.com/vigie-hotline/vigie/web"
)

// BenchmarkLookup measures the server's own work on a partner lookup,
// without the network: the middleware, the key check, query parsing and
// the response, around a search of a small bank (100 hashes). Half the
// queries match an entry, half match nothing, as in bench/lookup.
func BenchmarkLookup(b *testing.B) {
	ts := mustServer(b, func(s *web.Server) {
		s.KeyCacheTTL, s.KeyUseFlush = time.Minute, time.Hour // as vigie serve runs
	})
	ctx := vigie.NewContextWithActor(context.Background(), "test")
	bank := &vigie.Bank{Name: "bench", Kind: vigie.BankKnown, Threshold: 31, Enabled: true}
	if err := ts.Banks.CreateBank(ctx, bank); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	randomPDQ := func() string {
		var h [32]byte
		for i := range h {
			h[i] = byte(rng.Uint32())
		}
		return hex.EncodeToString(h[:])
	}
	var entries []*vigie.BankEntry
	for range 100 {
		entries = append(entries, &vigie.BankEntry{Signal: vigie.SignalPDQ, Value: randomPDQ()})
	}
	if _, _, err := ts.Banks.AddEntries(ctx, bank.ID, entries); err != nil {
		b.Fatal(err)
	}
	m := index.NewMatcher(ts.Banks)
	if err := m.Load(ctx); err != nil {
		b.Fatal(err)
	}
	ts.Matcher = m // the search, without syncingMatcher's database read
	key, prefix, hash := web.GenerateAPIKey()
	u := ts.mustUser(b, "partner", vigie.RolePartner, "")
	if err := ts.APIKeys.CreateAPIKey(ctx, &vigie.APIKey{UserID: u.ID, Name: "bench", Prefix: prefix, Hash: hash,
		Scopes: []string{vigie.ScopeLookup}}); err != nil {
		b.Fatal(err)
	}
	queries := []string{entries[0].Value, randomPDQ()}
	for _, tc := range []struct {
		name    string
		request func(q string) *http.Request
	}{
		{"HMA", func(q string) *http.Request {
			return httptest.NewRequest("GET", "/m/lookup?signal_type=pdq&signal="+q, nil)
		}},
		{"API", func(q string) *http.Request {
			r := httptest.NewRequest("POST", "/api/v1/lookup", strings.NewReader(`{"signal_type":"pdq","value":"`+q+`"}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := ts.Handler()
			for i := 0; b.Loop(); i++ {
				r := tc.request(queries[i%2])
				r.Header.Set("Authorization", "Bearer "+key)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status=%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
