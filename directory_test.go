package vigie_test

import (
	"strings"
	"testing"

	vigie "github.com/vigie-hotline/vigie"
)

func TestParseProvidersCSV(t *testing.T) {
	in := vigie.ProviderCSVHeader + "\n" +
		"ExampleHost,AS64500 64501,example.net;example.org,abuse@example.net,fr,fr,\n" +
		"NoMail,64502,,not-an-email,en,DE,\n" +
		"BadASN,AS-x,,abuse@bad.example,en,DE,\n" +
		"\"Quoted, Inc.\",64503,,abuse@q.example,en,NL,\"notes, with comma\"\n" +
		"TooFew,1,2\n" +
		"\"unterminated,64504,,a@b.example,en,NL,\n"
	ps, bad := vigie.ParseProvidersCSV(strings.NewReader(in))
	if len(ps) != 2 || ps[0].Name != "ExampleHost" || ps[0].ASNs[1] != 64501 || ps[0].Domains[1] != "example.org" || ps[0].Country != "FR" {
		t.Fatalf("providers %+v", ps)
	}
	if ps[1].Name != "Quoted, Inc." || ps[1].Notes != "notes, with comma" {
		t.Fatalf("quoted provider %+v", ps[1])
	}
	var lines []int
	for _, b := range bad {
		lines = append(lines, b.Line)
	}
	if got, want := lines, []int{3, 4, 6, 7}; len(got) != len(want) || got[0] != 3 || got[1] != 4 || got[2] != 6 || got[3] != 7 {
		t.Fatalf("bad lines %v (%v), want %v", got, bad, want)
	}
	if !strings.Contains(bad[0].Reason, "abuse e-mail") || !strings.Contains(bad[1].Reason, "ASN") {
		t.Fatalf("reasons %v", bad)
	}
}

func TestParsePartnersCSV(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		ps, bad := vigie.ParsePartnersCSV(strings.NewReader(vigie.PartnerCSVHeader + "\nHotline DE,de at,fw@de.example,,en\nNone,XX,,,en\n"))
		if len(ps) != 1 || ps[0].Countries[1] != "AT" || len(bad) != 1 || bad[0].Line != 3 {
			t.Fatalf("%+v %v", ps, bad)
		}
	})
	t.Run("ErrHeader", func(t *testing.T) {
		_, bad := vigie.ParsePartnersCSV(strings.NewReader("name,email\nx,y\n"))
		if len(bad) != 1 || bad[0].Line != 1 {
			t.Fatalf("%v", bad)
		}
	})
}
