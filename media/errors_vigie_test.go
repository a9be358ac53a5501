//go:build !js

package media_test

import (
	"context"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/media"
)

// TestErrorCodes checks that media errors reach users with Vigie's codes.
func TestErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		lim  media.Limits
		want string
	}{
		{"ErrUnknownFormat", []byte("this is not an image at all"), media.DefaultLimits(), vigie.EINVALID},
		{"ErrTooLarge", []byte("\x89PNG\r\n\x1a\n0123456789"), media.Limits{MaxBytes: 4}, vigie.ETOOLARGE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := media.Decode(context.Background(), tc.data, tc.lim)
			if got := vigie.ErrorCode(err); got != tc.want {
				t.Fatalf("ErrorCode(%v) = %q, want %q", err, got, tc.want)
			}
			if vigie.ErrorMessage(err) == "Internal error." {
				t.Fatal("no safe message")
			}
		})
	}
}
