package web

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzQuery checks that query reads every query as r.URL.Query().Get does.
func FuzzQuery(f *testing.F) {
	pdq := "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	for _, raw := range []string{
		"signal_type=pdq&signal=" + pdq,
		"signal=" + pdq + "&signal_type=pdq&banks=a,b",
		"signal_type=pdq&signal_type=md5&signal=",
		"signal_type&signal==x=y&&url=&banks",
		"=pdq&signal_type=",
		"signal_type=p%64q&signal=a+b",
		"signal_type=pdq;signal=x&signal=y",
		"signal_type=%zz&signal_type=pdq",
		"signal%5Ftype=pdq",
		strings.Repeat("a=1&", maxPlainParams-1) + "signal_type=pdq",
		strings.Repeat("a=1&", maxPlainParams) + "signal_type=pdq",
		"", "&", "=", "&&=&", "&=00",
	} {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		want := (&url.URL{RawQuery: raw}).Query()
		q := newQuery(raw)
		for _, key := range []string{"signal_type", "signal", "url", "banks", "a", ""} {
			if got := q.Get(key); got != want.Get(key) {
				t.Fatalf("query %q: Get(%q)=%q, want %q", raw, key, got, want.Get(key))
			}
		}
	})
}
