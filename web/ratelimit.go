package web

import (
	"sync"
	"time"
)

// rateLimiter is a token bucket per key (an address, a partner key): it
// allows Burst events at once and Rate per second after. It lives in
// memory, per process; old buckets are dropped as it goes.
type rateLimiter struct {
	Rate  float64
	Burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perHour, burst int, now func() time.Time) *rateLimiter {
	return &rateLimiter{Rate: float64(perHour) / 3600, Burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes n tokens from key's bucket if it has them. A limiter with a
// zero burst allows everything.
func (l *rateLimiter) allow(key string, n int) bool {
	if l == nil || l.Burst <= 0 {
		return true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > time.Minute {
		l.dropFull(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.Burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.Burst, b.tokens+now.Sub(b.last).Seconds()*l.Rate)
	b.last = now
	if b.tokens < float64(n) {
		return false
	}
	b.tokens -= float64(n)
	return true
}

// dropFull forgets buckets that have refilled: they hold nothing a fresh
// bucket would not.
func (l *rateLimiter) dropFull(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.Rate >= l.Burst {
			delete(l.buckets, k)
		}
	}
	l.sweep = now
}
