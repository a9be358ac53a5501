//go:build !purego

package index

import "golang.org/x/sys/cpu"

// compactBuckets writes the non-empty buckets of the keys k^masks[i] in
// a compact directory to lo and hi, which have room for len(masks), and
// returns how many it wrote. It is directory.bucketsGo without a branch a
// key, and with the blocks of the next keys prefetched, each once.
//
//go:noescape
func compactBuckets(ends []uint8, base []uint32, k uint32, group uint, masks []uint32, lo, hi []uint32) int

// nearCands writes to near the positions in cand of the codes within r of
// q, and returns how many it wrote; near has room for len(cand). The
// assembly version needs POPCNT, which every x86-64 processor since 2008
// has but the Go toolchain's default target does not assume.
func nearCands(codes []code, cand []uint32, q *code, r int, near []uint32) int {
	if r < 0 {
		return 0 // the assembly compares unsigned
	}
	if !cpu.X86.HasPOPCNT {
		return nearCandsGo(codes, cand, q, r, near)
	}
	return nearCandsPOPCNT(codes, cand, q, r, near[:len(cand)])
}

// nearCandsPOPCNT is nearCandsGo in a loop of a dozen instructions a
// candidate, prefetching the code of the candidate prefetchAhead on.
//
//go:noescape
func nearCandsPOPCNT(codes []code, cand []uint32, q *code, r int, near []uint32) int

// gatherPositions appends pos[lo[b]:hi[b]] for every b to out, which has
// room for them all, and returns how many it wrote. It is
// gatherPositionsGo copying the usual bucket of one to four positions in
// one move, and prefetching the bucket prefetchAhead on.
//
//go:noescape
func gatherPositions(pos, lo, hi, out []uint32) int
