package guard

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

const pngSignature = "\x89PNG\r\n\x1a\n"

// maxPNGChunk is the largest chunk length the PNG specification allows.
const maxPNGChunk = 1<<31 - 1

// pngKept reports whether an ancillary chunk type is kept: colour, pixel
// density, transparency and animation chunks change how the pixels look.
func pngKept(typ string) bool {
	switch typ {
	case "iCCP", "sRGB", "gAMA", "cHRM", "cICP", "mDCV", "cLLI", "sBIT", "pHYs",
		"tRNS", "bKGD", "hIST", "sPLT", "acTL", "fcTL", "fdAT":
		return true
	}
	return false
}

// scrubPNG copies the chunks of a PNG that change how it looks, critical
// ones included, and leaves out the others. It stops after IEND.
func scrubPNG(data []byte, r *Report) ([]byte, error) {
	out := make([]byte, 0, len(data))
	out = append(out, pngSignature...)
	exifDone := false
	for p := len(pngSignature); ; {
		typ, chunk, err := pngChunk(data, p)
		if err != nil {
			return nil, err
		}
		if p == len(pngSignature) && typ != "IHDR" {
			return nil, corrupt("png", "the first chunk is %q, not IHDR", typ)
		}
		p += len(chunk)
		critical := typ[0]&0x20 == 0
		switch {
		case critical || pngKept(typ):
			out = append(out, chunk...)
		case typ == "eXIf":
			o := r.addExif(readExif(chunk[8 : len(chunk)-4]))
			if o != 0 && !exifDone {
				exifDone, r.Orientation = true, o
				out = append(out, pngChunkBytes("eXIf", orientationTIFF(o))...)
			}
		default:
			r.add(pngCategory(typ, chunk[8:len(chunk)-4]))
		}
		if typ == "IEND" {
			if p < len(data) {
				r.add(RemovedTrailing)
			}
			return out, nil
		}
	}
}

// pngChunk returns the type of the chunk at p and its bytes (length, type,
// data and CRC). The CRC is not checked: kept chunks are copied as they
// are, and decoders check it.
func pngChunk(data []byte, p int) (string, []byte, error) {
	if p+12 > len(data) {
		return "", nil, corrupt("png", "the file ends before the IEND chunk")
	}
	n := binary.BigEndian.Uint32(data[p:])
	typ := data[p+4 : p+8]
	for _, c := range typ {
		if (c|0x20) < 'a' || (c|0x20) > 'z' {
			return "", nil, corrupt("png", "chunk at byte %d has an invalid type %q", p, typ)
		}
	}
	if n > maxPNGChunk || uint64(p)+12+uint64(n) > uint64(len(data)) {
		return "", nil, corrupt("png", "chunk %s at byte %d claims %d bytes, only %d remain", typ, p, n, len(data)-p-12)
	}
	return string(typ), data[p : p+12+int(n)], nil
}

// pngCategory names what a dropped chunk held, from its type and, for text
// chunks, its keyword.
func pngCategory(typ string, body []byte) string {
	keyword, _, _ := bytes.Cut(body, []byte{0})
	switch {
	case typ == "tIME":
		return RemovedDates
	case typ != "tEXt" && typ != "zTXt" && typ != "iTXt":
		return RemovedAppData
	case string(keyword) == "XML:com.adobe.xmp":
		return RemovedXMP
	case bytes.EqualFold(keyword, []byte("Raw profile type exif")), bytes.EqualFold(keyword, []byte("Raw profile type APP1")):
		return RemovedExifOther
	case bytes.EqualFold(keyword, []byte("Raw profile type iptc")):
		return RemovedIPTC
	}
	return RemovedComments
}

// pngChunkBytes returns a chunk of type typ holding body, with its CRC.
func pngChunkBytes(typ string, body []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	c = append(append(c, typ...), body...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}
