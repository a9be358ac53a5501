package guard

import (
	"bytes"
	"encoding/binary"
)

// VP8X flags for the metadata chunks.
const (
	vp8xExif = 0x08
	vp8xXMP  = 0x04
)

// webpKept reports whether a RIFF chunk of a WebP file is kept: the image
// data, alpha, animation frames and colour profile.
func webpKept(fourCC string) bool {
	switch fourCC {
	case "VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF", "ICCP":
		return true
	}
	return false
}

// scrubWebP copies the chunks of a WebP file that change how it looks,
// clears the Exif and XMP flags of its VP8X header and fixes the RIFF size.
// WebP has no agreed orientation semantics, so Exif is dropped whole.
func scrubWebP(data []byte, r *Report) ([]byte, error) {
	size := binary.LittleEndian.Uint32(data[4:])
	if size < 4 || uint64(size)+8 > uint64(len(data)) {
		return nil, corrupt("webp", "the RIFF header claims %d bytes, the file has %d", size, len(data)-8)
	}
	if uint64(size)+8 < uint64(len(data)) {
		r.add(RemovedTrailing)
	}
	body := data[12 : 8+size]
	out := make([]byte, 12, len(data))
	copy(out, data[:12])
	for p := 0; p < len(body); {
		fourCC, payload, next, err := webpChunk(body, p)
		if err != nil {
			return nil, err
		}
		p = next
		switch {
		case fourCC == "VP8X":
			out = appendWebPChunk(out, fourCC, vp8x(payload))
		case webpKept(fourCC):
			out = appendWebPChunk(out, fourCC, payload)
		case fourCC == "EXIF":
			r.addExif(readExif(bytes.TrimPrefix(payload, []byte("Exif\x00\x00"))))
		case fourCC == "XMP ":
			r.add(RemovedXMP)
		default:
			r.add(RemovedAppData)
		}
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, nil
}

// webpChunk returns the chunk at p of body and the offset of the next one.
// A missing pad byte after an odd-sized last chunk is tolerated.
func webpChunk(body []byte, p int) (fourCC string, payload []byte, next int, err error) {
	if p+8 > len(body) {
		return "", nil, 0, corrupt("webp", "the file ends inside a chunk header at byte %d", p+12)
	}
	n := binary.LittleEndian.Uint32(body[p+4:])
	if uint64(p)+8+uint64(n) > uint64(len(body)) {
		return "", nil, 0, corrupt("webp", "chunk %q at byte %d claims %d bytes, only %d remain", body[p:p+4], p+12, n, len(body)-p-8)
	}
	end := p + 8 + int(n)
	return string(body[p : p+4]), body[p+8 : end], min(end+int(n&1), len(body)), nil
}

// vp8x returns a copy of a VP8X payload without the Exif and XMP flags.
func vp8x(payload []byte) []byte {
	c := bytes.Clone(payload)
	if len(c) > 0 {
		c[0] &^= vp8xExif | vp8xXMP
	}
	return c
}

// appendWebPChunk appends a chunk and its pad byte to out.
func appendWebPChunk(out []byte, fourCC string, payload []byte) []byte {
	out = append(out, fourCC...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
	out = append(out, payload...)
	if len(payload)%2 == 1 {
		out = append(out, 0)
	}
	return out
}
