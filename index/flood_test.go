package index

import (
	"fmt"
	"testing"
	"time"
)

// TestFloodCounterForgetsIdleEntries checks that entries matched once and
// never again are dropped after a window, so that the counter's memory
// follows recent lookups rather than every entry ever matched.
func TestFloodCounterForgetsIdleEntries(t *testing.T) {
	c := newFloodCounter()
	t0 := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	for id := range int64(1000) {
		c.add(id, fmt.Sprint("content ", id), t0, time.Hour, 10)
	}
	if len(c.entries) != 1000 {
		t.Fatalf("%d entries counted, want 1000", len(c.entries))
	}
	if n := c.add(5000, "later", t0.Add(30*time.Minute), time.Hour, 10); n != 1 || len(c.entries) != 1001 {
		t.Fatalf("within the window: count %d, %d entries; want 1 and 1001", n, len(c.entries))
	}
	c.add(6000, "later still", t0.Add(50*time.Minute), time.Hour, 10)
	if n := c.add(7, "again", t0.Add(100*time.Minute), time.Hour, 10); n != 1 {
		t.Fatalf("entry 7 after the window: count %d, want 1 (its old content expired)", n)
	}
	if len(c.entries) != 2 {
		t.Fatalf("%d entries kept 100 minutes on, want 2 (entry 7, and the one seen 50 minutes in)", len(c.entries))
	}
}

// TestFloodCounterCountsDistinctContents checks the count the guard
// compares with its limit: distinct contents within the window, at most
// limit+1 kept.
func TestFloodCounterCountsDistinctContents(t *testing.T) {
	c := newFloodCounter()
	t0 := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	for i := range 20 {
		c.add(1, fmt.Sprint("content ", i%5), t0.Add(time.Duration(i)*time.Minute), time.Hour, 3)
	}
	if n := c.add(1, "content 0", t0.Add(30*time.Minute), time.Hour, 3); n != 4 {
		t.Fatalf("count %d, want 4 (the limit plus one)", n)
	}
}
