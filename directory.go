package vigie

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CSVLineError is a line of a directory file that could not be read.
type CSVLineError struct {
	Line   int
	Reason string
}

func (e CSVLineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// ProviderCSVHeader is the first line of a provider directory file. ASNs and
// domains are separated by spaces or semicolons.
const ProviderCSVHeader = "name,asns,domains,abuse_email,lang,country,notes"

// PartnerCSVHeader is the first line of a partner directory file.
const PartnerCSVHeader = "name,countries,email,endpoint,lang"

// maxDirectoryLines bounds a directory file: directories hold thousands of
// entries, not millions.
const maxDirectoryLines = 100000

// readCSV calls row for each record after the header, numbered as lines of
// the file; records that fail are returned with their line, the others go on.
func readCSV(r io.Reader, header string, row func(rec []string) error) []CSVLineError {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var bad []CSVLineError
	want := strings.Split(header, ",")
	for n := 0; n < maxDirectoryLines; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return bad
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			bad = append(bad, CSVLineError{Line: pe.Line, Reason: pe.Err.Error()})
			if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
				return bad // the rest of the file is inside the broken quotes
			}
			continue
		} else if err != nil {
			return append(bad, CSVLineError{Reason: err.Error()})
		}
		line, _ := cr.FieldPos(0)
		if n == 0 {
			if strings.Join(rec, ",") != header {
				return append(bad, CSVLineError{Line: 1, Reason: "the first line must be the header " + header})
			}
			continue
		}
		if len(rec) != len(want) {
			bad = append(bad, CSVLineError{Line: line, Reason: fmt.Sprintf("%d fields, want %d (%s)", len(rec), len(want), header)})
			continue
		}
		if err := row(rec); err != nil {
			bad = append(bad, CSVLineError{Line: line, Reason: ErrorMessage(err)})
		}
	}
	return append(bad, CSVLineError{Line: maxDirectoryLines, Reason: "too many lines; the rest was not read"})
}

func splitMulti(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ';' || r == '|' })
}

// ParseProvidersCSV reads a provider directory: the good lines, and the bad
// ones with their line number and reason.
func ParseProvidersCSV(r io.Reader) ([]*Provider, []CSVLineError) {
	var out []*Provider
	bad := readCSV(r, ProviderCSVHeader, func(rec []string) error {
		p := &Provider{Name: strings.TrimSpace(rec[0]), Domains: splitMulti(rec[2]), AbuseEmail: strings.TrimSpace(rec[3]),
			Lang: strings.TrimSpace(rec[4]), Country: strings.ToUpper(strings.TrimSpace(rec[5])), Notes: rec[6]}
		for _, a := range splitMulti(rec[1]) {
			n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(a), "AS"), 10, 32)
			if err != nil {
				return Errorf(EINVALID, "bad ASN %q", a)
			}
			p.ASNs = append(p.ASNs, uint32(n))
		}
		switch {
		case p.Name == "":
			return Errorf(EINVALID, "no name")
		case !strings.Contains(p.AbuseEmail, "@"):
			return Errorf(EINVALID, "bad abuse e-mail %q", p.AbuseEmail)
		case p.Lang != "" && p.Lang != "fr" && p.Lang != "en":
			return Errorf(EINVALID, "language %q: use fr or en", p.Lang)
		case p.Country != "" && len(p.Country) != 2:
			return Errorf(EINVALID, "country %q: use a two-letter ISO code", p.Country)
		}
		out = append(out, p)
		return nil
	})
	return out, bad
}

// ParsePartnersCSV reads a partner hotline directory.
func ParsePartnersCSV(r io.Reader) ([]*Partner, []CSVLineError) {
	var out []*Partner
	bad := readCSV(r, PartnerCSVHeader, func(rec []string) error {
		p := &Partner{Name: strings.TrimSpace(rec[0]), Countries: splitMulti(strings.ToUpper(rec[1])), Email: strings.TrimSpace(rec[2]),
			Endpoint: strings.TrimSpace(rec[3]), Lang: strings.TrimSpace(rec[4])}
		switch {
		case p.Name == "":
			return Errorf(EINVALID, "no name")
		case len(p.Countries) == 0:
			return Errorf(EINVALID, "no country")
		case p.Email == "" && p.Endpoint == "":
			return Errorf(EINVALID, "an e-mail or an endpoint is needed")
		case p.Email != "" && !strings.Contains(p.Email, "@"):
			return Errorf(EINVALID, "bad e-mail %q", p.Email)
		}
		for _, c := range p.Countries {
			if len(c) != 2 {
				return Errorf(EINVALID, "country %q: use two-letter ISO codes", c)
			}
		}
		out = append(out, p)
		return nil
	})
	return out, bad
}
