package guard

import "encoding/binary"

// exifCategory returns what an Exif (TIFF) tag reveals, or "" for tags
// without a category of their own. Scrub drops the whole block whatever it
// holds; the categories only make the Report precise.
func exifCategory(tag uint16) string {
	switch tag {
	case 0x010F, 0x0110, 0xA433, 0xA434: // Make, Model, LensMake, LensModel
		return RemovedCamera
	case 0x927C: // MakerNote
		return RemovedMakerNotes
	case 0xA430, 0xA431, 0xA435: // CameraOwnerName, BodySerialNumber, LensSerialNumber
		return RemovedSerial
	case 0x0132, 0x9003, 0x9004: // DateTime, DateTimeOriginal, DateTimeDigitized
		return RemovedDates
	case 0x0131, 0x013C: // Software, HostComputer
		return RemovedSoftware
	case 0x010E, 0x013B, 0x8298, 0x9286: // ImageDescription, Artist, Copyright, UserComment
		return RemovedNames
	case 0xA420: // ImageUniqueID
		return RemovedUniqueID
	}
	return ""
}

const (
	tagOrientation = 0x0112
	tagExifIFD     = 0x8769
	tagGPSIFD      = 0x8825
	tagInteropIFD  = 0xA005
	maxIFDEntries  = 4096 // more than any camera writes; bounds the work
)

// exifFacts is what Scrub learns from an Exif block before dropping it.
type exifFacts struct {
	orientation int // 1 to 8, or 0 if absent or invalid
	found       []string
}

// readExif reads the TIFF structure of an Exif block (without the
// "Exif\0\0" prefix). It is lenient: whatever it cannot read is simply not
// reported, since the block is dropped anyway.
func readExif(tiff []byte) exifFacts {
	var f exifFacts
	var bo binary.ByteOrder
	switch {
	case len(tiff) < 8:
		return exifFacts{found: []string{RemovedExifOther}}
	case string(tiff[:4]) == "II*\x00":
		bo = binary.LittleEndian
	case string(tiff[:4]) == "MM\x00*":
		bo = binary.BigEndian
	default:
		return exifFacts{found: []string{RemovedExifOther}}
	}
	r := exifReader{b: tiff, bo: bo, facts: &f}
	next := r.ifd(bo.Uint32(tiff[4:]), true)
	if next != 0 && r.entries(next) > 0 {
		f.add(RemovedThumbnail) // IFD1 describes the thumbnail
	}
	if len(f.found) == 0 && f.orientation == 0 {
		f.add(RemovedExifOther)
	}
	return f
}

func (f *exifFacts) add(what string) {
	for _, w := range f.found {
		if w == what {
			return
		}
	}
	f.found = append(f.found, what)
}

// exifReader walks IFDs with bounds checks on every read.
type exifReader struct {
	b     []byte
	bo    binary.ByteOrder
	facts *exifFacts
}

// entries returns the number of entries of the IFD at off, or 0 if it does
// not fit in the block.
func (r exifReader) entries(off uint32) int {
	if uint64(off)+2 > uint64(len(r.b)) {
		return 0
	}
	n := int(r.bo.Uint16(r.b[off:]))
	if n > maxIFDEntries || uint64(off)+2+12*uint64(n)+4 > uint64(len(r.b)) {
		return 0
	}
	return n
}

// ifd records the tags of the IFD at off and returns the offset of the
// next IFD. top is true for IFD0, whose sub-IFDs (Exif, GPS) are read one
// level deep, never further, so loops in hostile files cannot recur.
func (r exifReader) ifd(off uint32, top bool) uint32 {
	n := r.entries(off)
	for i := range n {
		e := r.b[int(off)+2+12*i:]
		tag, typ, val := r.bo.Uint16(e), r.bo.Uint16(e[2:]), e[8:12]
		r.tag(tag, typ, val, top)
	}
	if n == 0 {
		return 0
	}
	return r.bo.Uint32(r.b[int(off)+2+12*n:])
}

// tag records one entry.
func (r exifReader) tag(tag, typ uint16, val []byte, top bool) {
	switch {
	case tag == tagOrientation && top && typ == 3:
		if o := int(r.bo.Uint16(val)); o >= 1 && o <= 8 {
			r.facts.orientation = o
		}
	case tag == tagGPSIFD:
		r.facts.add(RemovedGPS) // even an empty GPS IFD is dropped
	case (tag == tagExifIFD || tag == tagInteropIFD) && top:
		r.ifd(r.bo.Uint32(val), false)
	case exifCategory(tag) != "":
		r.facts.add(exifCategory(tag))
	case tag != tagOrientation && tag != tagExifIFD && tag != tagInteropIFD:
		r.facts.add(RemovedExifOther)
	}
}

// orientationTIFF returns a minimal big-endian TIFF structure whose only
// entry is the orientation o.
func orientationTIFF(o int) []byte {
	return []byte{
		'M', 'M', 0, 42, 0, 0, 0, 8, // header, IFD0 at 8
		0, 1, // one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, // Orientation SHORT 1 = o
		0, 0, 0, 0, // no next IFD
	}
}

// keepOrientation reports whether an orientation is worth keeping: 1 is
// the default, so a file without any is displayed the same way.
func keepOrientation(o int) bool { return o >= 2 && o <= 8 }

// addExif records the facts of an Exif block in the report and returns the
// orientation to keep, if any.
func (r *Report) addExif(f exifFacts) int {
	for _, w := range f.found {
		r.add(w)
	}
	if keepOrientation(f.orientation) {
		return f.orientation
	}
	return 0
}
