// Package pdq computes PDQ perceptual hashes, bit for bit as Meta's reference
// implementation (facebook/ThreatExchange, pdq/cpp) does from the same
// decoded pixels.
//
// PDQ reduces an image to 256 bits. Two hashes whose Hamming distance is at
// most MatchThreshold are taken to show the same picture; hashes whose quality
// is below MinQuality should not be trusted.
//
// The package imports only the standard library and knows nothing about file
// formats: give it decoded pixels (see Pixels and FromImage).
package pdq

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
)

// MatchThreshold is the largest Hamming distance at which two PDQ hashes are
// considered a match (upstream pdq/README.md, python-threatexchange).
const MatchThreshold = 31

// MinQuality is the lowest quality at which a hash is trusted; upstream drops
// hashes of quality below 50.
const MinQuality = 50

// Hash is a 256-bit PDQ hash. The bytes are big-endian in the order of the
// reference's hex form, so bit k (k = 16·row + column of the DCT output) has
// the value 2^k in the 256-bit number.
type Hash [32]byte

// String returns the 64 lower-case hex digits the reference prints.
func (h Hash) String() string {
	return hex.EncodeToString(h[:])
}

// MarshalText implements encoding.TextMarshaler with the hex form.
func (h Hash) MarshalText() ([]byte, error) {
	return []byte(h.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with the hex form.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ErrMalformedHash is returned by ParseHash for anything but 64 hex digits.
var ErrMalformedHash = errors.New("pdq: a hash is 64 hex digits")

// ParseHash parses the 64-digit hex form (either case).
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 64 {
		return h, fmt.Errorf("%w: got %d characters", ErrMalformedHash, len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("%w: %v", ErrMalformedHash, err)
	}
	return h, nil
}

// Bit reports whether bit k (0…255) is set.
func (h Hash) Bit(k int) bool {
	return h[31-k/8]>>(k%8)&1 == 1
}

func (h *Hash) setBit(k int) {
	h[31-k/8] |= 1 << (k % 8)
}

// OnesCount returns the number of bits set; a normal PDQ hash has 128.
func (h Hash) OnesCount() int {
	n := 0
	for _, b := range h {
		n += bits.OnesCount8(b)
	}
	return n
}

// Distance returns the Hamming distance between a and b (0…256).
func Distance(a, b Hash) int {
	n := 0
	for i := range a {
		n += bits.OnesCount8(a[i] ^ b[i])
	}
	return n
}
