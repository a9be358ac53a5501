package index

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page on the platforms Vigie
// runs on.
const hugePage = 2 << 20

// MADV_HUGEPAGE and MADV_COLLAPSE, which package syscall does not name.
const (
	madvHugePage = 14
	madvCollapse = 25
)

// A search reads a few thousand places scattered over hundreds of
// megabytes; with 4 KiB pages nearly every read also misses the TLB, and in
// a virtual machine each miss costs a two-level page walk. Huge pages need
// 512 times fewer TLB entries, which measurably speeds up searches at 10M
// hashes. Kernels set to "madvise" (the usual default) give huge pages only
// to memory that asks. The advice is a hint: errors are ignored, and the
// index works the same without it.

// hugeSlice returns a zeroed slice of n elements whose whole 2 MiB pages
// ask for transparent huge pages.
func hugeSlice[T any](n int) []T {
	s := make([]T, n)
	madviseWhole(s, madvHugePage)
	return s
}

// settleHuge asks the kernel to back s with huge pages now (Linux 6.1 and
// later). Memory the Go heap reuses was already mapped with small pages
// before hugeSlice could ask, and would otherwise wait for the kernel's
// background scan.
func settleHuge[T any](s []T) { madviseWhole(s, madvCollapse) }

// madviseWhole gives advice for the whole huge pages inside s.
func madviseWhole[T any](s []T, advice int) {
	var zero T
	size := uintptr(len(s)) * unsafe.Sizeof(zero)
	if size < 2*hugePage {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), size)
	off := (hugePage - uintptr(unsafe.Pointer(&b[0]))%hugePage) % hugePage
	if whole := (size - off) &^ (hugePage - 1); whole > 0 {
		_ = syscall.Madvise(b[off:off+whole], advice)
	}
}
