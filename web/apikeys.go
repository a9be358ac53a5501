package web

import (
	"context"
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
	keys  map[string]cachedKey // by hash
	usage map[int64]keyUsage   // not yet written
}

type cachedKey struct {
	key     *vigie.APIKey
	user    *vigie.User
	actor   string // whom the audit log names for requests with the key
	fetched time.Time
}

type keyUsage struct {
	n    int64
	last time.Time
}

func newKeyCache(ttl time.Duration, now func() time.Time) *keyCache {
	return &keyCache{ttl: ttl, now: now, keys: map[string]cachedKey{}, usage: map[int64]keyUsage{}}
}

// find returns the key with that hash, from memory when it was read less
// than TTL ago.
func (c *keyCache) find(ctx context.Context, svc vigie.APIKeyService, hash []byte) (cachedKey, error) {
	now := c.now()
	c.mu.Lock()
	ck, ok := c.keys[string(hash)]
	c.mu.Unlock()
	if ok && now.Sub(ck.fetched) < c.ttl {
		return ck, nil
	}
	k, u, err := svc.FindAPIKeyByHash(ctx, hash)
	if err != nil {
		return cachedKey{}, err
	}
	ck = cachedKey{key: k, user: u, actor: "apikey:" + itoa(k.ID) + " (" + u.Username + ")", fetched: now}
	if c.ttl > 0 {
		c.mu.Lock()
		c.keys[string(hash)] = ck
		c.mu.Unlock()
	}
	return ck, nil
}

// used counts one request of key id.
func (c *keyCache) used(id int64) {
	c.mu.Lock()
	u := c.usage[id]
	u.n++
	u.last = c.now()
	c.usage[id] = u
	c.mu.Unlock()
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
