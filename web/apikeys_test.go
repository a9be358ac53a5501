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

// TestPartnerContext checks that the context of a partner request answers
// as the three nested contexts it stands for would: its key, its user and
// its audit actor, and its parent's values and cancellation.
func TestPartnerContext(t *testing.T) {
	type otherKey struct{}
	parent, cancel := context.WithCancel(context.WithValue(vigie.NewContextWithActor(context.Background(), "user:1 (alice)"), otherKey{}, "kept"))
	ck := &cachedKey{key: &vigie.APIKey{ID: 7}, user: &vigie.User{Username: "platform"},
		actor: vigie.NewContextWithActor(context.Background(), "apikey:7 (platform)")}
	ctx := context.Context(&partnerContext{parent, ck})
	if got := apiKeyFrom(ctx); got != ck.key {
		t.Fatalf("key=%v, want %v", got, ck.key)
	}
	if got := userFrom(ctx); got != ck.user {
		t.Fatalf("user=%v, want %v", got, ck.user)
	}
	if got, want := vigie.ActorFromContext(ctx), "apikey:7 (platform)"; got != want {
		t.Fatalf("actor=%q, want %q", got, want)
	}
	if got, want := ctx.Value(otherKey{}), "kept"; got != want {
		t.Fatalf("parent value=%v, want %v", got, want)
	}
	child, stop := context.WithCancel(ctx)
	defer stop()
	cancel()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the request's context did not reach a context made from the partner's")
	}
	if ctx.Err() != context.Canceled {
		t.Fatalf("Err=%v, want %v", ctx.Err(), context.Canceled)
	}
}

// keyReader stands for the database's keys: it counts reads and forgets
// revoked keys.
type keyReader struct {
	vigie.APIKeyService
	reads   int
	revoked bool
}

func (r *keyReader) FindAPIKeyByHash(_ context.Context, hash []byte) (*vigie.APIKey, *vigie.User, error) {
	r.reads++
	if r.revoked || string(hash) != string(HashAPIKey("vigie_k")) {
		return nil, nil, vigie.Errorf(vigie.ENOTFOUND, "no such key")
	}
	return &vigie.APIKey{ID: 7}, &vigie.User{Username: "platform"}, nil
}

// TestKeyCacheUse checks that a key is read once per TTL, that every
// request is counted, cached or not, and that a revoked key stops working
// once its TTL has passed.
func TestKeyCacheUse(t *testing.T) {
	now := time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
	c := newKeyCache(5*time.Second, func() time.Time { return now })
	db := &keyReader{}
	use := func() error {
		ck, err := c.use(t.Context(), db, hashAPIKey("vigie_k"))
		if err == nil && (ck.key.ID != 7 || vigie.ActorFromContext(ck.actor) != "apikey:7 (platform)") {
			t.Fatalf("key=%+v actor=%q", ck.key, vigie.ActorFromContext(ck.actor))
		}
		return err
	}
	for range 3 {
		if err := use(); err != nil {
			t.Fatal(err)
		}
	}
	if db.reads != 1 || c.usage[7].n != 3 || !c.usage[7].last.Equal(now) {
		t.Fatalf("reads=%d usage=%+v, want 1 read and 3 requests", db.reads, c.usage[7])
	}
	db.revoked = true
	now = now.Add(4 * time.Second)
	if err := use(); err != nil {
		t.Fatalf("within the TTL: %v", err)
	}
	now = now.Add(time.Second)
	if err := use(); vigie.ErrorCode(err) != vigie.ENOTFOUND {
		t.Fatalf("revoked key past the TTL: err=%v, want ENOTFOUND", err)
	}
	if db.reads != 2 || c.usage[7].n != 4 {
		t.Fatalf("reads=%d usage=%+v, want 2 reads and 4 requests", db.reads, c.usage[7])
	}
}
