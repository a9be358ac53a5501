//go:build !purego

package index

// prefetchCodes asks the CPU to start loading codes[u] for every u in idx.
// A prefetch retires at once, unlike a load, so many more cache misses are
// in flight than the out-of-order window allows for plain loads; a search
// is bound by those misses, its reads being scattered over large arrays.
//
//go:noescape
func prefetchCodes(codes []code, idx []uint32)

// prefetchWords asks the CPU to start loading words[k] for every k in idx.
//
//go:noescape
func prefetchWords(words []uint32, idx []uint32)

// prefetchDir asks the CPU to start loading sizes[k] and base[k/64] for
// every k in idx: a compact directory's reads for key k.
//
//go:noescape
func prefetchDir(sizes []uint8, base []uint32, idx []uint32)
