//go:build !linux

package index

// hugeSlice returns a zeroed slice of n elements; huge pages are only
// asked for on Linux.
func hugeSlice[T any](n int) []T { return make([]T, n) }

// settleHuge does nothing where huge pages are not asked for.
func settleHuge[T any](s []T) {}
