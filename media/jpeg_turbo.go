//go:build turbojpeg

package media

// This file needs cgo and libjpeg-turbo's TurboJPEG API (Debian:
// libturbojpeg0-dev). With CGO_ENABLED=0 the go tool drops it silently, and
// then the build fails because decodeJPEGGray is missing, rather than
// falling back to the slower path unnoticed.

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>
*/
import "C"

import (
	"fmt"
	"image"
	"strings"
	"unsafe"
)

// JPEGDecoder names the decoder DecodeFast uses for JPEG in this build.
const JPEGDecoder = "turbojpeg"

// decodeJPEGGray decodes the luminance of a JPEG at 1/scale with
// libjpeg-turbo, which skips the chroma components entirely when asked for
// grey output and uses its reduced-size inverse DCTs for the scaling.
func decodeJPEGGray(r *deadlineReader, scale int) (*image.Gray, string, error) {
	if r.ctx.Err() != nil {
		return nil, "", errDeadline
	}
	data := r.data
	h := C.tjInitDecompress()
	if h == nil {
		return nil, "", fmt.Errorf("turbojpeg: cannot initialise: %s", C.GoString(C.tjGetErrorStr2(nil)))
	}
	defer C.tjDestroy(h)
	src := (*C.uchar)(unsafe.Pointer(&data[0]))
	var w, ht, subsamp, cs C.int
	if C.tjDecompressHeader3(h, src, C.ulong(len(data)), &w, &ht, &subsamp, &cs) != 0 {
		// A header libjpeg only warns about still gives no image to decode.
		if err := turboError(h); err != nil {
			return nil, "", err
		}
		return nil, "", errorf(Corrupt, JPEG, nil, "the JPEG header could not be read")
	}
	if cs == C.TJCS_CMYK || cs == C.TJCS_YCCK {
		return nil, "", errNoFastPath // libjpeg has no CMYK to grey conversion
	}
	s := C.int(scale)
	sw, sh := (w+s-1)/s, (ht+s-1)/s
	img := image.NewGray(image.Rect(0, 0, int(sw), int(sh)))
	dst := (*C.uchar)(unsafe.Pointer(&img.Pix[0]))
	if C.tjDecompress2(h, src, C.ulong(len(data)), dst, sw, sw, sh, C.TJPF_GRAY, 0) != 0 {
		if err := turboError(h); err != nil {
			return nil, "", err
		}
	}
	return img, "turbojpeg", nil
}

// turboError turns libjpeg-turbo's last error into an error, or nil for a
// warning about damage it recovered from. A file that ends early is a
// warning to libjpeg (it pads with grey); here it is refused as Truncated,
// as the standard library does.
func turboError(h C.tjhandle) error {
	msg := C.GoString(C.tjGetErrorStr2(h))
	if strings.Contains(msg, "Premature end") {
		return errorf(Truncated, JPEG, nil, "the file ends before the image does")
	}
	if C.tjGetErrorCode(h) == C.TJERR_WARNING {
		return nil
	}
	return errorf(Corrupt, JPEG, nil, "libjpeg-turbo: %s", msg)
}
