//go:build !amd64 || purego

package index

// compactBuckets is the Go loop where no assembly version exists.
func compactBuckets(ends []uint8, base []uint32, k uint32, group uint, masks []uint32, lo, hi []uint32) int {
	d := directory{ends: ends, base: base, group: group}
	return d.bucketsGo(k, masks, lo, hi)
}

// nearCands is nearCandsGo where no assembly version exists.
func nearCands(codes []code, cand []uint32, q *code, r int, near []uint32) int {
	return nearCandsGo(codes, cand, q, r, near)
}

// gatherPositions is gatherPositionsGo where no assembly version exists.
func gatherPositions(pos, lo, hi, out []uint32) int {
	return gatherPositionsGo(pos, lo, hi, out)
}
