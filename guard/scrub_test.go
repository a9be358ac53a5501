package guard_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/image/webp"

	"github.com/vigie-hotline/vigie/guard"
	"github.com/vigie-hotline/vigie/media"
)

// samePixels fails the test unless a and b have the same bounds and the
// same colour at every pixel.
func samePixels(t *testing.T, a, b image.Image) {
	t.Helper()
	if got, want := b.Bounds(), a.Bounds(); got != want {
		t.Fatalf("Bounds=%v, want %v", got, want)
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if [4]uint32{r1, g1, b1, a1} != [4]uint32{r2, g2, b2, a2} {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, b.At(x, y), a.At(x, y))
			}
		}
	}
}

// noneOf fails the test if clean contains any of the secrets.
func noneOf(t *testing.T, clean []byte, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(clean, []byte(s)) {
			t.Errorf("the cleaned file still contains %q", s)
		}
	}
}

// hasAll fails the test unless the report lists every item of want.
func hasAll(t *testing.T, r guard.Report, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(r.Removed, w) {
			t.Errorf("Removed=%q, want it to list %q", r.Removed, w)
		}
	}
}

// minimalExifAPP1 is the segment Scrub writes to keep orientation 6.
func minimalExifAPP1() []byte {
	tiff := "MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00"
	return jpegSegmentBytes(0xE1, "Exif\x00\x00"+tiff)
}

func TestScrubJPEG(t *testing.T) {
	plain := plainJPEG(t, 1)
	clean, rep, err := guard.Scrub(cameraJPEG(plain))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("MetadataRemoved", func(t *testing.T) {
		noneOf(t, clean, testMake, testModel, "SECRETMN", "2024:06:01", "xmpmeta", "8BIM", testComment, "MotionPhoto", "II*\x00")
		hasAll(t, rep, guard.RemovedGPS, guard.RemovedCamera, guard.RemovedMakerNotes, guard.RemovedDates,
			guard.RemovedXMP, guard.RemovedIPTC, guard.RemovedComments, guard.RemovedTrailing)
	})
	t.Run("OrientationKept", func(t *testing.T) {
		if got, want := rep.Orientation, 6; got != want {
			t.Errorf("Orientation=%d, want %d", got, want)
		}
	})
	t.Run("ImageDataUnchanged", func(t *testing.T) {
		// image/jpeg writes no metadata, so the cleaned file must be the
		// encoder's output with only the orientation block added.
		want := append(append([]byte{0xFF, 0xD8}, minimalExifAPP1()...), plain[2:]...)
		if !bytes.Equal(clean, want) {
			t.Fatalf("cleaned file (%d bytes) differs from the original image data plus orientation (%d bytes)", len(clean), len(want))
		}
	})
	t.Run("PixelsIdentical", func(t *testing.T) {
		a, err := jpeg.Decode(bytes.NewReader(plain))
		if err != nil {
			t.Fatal(err)
		}
		b, err := jpeg.Decode(bytes.NewReader(clean))
		if err != nil {
			t.Fatal(err)
		}
		samePixels(t, a, b)
	})
}

func TestScrubJPEGKeepsColourSegments(t *testing.T) {
	plain := plainJPEG(t, 2)
	keep := [][]byte{
		jpegSegmentBytes(0xE0, "JFIF\x00\x01\x02\x00\x00\x48\x00\x48\x00\x00"),
		jpegSegmentBytes(0xE2, "ICC_PROFILE\x00\x01\x01fake-profile"),
		jpegSegmentBytes(0xEE, "Adobe\x00\x64\x00\x00\x00\x00\x01"),
	}
	in := []byte{0xFF, 0xD8}
	for _, s := range keep {
		in = append(in, s...)
	}
	in = append(in, jpegSegmentBytes(0xE2, "MPF\x00II*\x00")...)
	in = append(in, plain[2:]...)
	clean, rep, err := guard.Scrub(in)
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte{}, in[:len(in)-len(plain)+2-len(jpegSegmentBytes(0xE2, "MPF\x00II*\x00"))]...), plain[2:]...)
	if !bytes.Equal(clean, want) {
		t.Errorf("JFIF, ICC profile and Adobe segments not kept byte for byte")
	}
	if got, want := rep.Removed, []string{guard.RemovedExtraImage}; !slices.Equal(got, want) {
		t.Errorf("Removed=%q, want %q", got, want)
	}
	if got, want := rep.Orientation, 0; got != want {
		t.Errorf("Orientation=%d, want %d", got, want)
	}
}

func TestScrubPNG(t *testing.T) {
	plain := plainPNG(t, 3)
	clean, rep, err := guard.Scrub(cameraPNG(plain))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("MetadataRemoved", func(t *testing.T) {
		noneOf(t, clean, testMake, testModel, "SECRETMN", "xmpmeta", testComment, "tIME", "tEXt", "iTXt", "trailing")
		hasAll(t, rep, guard.RemovedGPS, guard.RemovedCamera, guard.RemovedXMP, guard.RemovedComments, guard.RemovedDates, guard.RemovedTrailing)
	})
	t.Run("ImageDataUnchanged", func(t *testing.T) {
		exif := pngChunk("eXIf", []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00"))
		want := append(append(append([]byte{}, plain[:ihdrEnd]...), exif...), plain[ihdrEnd:]...)
		if !bytes.Equal(clean, want) {
			t.Fatalf("cleaned file (%d bytes) differs from the original chunks plus orientation (%d bytes)", len(clean), len(want))
		}
	})
	t.Run("PixelsIdentical", func(t *testing.T) {
		a, err := png.Decode(bytes.NewReader(plain))
		if err != nil {
			t.Fatal(err)
		}
		b, err := png.Decode(bytes.NewReader(clean))
		if err != nil {
			t.Fatal(err)
		}
		samePixels(t, a, b)
	})
}

func TestScrubWebP(t *testing.T) {
	dirty, want := cameraWebP()
	clean, rep, err := guard.Scrub(dirty)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("MetadataRemoved", func(t *testing.T) {
		noneOf(t, clean, testMake, "xmpmeta", "EXIF", "XMP ", "trailing")
		hasAll(t, rep, guard.RemovedGPS, guard.RemovedCamera, guard.RemovedXMP, guard.RemovedTrailing)
	})
	t.Run("FlagsAndSizeFixed", func(t *testing.T) {
		if !bytes.Equal(clean, want) {
			t.Fatalf("cleaned file\n%q\nwant\n%q", clean, want)
		}
	})
	t.Run("PixelsIdentical", func(t *testing.T) {
		a, err := webp.Decode(bytes.NewReader(dirty))
		if err != nil {
			t.Fatal(err)
		}
		b, err := webp.Decode(bytes.NewReader(clean))
		if err != nil {
			t.Fatal(err)
		}
		samePixels(t, a, b)
	})
}

func TestScrubUnchanged(t *testing.T) {
	plainWebP := riff(riffChunk("VP8L", vp8lCheckerboard(8, 8)))
	for name, in := range map[string][]byte{"JPEG": plainJPEG(t, 4), "PNG": plainPNG(t, 4), "WebP": plainWebP} {
		t.Run(name, func(t *testing.T) {
			clean, rep, err := guard.Scrub(in)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(clean, in) {
				t.Errorf("a file without metadata was changed")
			}
			if rep.Changed() {
				t.Errorf("Removed=%q, want nothing", rep.Removed)
			}
		})
	}
}

func TestScrubErrors(t *testing.T) {
	jpg := plainJPEG(t, 5)
	pngb := plainPNG(t, 5)
	dirty, _ := cameraWebP()
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"ErrUnsupportedGIF", []byte("GIF89a\x01\x00\x01\x00"), guard.ErrUnsupported},
		{"ErrUnsupportedHEIC", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), guard.ErrUnsupported},
		{"ErrUnsupportedEmpty", nil, guard.ErrUnsupported},
		{"ErrCorruptJPEGNoEOI", jpg[:len(jpg)-2], guard.ErrCorrupt},
		{"ErrCorruptJPEGSegmentTooLong", []byte("\xff\xd8\xff\xe1\xff\xffExif"), guard.ErrCorrupt},
		{"ErrCorruptJPEGSegmentTooShort", []byte("\xff\xd8\xff\xe1\x00\x01\xff\xd9"), guard.ErrCorrupt},
		{"ErrCorruptJPEGNotAMarker", []byte("\xff\xd8\xff\xe0\x00\x02\x12\x34"), guard.ErrCorrupt},
		{"ErrCorruptPNGNoIEND", pngb[:len(pngb)-12], guard.ErrCorrupt},
		{"ErrCorruptPNGChunkTooLong", append(append([]byte{}, pngb[:ihdrEnd]...), "\x7f\xff\xff\xffIDAT"...), guard.ErrCorrupt},
		{"ErrCorruptPNGNoIHDR", append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IEND", nil)...), guard.ErrCorrupt},
		{"ErrCorruptWebPRIFFTooLong", append(dirty[:4:4], append([]byte{0xff, 0xff, 0xff, 0x7f}, dirty[8:]...)...), guard.ErrCorrupt},
		{"ErrCorruptWebPChunkTooLong", riff([]byte("VP8L\xff\xff\x00\x00abc")), guard.ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := guard.Scrub(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err=%v, want %v", err, tc.want)
			}
		})
	}
}

// TestScrubTruncated cuts each generated file at every length: Scrub must
// return an error or a result, never panic, and truncation before the end
// of the image is always an error.
func TestScrubTruncated(t *testing.T) {
	dirty, _ := cameraWebP()
	for name, in := range map[string][]byte{"JPEG": cameraJPEG(plainJPEG(t, 6)), "PNG": cameraPNG(plainPNG(t, 6)), "WebP": dirty} {
		t.Run(name, func(t *testing.T) {
			end := len(in) - len("trailing")
			if name == "JPEG" {
				end = len(in) - len("MotionPhoto_Data")
			}
			for n := range end {
				if _, _, err := guard.Scrub(in[:n]); err == nil {
					t.Fatalf("Scrub of the first %d of %d bytes: no error", n, end)
				}
			}
		})
	}
}

// TestScrubSharedImages cleans the public PDQ test images, which were
// written by real cameras and editors (Exif with GPS, XMP, IPTC, WebP,
// CMYK JPEG), and checks that the pixels are unchanged.
func TestScrubSharedImages(t *testing.T) {
	for _, file := range sharedImages(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			clean, _, err := guard.Scrub(data)
			if err != nil {
				t.Fatal(err)
			}
			a, _, err := media.Decode(context.Background(), data, media.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			b, _, err := media.Decode(context.Background(), clean, media.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			samePixels(t, a, b)
		})
	}
}

func TestScrubKeepsPhoneOrientation(t *testing.T) {
	data, err := os.ReadFile("../../shared/testdata/pdq/reg-test-input/exif-rotn/exif-rotn-6.jpg")
	if err != nil {
		t.Skip(err)
	}
	clean, rep, err := guard.Scrub(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Orientation, 6; got != want {
		t.Errorf("Orientation=%d, want %d", got, want)
	}
	hasAll(t, rep, guard.RemovedGPS, guard.RemovedCamera, guard.RemovedMakerNotes, guard.RemovedThumbnail)
	if got, want := len(clean), len(data); got >= want {
		t.Errorf("cleaned size %d, want less than %d", got, want)
	}
}
