package pdq

import "fmt"

// Dihedral transforms, in the order the reference prints them
// (pdq-photo-hasher --pdqdih-across) and Result.Dihedral returns them.
const (
	Original   = iota // as stored
	Rotate90          // counter-clockwise
	Rotate180         //
	Rotate270         //
	FlipX             // upside down
	FlipY             // mirrored left to right
	FlipPlus1         // transposed
	FlipMinus1        // anti-transposed
)

// DihedralNames names the 8 dihedral transforms in the order of the constants.
var DihedralNames = [8]string{"orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"}

// Pixels is decoded 8-bit image data. Channels is 1 (grey), 3 (RGB) or 4
// (RGB and an ignored fourth byte, such as the alpha of image.NRGBA); the
// sample for channel c of pixel (x, y) is Pix[y*Stride+x*Channels+c].
type Pixels struct {
	Width, Height int
	Channels      int
	Stride        int
	Pix           []byte
}

// check reports whether p describes a readable buffer, so that hashing a
// malformed Pixels returns an error instead of panicking.
func (p Pixels) check() error {
	switch {
	case p.Channels != 1 && p.Channels != 3 && p.Channels != 4:
		return fmt.Errorf("pdq: %d channels, want 1, 3 or 4", p.Channels)
	case p.Width < 0 || p.Height < 0:
		return fmt.Errorf("pdq: negative size %dx%d", p.Width, p.Height)
	case p.Width == 0 || p.Height == 0:
		return nil
	case p.Stride < p.Width*p.Channels:
		return fmt.Errorf("pdq: stride %d is less than %d×%d", p.Stride, p.Width, p.Channels)
	case len(p.Pix) < (p.Height-1)*p.Stride+p.Width*p.Channels:
		return fmt.Errorf("pdq: %d bytes of pixels for %dx%d", len(p.Pix), p.Width, p.Height)
	}
	return nil
}

// Result is the outcome of hashing one image.
type Result struct {
	Hash    Hash
	Quality int // 0…100; below MinQuality the hash is not reliable

	// dct is the 16×16 DCT output the hash was thresholded from. dih is the
	// one the reference derives the dihedral hashes from: the same except
	// for 64×64 inputs, where the reference's dihedral code blurs with
	// window 1 and its plain hash code does not.
	dct, dih [256]float32
}

// Dihedral returns the hashes of the 8 rotations and flips of the image, in
// the order of the constants Original…FlipMinus1, computed from the DCT of
// the original as the reference does (not by hashing rotated pixels).
func (r *Result) Dihedral() [8]Hash {
	var out [8]Hash
	var t [256]float32
	for d := range out {
		transform(d, &r.dih, &t)
		out[d] = threshold(&t)
	}
	return out
}

// Hasher computes PDQ hashes and keeps its working buffers between calls. The
// zero value is ready to use. A Hasher must not be used by two goroutines at
// once; give each worker its own.
type Hasher struct {
	buf1, buf2 []float32
	cols       []float32 // the sampled columns of the last pass, 64 × height
}

// preResize is the reference loader's limit: larger images are first resized
// to exactly preResize×preResize by nearest neighbour.
const preResize = 512

// minDim is the smallest width and height the reference hashes; smaller
// images get the all-zero hash and quality 0.
const minDim = 5

// Hash computes the PDQ hash and quality of p.
func (h *Hasher) Hash(p Pixels) (Result, error) {
	var r Result
	if err := p.check(); err != nil {
		return r, err
	}
	w, ht := p.Width, p.Height
	if w > preResize || ht > preResize {
		w, ht = preResize, preResize
	}
	if w < minDim || ht < minDim {
		return r, nil
	}
	luma := h.luma(p, w, ht)
	if w == 64 && ht == 64 {
		// The reference's plain hash uses a 64×64 image as is, while its
		// dihedral code blurs it with window 1, which can move float32 sums
		// by an ulp; both are kept so that each output matches its own.
		var a [64 * 64]float32
		copy(a[:], luma)
		r.Quality, r.dct = fromGrid(&a)
		_, r.dih = fromGrid(h.blur(luma, w, ht))
	} else {
		r.Quality, r.dct = fromGrid(h.blur(luma, w, ht))
		r.dih = r.dct
	}
	r.Hash = threshold(&r.dct)
	return r, nil
}

// fromGrid returns the quality and the 16×16 DCT of the 64×64 grid a.
func fromGrid(a *[64 * 64]float32) (int, [256]float32) {
	return quality(a), dct16(a)
}
