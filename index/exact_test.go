package index

import (
	"crypto/md5"
	"slices"
	"testing"
)

func TestExact(t *testing.T) {
	x := NewExact[[16]byte]()
	a, b := md5.Sum([]byte("a")), md5.Sum([]byte("b"))
	x.Add(1, 10, a)
	x.Add(2, 20, a)
	x.Add(3, 10, b)
	x.Add(4, 30, a)
	if got, want := x.Lookup(a), []Match{{ID: 1, Bank: 10}, {ID: 2, Bank: 20}, {ID: 4, Bank: 30}}; !slices.Equal(got, want) {
		t.Fatalf("Lookup(a) = %v, want %v", got, want)
	}
	if !x.Remove(2) {
		t.Fatal("Remove(2) = false, want true")
	}
	if x.Remove(2) {
		t.Fatal("second Remove(2) = true, want false")
	}
	x.Add(3, 11, a) // replaces entry 3, moving it from b to a
	if got, want := x.Lookup(a), []Match{{ID: 1, Bank: 10}, {ID: 3, Bank: 11}, {ID: 4, Bank: 30}}; !slices.Equal(got, want) {
		t.Fatalf("Lookup(a) after changes = %v, want %v", got, want)
	}
	if got := x.Lookup(b); got != nil {
		t.Fatalf("Lookup(b) = %v, want none", got)
	}
	if got, want := x.Len(), 3; got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
}
