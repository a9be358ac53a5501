package preview

import "image"

// plane is one 8-bit channel of the preview: luminance, or red, green or
// blue.
type plane struct {
	w, h int
	pix  []uint8
}

func newPlane(w, h int) *plane { return &plane{w: w, h: h, pix: make([]uint8, w*h)} }

// toPlanes splits an opaque image into a luminance plane, when grey, or
// into its red, green and blue planes.
func toPlanes(img *image.RGBA, grey bool) []*plane {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	n := 3
	if grey {
		n = 1
	}
	planes := make([]*plane, n)
	for i := range planes {
		planes[i] = newPlane(w, h)
	}
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := 0; x < w; x++ {
			r, g, b := uint32(row[4*x]), uint32(row[4*x+1]), uint32(row[4*x+2])
			if grey {
				// ITU-R BT.601 luma, in 16.16 fixed point.
				planes[0].pix[y*w+x] = uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
				continue
			}
			planes[0].pix[y*w+x], planes[1].pix[y*w+x], planes[2].pix[y*w+x] = uint8(r), uint8(g), uint8(b)
		}
	}
	return planes
}

// toImage joins planes into an *image.Gray (one plane) or an opaque
// *image.NRGBA (three).
func toImage(planes []*plane) image.Image {
	w, h := planes[0].w, planes[0].h
	if len(planes) == 1 {
		return &image.Gray{Pix: planes[0].pix, Stride: w, Rect: image.Rect(0, 0, w, h)}
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = planes[0].pix[i], planes[1].pix[i], planes[2].pix[i], 0xff
	}
	return img
}

// pixelate replaces each block×block square with its mean.
func (p *plane) pixelate(block int) {
	if block <= 1 {
		return
	}
	for by := 0; by < p.h; by += block {
		for bx := 0; bx < p.w; bx += block {
			x1, y1 := min(bx+block, p.w), min(by+block, p.h)
			p.fill(bx, by, x1, y1, p.mean(bx, by, x1, y1))
		}
	}
}

// mean returns the mean of the rectangle [x0,x1)×[y0,y1).
func (p *plane) mean(x0, y0, x1, y1 int) uint8 {
	var sum int
	for y := y0; y < y1; y++ {
		for _, v := range p.pix[y*p.w+x0 : y*p.w+x1] {
			sum += int(v)
		}
	}
	n := (x1 - x0) * (y1 - y0)
	return uint8((sum + n/2) / n)
}

// fill sets the rectangle [x0,x1)×[y0,y1) to v.
func (p *plane) fill(x0, y0, x1, y1 int, v uint8) {
	for y := y0; y < y1; y++ {
		row := p.pix[y*p.w+x0 : y*p.w+x1]
		for i := range row {
			row[i] = v
		}
	}
}
