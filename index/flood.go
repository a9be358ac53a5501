package index

import (
	"hash/maphash"
	"sync"
	"time"
)

// floodCounter remembers, per bank entry, the distinct contents it matched
// recently, up to one more than the limit: enough to tell when an entry
// passes it. It lives in memory, per process, so that counting costs no
// database write on the lookup path; a restart forgets the counts.
type floodCounter struct {
	mu      sync.Mutex
	seed    maphash.Seed
	entries map[int64]map[uint64]time.Time
	swept   time.Time // when entries not seen for a window were last dropped
}

func newFloodCounter() *floodCounter {
	return &floodCounter{seed: maphash.MakeSeed(), entries: map[int64]map[uint64]time.Time{}}
}

// add notes that content key matched entry id at now, forgets contents seen
// before now-window, and returns how many distinct contents remain. At most
// limit+1 contents are kept per entry.
func (c *floodCounter) add(id int64, key string, now time.Time, window time.Duration, limit int) int {
	h := maphash.String(c.seed, key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.swept) > window {
		c.sweep(now, window)
	}
	seen := c.entries[id]
	if seen == nil {
		seen = map[uint64]time.Time{}
		c.entries[id] = seen
	}
	for k, at := range seen {
		if now.Sub(at) > window {
			delete(seen, k)
		}
	}
	if _, ok := seen[h]; !ok && len(seen) <= limit {
		seen[h] = now
	}
	return len(seen)
}

// sweep drops the contents seen before now-window, and the entries left
// with none. An entry's own contents are pruned when it matches again, but
// one that never matches again would otherwise be kept for ever: lookups of
// many different hashes would grow the counter without bound. Sweeping
// once a window keeps it to what was matched in the last two windows.
func (c *floodCounter) sweep(now time.Time, window time.Duration) {
	for id, seen := range c.entries {
		for k, at := range seen {
			if now.Sub(at) > window {
				delete(seen, k)
			}
		}
		if len(seen) == 0 {
			delete(c.entries, id)
		}
	}
	c.swept = now
}

// forget drops an entry's counts, once it is quarantined.
func (c *floodCounter) forget(id int64) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}
