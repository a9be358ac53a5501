package vigie_test

import (
	"slices"
	"testing"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

func TestPercentile(t *testing.T) {
	h := time.Hour
	for _, tt := range []struct {
		name string
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{"Empty", nil, 0.5, 0},
		{"One", []time.Duration{h}, 0.9, h},
		{"MedianOdd", []time.Duration{4 * h, h, 2 * h}, 0.5, 2 * h},
		{"MedianEven", []time.Duration{9 * h, h, 4 * h, 2 * h}, 0.5, 3 * h},
		{"P90Interpolated", []time.Duration{h, 2 * h, 4 * h, 9 * h}, 0.9, 7*h + 30*time.Minute},
		{"Max", []time.Duration{h, 2 * h}, 1, 2 * h},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := vigie.Percentile(tt.ds, tt.p); got != tt.want {
				t.Fatalf("Percentile=%v, want %v", got, tt.want)
			}
		})
	}
}

func TestCountAge(t *testing.T) {
	b := vigie.AgeBuckets()
	for _, age := range []time.Duration{time.Hour, 24 * time.Hour, 5 * 24 * time.Hour, 40 * 24 * time.Hour} {
		vigie.CountAge(b, age)
	}
	var got []int
	for _, x := range b {
		got = append(got, x.Count)
	}
	if want := []int{1, 1, 1, 0, 1}; !slices.Equal(got, want) {
		t.Fatalf("counts=%v, want %v", got, want)
	}
}
