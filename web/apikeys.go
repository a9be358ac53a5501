package web

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

// keyCache keeps recently seen partner keys in memory and counts their use,
// so that a lookup costs no database round trip for its key: at thousands
// of lookups a second, reading the key and writing its counter on every
// request would be the bottleneck. A revoked key stops working within TTL.
type keyCache struct {
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	keys  map[string]*cachedKey // by hash
	usage map[int64]keyUsage    // not yet written
}

// cachedKey is a key as read at fetched. It is never changed once made:
// requests share it.
type cachedKey struct {
	key  *vigie.APIKey
	user *vigie.User
	// actor is a context that holds only whom the audit log names for
	// requests with the key, made once here rather than on every request
	// (see partnerContext).
	actor   context.Context
	fetched time.Time
}

type keyUsage struct {
	n    int64
	last time.Time
}

func newKeyCache(ttl time.Duration, now func() time.Time) *keyCache {
	return &keyCache{ttl: ttl, now: now, keys: map[string]*cachedKey{}, usage: map[int64]keyUsage{}}
}

// use returns the key with that hash (see hashAPIKey), from memory when
// it was read less than TTL ago, and counts one request of it. A key in
// memory is found and counted under one lock.
func (c *keyCache) use(ctx context.Context, svc vigie.APIKeyService, hash [sha256.Size]byte) (*cachedKey, error) {
	now := c.now()
	c.mu.Lock()
	ck, ok := c.keys[string(hash[:])]
	fresh := ok && now.Sub(ck.fetched) < c.ttl
	if fresh {
		c.countLocked(ck.key.ID, now)
	}
	c.mu.Unlock()
	if fresh {
		return ck, nil
	}
	ck, err := c.fill(ctx, svc, string(hash[:]), now)
	if err != nil {
		return nil, err
	}
	c.used(ck.key.ID)
	return ck, nil
}

// fill reads the key with that hash from the database and caches it.
func (c *keyCache) fill(ctx context.Context, svc vigie.APIKeyService, hash string, now time.Time) (*cachedKey, error) {
	k, u, err := svc.FindAPIKeyByHash(ctx, []byte(hash))
	if err != nil {
		return nil, err
	}
	actor := "apikey:" + itoa(k.ID) + " (" + u.Username + ")"
	ck := &cachedKey{key: k, user: u, actor: vigie.NewContextWithActor(context.Background(), actor), fetched: now}
	if c.ttl > 0 {
		c.mu.Lock()
		c.keys[hash] = ck
		c.mu.Unlock()
	}
	return ck, nil
}

// used counts one request of key id.
func (c *keyCache) used(id int64) {
	c.mu.Lock()
	c.countLocked(id, c.now())
	c.mu.Unlock()
}

// countLocked counts one request of key id at now; the caller holds c.mu.
func (c *keyCache) countLocked(id int64, now time.Time) {
	u := c.usage[id]
	u.n++
	u.last = now
	c.usage[id] = u
}

// flush writes the counted use to the database. Use it could not write
// is counted again, to be written by the next flush.
func (c *keyCache) flush(ctx context.Context, svc vigie.APIKeyService) error {
	c.mu.Lock()
	pending := c.usage
	c.usage = map[int64]keyUsage{}
	c.mu.Unlock()
	for id, u := range pending {
		if err := svc.TouchAPIKey(ctx, id, u.n, u.last); err != nil {
			c.restore(pending)
			return err
		}
		delete(pending, id)
	}
	return nil
}

// restore adds use that a flush did not write back to the count.
func (c *keyCache) restore(pending map[int64]keyUsage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, p := range pending {
		u := c.usage[id]
		u.n += p.n
		if p.last.After(u.last) {
			u.last = p.last
		}
		c.usage[id] = u
	}
}
