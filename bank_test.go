package vigie_test

import (
	"strings"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
)

func TestNormalizeSignal(t *testing.T) {
	pdq := strings.Repeat("0123456789abcdef", 4)
	for _, tc := range []struct {
		name    string
		t       vigie.SignalType
		value   string
		want    string
		wantErr string
	}{
		{"OK", vigie.SignalPDQ, pdq, pdq, ""},
		{"OKUpperAndSpaces", vigie.SignalPDQ, " " + strings.ToUpper(pdq) + "\n", pdq, ""},
		{"OKUpperOfTheLength", vigie.SignalPDQ, strings.ToUpper(pdq), pdq, ""},
		{"OKMD5", vigie.SignalMD5, pdq[:32], pdq[:32], ""},
		{"ErrLength", vigie.SignalPDQ, pdq[:63], "", "a pdq value has 64 hex digits, not 63"},
		{"ErrNotHex", vigie.SignalPDQ, pdq[:63] + "g", "", "the pdq value is not hexadecimal"},
		{"ErrNotHexSign", vigie.SignalSHA1, "-" + pdq[:39], "", "the sha1 value is not hexadecimal"},
		{"ErrNotHexNonASCII", vigie.SignalMD5, "é" + pdq[:30], "", "the md5 value is not hexadecimal"},
		{"ErrUnknownType", vigie.SignalType("tmk"), pdq, "", `unknown signal type "tmk"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := vigie.NormalizeSignal(tc.t, tc.value)
			if tc.wantErr != "" {
				if vigie.ErrorCode(err) != vigie.EINVALID || vigie.ErrorMessage(err) != tc.wantErr {
					t.Fatalf("err=%v, want EINVALID %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("NormalizeSignal=%q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
