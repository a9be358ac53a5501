package media_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/vigie-hotline/vigie/pdq/pdqtest"
)

// testdata is the shared folder of public PDQ test images (BSD-3, Meta).
const testdata = "../../shared/testdata/pdq"

// sample is a small generated image, so corpus files stay small.
func sample() *image.NRGBA { return pdqtest.Photo(7, 96, 64) }

func encodeJPEG(tb testing.TB, img image.Image, q int) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func encodeBMP(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := bmp.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func encodeTIFF(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := tiff.Encode(&b, img, &tiff.Options{Compression: tiff.Deflate}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// readShared reads a file from the shared PDQ test images.
func readShared(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// pngWithSize returns a valid PNG signature and IHDR declaring w×h 8-bit
// RGB, followed by a tiny IDAT and IEND: a decompression bomb's header.
func pngWithSize(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // bit depth 8, colour type RGB
	writeChunk(&b, "IHDR", ihdr)
	writeChunk(&b, "IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	writeChunk(&b, "IEND", nil)
	return b.Bytes()
}

func writeChunk(b *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	b.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	b.WriteString(typ)
	b.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	b.Write(n[:])
}

// jpegWithSize rewrites the SOF0 frame size of a valid JPEG.
func jpegWithSize(tb testing.TB, w, h uint16) []byte {
	tb.Helper()
	b := encodeJPEG(tb, sample(), 80)
	i := bytes.Index(b, []byte{0xff, 0xc0})
	if i < 0 {
		tb.Fatal("no SOF0 marker")
	}
	binary.BigEndian.PutUint16(b[i+5:], h)
	binary.BigEndian.PutUint16(b[i+7:], w)
	return b
}

// gifWithSize rewrites the logical screen and first frame size of a GIF.
func gifWithSize(tb testing.TB, w, h uint16) []byte {
	tb.Helper()
	p := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.White})
	b := encodeGIF(tb, p)
	binary.LittleEndian.PutUint16(b[6:], w)
	binary.LittleEndian.PutUint16(b[8:], h)
	return b
}

// truncate keeps the first fraction keep of b.
func truncate(b []byte, keep float64) []byte {
	return b[:int(float64(len(b))*keep)]
}

// seedCorpus returns valid and malformed files of every format, for the
// table tests and as the fuzz targets' seed corpus.
func seedCorpus(tb testing.TB) map[string][]byte {
	tb.Helper()
	img := sample()
	grey := image.NewGray(img.Bounds())
	for i := range grey.Pix {
		grey.Pix[i] = img.Pix[4*i+1]
	}
	webpFile := readShared(tb, "misc-images/modes/F.webp")
	c := map[string][]byte{
		"jpeg":            encodeJPEG(tb, img, 85),
		"jpeg-grey":       encodeJPEG(tb, grey, 85),
		"jpeg-scalable":   encodeJPEG(tb, pdqtest.Photo(8, 560, 530), 60), // reduced to 1/8 when minSide is 64
		"png":             encodePNG(tb, img),
		"png-grey":        encodePNG(tb, grey),
		"gif":             encodeGIF(tb, img),
		"bmp":             encodeBMP(tb, img),
		"tiff":            encodeTIFF(tb, img),
		"webp":            webpFile,
		"empty":           {},
		"garbage":         []byte("this is not an image, it is a text file\n"),
		"jpeg-truncated":  truncate(encodeJPEG(tb, img, 85), 0.5),
		"jpeg-header":     truncate(encodeJPEG(tb, img, 85), 0.05),
		"png-truncated":   truncate(encodePNG(tb, img), 0.5),
		"gif-truncated":   truncate(encodeGIF(tb, img), 0.5),
		"bmp-truncated":   truncate(encodeBMP(tb, img), 0.5),
		"tiff-truncated":  truncate(encodeTIFF(tb, img), 0.5),
		"webp-truncated":  truncate(webpFile, 0.5),
		"png-bomb":        pngWithSize(100_000, 100_000),
		"jpeg-bomb":       jpegWithSize(tb, 65000, 65000),
		"gif-bomb":        gifWithSize(tb, 65535, 65535),
		"png-zero-width":  pngWithSize(0, 10),
		"jpeg-zero-width": jpegWithSize(tb, 0, 64),
	}
	return c
}
