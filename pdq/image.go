package pdq

import (
	"image"
	"image/color"
)

// FromImage returns the 8-bit pixels of img as the reference's decoder
// (ImageMagick) would hand them to PDQ: grey images as one channel, others as
// RGB with alpha ignored (the stored colour of transparent pixels is hashed,
// not a premultiplied one). Gray, NRGBA and RGBA images are used without a
// copy.
//
// 16-bit images keep the high byte of each sample (v>>8). The reference keeps
// the low byte, which is a bug: hashes of 16-bit PNGs deliberately differ
// from its output.
func FromImage(img image.Image) Pixels {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.Gray:
		return Pixels{Width: w, Height: h, Channels: 1, Stride: m.Stride, Pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):]}
	case *image.NRGBA:
		return Pixels{Width: w, Height: h, Channels: 4, Stride: m.Stride, Pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):]}
	case *image.RGBA:
		return Pixels{Width: w, Height: h, Channels: 4, Stride: m.Stride, Pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):]}
	case *image.Gray16:
		return gray16(m)
	case *image.YCbCr:
		return convert(img, func(x, y int) (r, g, b uint8) {
			c := m.YCbCrAt(x, y)
			return color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
		})
	case *image.Paletted:
		pal := make([]color.NRGBA, len(m.Palette))
		for i, c := range m.Palette {
			pal[i] = color.NRGBAModel.Convert(c).(color.NRGBA)
		}
		return convert(img, func(x, y int) (r, g, b uint8) {
			i := int(m.ColorIndexAt(x, y))
			if i >= len(pal) {
				return 0, 0, 0 // out-of-range index: image/png decodes these as black too
			}
			return pal[i].R, pal[i].G, pal[i].B
		})
	}
	return convert(img, func(x, y int) (r, g, b uint8) {
		c := color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
		return uint8(c.R >> 8), uint8(c.G >> 8), uint8(c.B >> 8)
	})
}

// gray16 keeps the high byte of every sample.
func gray16(m *image.Gray16) Pixels {
	b := m.Bounds()
	p := Pixels{Width: b.Dx(), Height: b.Dy(), Channels: 1, Stride: b.Dx()}
	p.Pix = make([]byte, p.Width*p.Height)
	for y := range p.Height {
		src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
		dst := p.Pix[y*p.Width : (y+1)*p.Width]
		for x := range dst {
			dst[x] = src[2*x]
		}
	}
	return p
}

// convert builds a 3-channel Pixels from a per-pixel colour function called
// with absolute coordinates. Unlike the non-premultiplied NRGBA64 model used
// for unknown image types, this keeps colour under transparent pixels.
func convert(img image.Image, at func(x, y int) (r, g, b uint8)) Pixels {
	bd := img.Bounds()
	p := Pixels{Width: bd.Dx(), Height: bd.Dy(), Channels: 3, Stride: 3 * bd.Dx()}
	p.Pix = make([]byte, p.Stride*p.Height)
	i := 0
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			p.Pix[i], p.Pix[i+1], p.Pix[i+2] = at(x, y)
			i += 3
		}
	}
	return p
}

// HashImage hashes img with a new Hasher; for many images, reuse a Hasher.
func HashImage(img image.Image) Result {
	var h Hasher
	r, _ := h.Hash(FromImage(img)) // FromImage always returns valid Pixels
	return r
}
