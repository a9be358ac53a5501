package hashlist

import "github.com/vigie-hotline/vigie"

// UpstreamName returns the signal type name that python-threatexchange and
// HMA 2.x use for t, which the te, te-csv and hma-json writers put in files.
// Upstream derives each name from its class name (SignalType.get_name in
// python-threatexchange/threatexchange/signal_type/signal_base.py):
//
//   - pdq: PdqSignal, signal_type/pdq/signal.py → "pdq"
//   - md5: VideoMD5Signal, signal_type/md5.py → "video_md5" (upstream has
//     no photo MD5; its only file MD5 is the video one)
//   - sha256: VideoSHA256Signal, signal_type/sha256.py → "video_sha256"
//   - sha1: upstream has no SHA-1 signal type (NCMEC's SHA1 fingerprint is
//     not mapped, exchanges/impl/ncmec_api.py _get_conversion), so Vigie
//     writes its own name "sha1"; python-threatexchange and HMA skip or
//     refuse such lines.
//
// Reading accepts these names and Vigie's (vigie.ParseSignalType).
func UpstreamName(t vigie.SignalType) string {
	switch t {
	case vigie.SignalMD5:
		return "video_md5"
	case vigie.SignalSHA256:
		return "video_sha256"
	}
	return string(t)
}
