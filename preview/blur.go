package preview

// blurPasses is how many box blurs make one blur: three approximate a
// Gaussian with a standard deviation of about the radius.
const blurPasses = 3

// blurRadius returns the box radius for a strength from 0 to MaxBlur on a
// w×h plane: proportional to the strength and to the longer side, so that
// the default strength leaves only shapes a sixteenth of the image wide,
// and at least one pixel for any strength above zero.
func blurRadius(strength, w, h int) int {
	if strength <= 0 {
		return 0
	}
	return max(1, (strength*max(w, h)+1599)/1600)
}

// blur blurs p with blurPasses box blurs of radius r, along rows and then
// along columns. Each pass costs the same whatever r is: a running sum
// over a window, with the edge pixels repeated beyond the border.
func (p *plane) blur(r int) {
	if r <= 0 {
		return
	}
	tmp := make([]uint8, len(p.pix))
	for range blurPasses {
		for y := 0; y < p.h; y++ {
			boxLine(tmp[y*p.w:], p.pix[y*p.w:], p.w, 1, r)
		}
		p.pix, tmp = tmp, p.pix
	}
	for range blurPasses {
		for x := 0; x < p.w; x++ {
			boxLine(tmp[x:], p.pix[x:], p.h, p.w, r)
		}
		p.pix, tmp = tmp, p.pix
	}
}

// boxLine writes to dst the box blur of radius r of the n values of src
// that are stride apart.
func boxLine(dst, src []uint8, n, stride, r int) {
	at := func(i int) int { return int(src[min(max(i, 0), n-1)*stride]) }
	width := 2*r + 1
	sum := 0
	for i := -r; i <= r; i++ {
		sum += at(i)
	}
	for i := 0; i < n; i++ {
		dst[i*stride] = uint8((sum + width/2) / width)
		sum += at(i+r+1) - at(i-r)
	}
}
