package hashlist_test

import (
	"testing"

	"github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/hashlist"
)

func TestParseFormat(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want hashlist.Format
		code string
	}{
		{"te", hashlist.FormatTE, ""},
		{"TE-CSV", hashlist.FormatTECSV, ""},
		{" hma-json ", hashlist.FormatHMAJSON, ""},
		{"jsonl", hashlist.FormatJSONL, ""},
		{"csv", "", vigie.EINVALID},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := hashlist.ParseFormat(tt.in)
			if got != tt.want || vigie.ErrorCode(err) != tt.code {
				t.Fatalf("ParseFormat(%q)=%q, %v; want %q, code %q", tt.in, got, err, tt.want, tt.code)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for _, tt := range []struct {
		name, head string
		want       hashlist.Format
	}{
		{"TE", "pdq " + pdqA + "\n", hashlist.FormatTE},
		{"TEUpstreamName", "video_md5 " + md5A + "\r\n", hashlist.FormatTE},
		{"TECSV", "\uFEFFsignal_type,signal_str,collab,category,tags\r\npdq,", hashlist.FormatTECSV},
		{"HMAJSON", `{"bank":{"matching_enabled_ratio":1.0,"name":"B"},"id":1,"signals":{"pdq":"` + pdqA + `"}}`, hashlist.FormatHMAJSON},
		{"HMAJSONTruncated", `{"bank":{"matching_enabled_ratio":1.0,"name":"B"},"disable_until_ts":1,"id":1,"signals":{"pd`, hashlist.FormatHMAJSON},
		{"JSONL", `{"id":1,"bank_id":2,"signal":"pdq","value":"` + pdqA + `"}`, hashlist.FormatJSONL},
		{"JSONLTruncated", `{"id":1,"bank_id":2,"sig`, hashlist.FormatJSONL},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := hashlist.Detect([]byte(tt.head))
			if err != nil || got != tt.want {
				t.Fatalf("Detect=%q, %v; want %q", got, err, tt.want)
			}
		})
	}
	for _, tt := range []struct{ name, head string }{
		{"ErrEmpty", "\n\n"},
		{"ErrUnknownType", "vpdq " + pdqA + "\n"},
		{"ErrNotAList", "hello world\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := hashlist.Detect([]byte(tt.head)); vigie.ErrorCode(err) != vigie.EINVALID {
				t.Fatalf("Detect err=%v, want EINVALID", err)
			}
		})
	}
}

// TestUpstreamName checks the names python-threatexchange gives its signal
// types (SignalType.get_name from the class names PdqSignal, VideoMD5Signal,
// VideoSHA256Signal in threatexchange/signal_type/) and that each reads back.
func TestUpstreamName(t *testing.T) {
	for _, tt := range []struct {
		t    vigie.SignalType
		want string
	}{
		{vigie.SignalPDQ, "pdq"},
		{vigie.SignalMD5, "video_md5"},
		{vigie.SignalSHA1, "sha1"},
		{vigie.SignalSHA256, "video_sha256"},
	} {
		if got := hashlist.UpstreamName(tt.t); got != tt.want {
			t.Errorf("UpstreamName(%s)=%q, want %q", tt.t, got, tt.want)
		}
		if got, err := vigie.ParseSignalType(tt.want); err != nil || got != tt.t {
			t.Errorf("ParseSignalType(%q)=%q, %v; want %s", tt.want, got, err, tt.t)
		}
	}
}

func TestNewReader_ErrUnknownFormat(t *testing.T) {
	if _, err := hashlist.NewReader(nil, "xml"); vigie.ErrorCode(err) != vigie.EINVALID {
		t.Fatalf("NewReader err=%v, want EINVALID", err)
	}
	if _, err := hashlist.NewWriter(nil, "xml"); vigie.ErrorCode(err) != vigie.EINVALID {
		t.Fatalf("NewWriter err=%v, want EINVALID", err)
	}
}
