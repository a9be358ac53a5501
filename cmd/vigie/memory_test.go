package main

import "testing"

func TestGCPercent(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 100},
		{100 << 20, 100}, // small heaps keep Go's default
		{512 << 20, 50},  // 256 MiB of garbage on 512 MiB live
		{1100 << 20, 23}, // 10M hashes
		{8 << 30, 10},    // never below 10: collections would run too often
	} {
		if got := gcPercent(c.live); got != c.want {
			t.Errorf("gcPercent(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}
