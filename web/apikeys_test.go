package web

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vigie-hotline/vigie"
)

// touchRecorder stands for the database's key-use counter; it fails the
// first fail calls to TouchAPIKey, as a database that is briefly down.
type touchRecorder struct {
	vigie.APIKeyService
	fail  int
	n     map[int64]int64
	last  map[int64]time.Time
	calls int
}

func (r *touchRecorder) TouchAPIKey(_ context.Context, id, n int64, at time.Time) error {
	r.calls++
	if r.calls <= r.fail {
		return errors.New("database is locked")
	}
	r.n[id] += n
	if at.After(r.last[id]) {
		r.last[id] = at
	}
	return nil
}

// TestKeyUseSurvivesFailedFlush checks that use counted before a flush
// that fails is written by the next one, with nothing lost or doubled.
func TestKeyUseSurvivesFailedFlush(t *testing.T) {
	now := time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
	c := newKeyCache(time.Minute, func() time.Time { return now })
	rec := &touchRecorder{fail: 1, n: map[int64]int64{}, last: map[int64]time.Time{}}
	for range 3 {
		c.used(1)
		c.used(2)
	}
	if err := c.flush(t.Context(), rec); err == nil {
		t.Fatal("flush with the database down returned no error")
	}
	now = now.Add(time.Second)
	c.used(2) // counted while the database was down
	if err := c.flush(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	if rec.n[1] != 3 || rec.n[2] != 4 {
		t.Fatalf("counts written = %v, want key 1: 3, key 2: 4", rec.n)
	}
	if !rec.last[2].Equal(now) || !rec.last[1].Equal(now.Add(-time.Second)) {
		t.Fatalf("last use written = %v", rec.last)
	}
	if err := c.flush(t.Context(), rec); err != nil || rec.n[1] != 3 || rec.n[2] != 4 {
		t.Fatalf("a third flush changed the counts to %v (err %v)", rec.n, err)
	}
}
