package guard

import (
	"bytes"
	"encoding/binary"
)

// JPEG markers Scrub treats specially.
const (
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerAPP0 = 0xE0
	markerAPP1 = 0xE1
	markerAPP2 = 0xE2
	markerAP13 = 0xED
	markerAP14 = 0xEE
	markerCOM  = 0xFE
)

// scrubJPEG copies the segments of a JPEG that decoders need (frame,
// tables, scans with their entropy-coded data, JFIF, ICC profile, Adobe
// colour transform) and leaves out the others. It stops at the end-of-image
// marker.
func scrubJPEG(data []byte, r *Report) ([]byte, error) {
	out := make([]byte, 0, len(data))
	out = append(out, 0xFF, markerSOI)
	exifDone := false
	for p := 2; ; {
		m, start, err := jpegMarker(data, p)
		if err != nil {
			return nil, err
		}
		if m == markerEOI {
			out = append(out, 0xFF, markerEOI)
			if start+2 < len(data) {
				r.add(RemovedTrailing)
			}
			return out, nil
		}
		if standalone(m) {
			out, p = append(out, 0xFF, m), start+2
			continue
		}
		seg, err := jpegSegment(data, start, m)
		if err != nil {
			return nil, err
		}
		p = start + len(seg)
		if m == markerSOS {
			end, err := entropyEnd(data, p)
			if err != nil {
				return nil, err
			}
			out, p = append(append(out, seg...), data[p:end]...), end
			continue
		}
		out = keepSegment(out, seg, m, r, &exifDone)
	}
}

// jpegMarker returns the marker at p, skipping fill bytes, and the offset
// of its 0xFF.
func jpegMarker(data []byte, p int) (byte, int, error) {
	if p >= len(data) {
		return 0, 0, corrupt("jpeg", "the file ends before the end-of-image marker")
	}
	if data[p] != 0xFF {
		return 0, 0, corrupt("jpeg", "byte %d is 0x%02X where a marker should start", p, data[p])
	}
	for p+1 < len(data) && data[p+1] == 0xFF {
		p++ // fill bytes
	}
	if p+1 >= len(data) {
		return 0, 0, corrupt("jpeg", "the file ends inside a marker")
	}
	if m := data[p+1]; m != 0x00 && m != markerSOI {
		return m, p, nil
	}
	return 0, 0, corrupt("jpeg", "invalid marker 0xFF%02X at byte %d", data[p+1], p)
}

// standalone reports whether marker m has no length field (RSTn, TEM).
func standalone(m byte) bool { return m == 0x01 || (m >= 0xD0 && m <= 0xD7) }

// jpegSegment returns the segment (marker, length and payload) at start.
func jpegSegment(data []byte, start int, m byte) ([]byte, error) {
	if start+4 > len(data) {
		return nil, corrupt("jpeg", "the file ends inside segment 0xFF%02X at byte %d", m, start)
	}
	n := int(binary.BigEndian.Uint16(data[start+2:]))
	if n < 2 {
		return nil, corrupt("jpeg", "segment 0xFF%02X at byte %d has length %d", m, start, n)
	}
	if start+2+n > len(data) {
		return nil, corrupt("jpeg", "segment 0xFF%02X at byte %d claims %d bytes, only %d remain", m, start, n, len(data)-start-2)
	}
	return data[start : start+2+n], nil
}

// entropyEnd returns the offset of the first marker after the
// entropy-coded data that starts at p: stuffed 0xFF00 bytes and restart
// markers are part of the data.
func entropyEnd(data []byte, p int) (int, error) {
	for {
		i := bytes.IndexByte(data[p:], 0xFF)
		if i < 0 || p+i+1 >= len(data) {
			return 0, corrupt("jpeg", "the file ends inside the compressed image data")
		}
		p += i
		if next := data[p+1]; next == 0x00 || (next >= 0xD0 && next <= 0xD7) {
			p += 2
			continue
		}
		return p, nil
	}
}

// keepSegment appends seg to out if decoders need it, and otherwise
// records what it held. The first Exif block is replaced by one holding
// only its orientation, if it had one worth keeping.
func keepSegment(out, seg []byte, m byte, r *Report, exifDone *bool) []byte {
	payload := seg[4:]
	switch {
	case m == markerAPP0 && bytes.HasPrefix(payload, []byte("JFIF\x00")),
		m == markerAPP2 && bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00")),
		m == markerAP14 && bytes.HasPrefix(payload, []byte("Adobe")),
		m < markerAPP0 || (m > 0xEF && m != markerCOM):
		return append(out, seg...)
	case m == markerAPP1 && bytes.HasPrefix(payload, []byte("Exif\x00\x00")):
		o := r.addExif(readExif(payload[6:]))
		if o == 0 || *exifDone {
			return out
		}
		*exifDone, r.Orientation = true, o
		return append(out, exifSegment(o)...)
	}
	r.add(jpegCategory(m, payload))
	return out
}

// jpegCategory names what a dropped segment held.
func jpegCategory(m byte, payload []byte) string {
	has := func(p string) bool { return bytes.HasPrefix(payload, []byte(p)) }
	switch {
	case m == markerCOM:
		return RemovedComments
	case m == markerAPP1 && (has("http://ns.adobe.com/xap/1.0/\x00") || has("http://ns.adobe.com/xmp/extension/\x00")):
		return RemovedXMP
	case m == markerAP13:
		return RemovedIPTC
	case m == markerAPP2 && has("MPF\x00"):
		return RemovedExtraImage
	case m == markerAPP0 && has("JFXX\x00"):
		return RemovedThumbnail
	}
	return RemovedAppData
}

// exifSegment returns an APP1 segment whose Exif holds only orientation o.
func exifSegment(o int) []byte {
	tiff := orientationTIFF(o)
	n := 2 + 6 + len(tiff)
	seg := []byte{0xFF, markerAPP1, byte(n >> 8), byte(n)}
	seg = append(seg, "Exif\x00\x00"...)
	return append(seg, tiff...)
}
