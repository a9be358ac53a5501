//go:build !amd64 || purego

package index

// prefetchCodes does nothing where no assembly version exists.
func prefetchCodes(codes []code, idx []uint32) {}

// prefetchWords does nothing where no assembly version exists.
func prefetchWords(words []uint32, idx []uint32) {}
