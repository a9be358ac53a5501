package index

import "testing"

// TestEntryChunksKeepOrder checks that entries collected across several
// chunks come back all, once, in order.
func TestEntryChunksKeepOrder(t *testing.T) {
	for _, n := range []int{0, 1, entryChunk, 3*entryChunk + 5} {
		var c entryChunks
		for i := range n {
			c.add(Entry{ID: int64(i), Bank: int64(i % 7)})
		}
		got := c.join()
		if len(got) != n {
			t.Fatalf("%d entries collected, %d joined", n, len(got))
		}
		for i, e := range got {
			if e.ID != int64(i) || e.Bank != int64(i%7) {
				t.Fatalf("n=%d: entry %d is %+v", n, i, e)
			}
		}
	}
}
