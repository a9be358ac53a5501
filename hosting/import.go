package hosting

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// ASNDatabaseType is the database type written in imported ASN databases.
const ASNDatabaseType = "Vigie-ASN"

// ASNAttribution is the credit that the CC BY 4.0 licence of the
// ip-location-db ASN data asks for. It is written into imported databases
// and must be shown wherever results from them are displayed.
const ASNAttribution = "ASN data: RouteViews (routeviews.org), DB-IP (db-ip.com) " +
	"and the NRO (nro.net), licensed under CC BY 4.0, " +
	"merged by the ip-location-db project; converted by Vigie."

// MaxLineErrors is how many bad lines an import keeps in detail; more are
// only counted.
const MaxLineErrors = 100

// maxLineLength bounds one CSV line; no real line comes near it.
const maxLineLength = 64 << 10

// LineError is a line of an ASN CSV that could not be imported.
type LineError struct {
	Name string // the input's name, e.g. the file
	Line int    // 1-based
	Err  error
}

// Error implements the error interface.
func (e *LineError) Error() string {
	return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err)
}

// Unwrap returns the cause.
func (e *LineError) Unwrap() error { return e.Err }

// ImportError reports the bad lines of an import whose good lines were
// imported: the first MaxLineErrors in Lines, all of them in Count.
type ImportError struct {
	Lines []*LineError
	Count int
}

// Error implements the error interface.
func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d bad lines not imported", e.Count)
	for _, l := range e.Lines {
		b.WriteString("\n" + l.Error())
	}
	if e.Count > len(e.Lines) {
		fmt.Fprintf(&b, "\n… and %d more", e.Count-len(e.Lines))
	}
	return b.String()
}

// ASNImport builds an ASN database, in MaxMind's GeoLite2-ASN layout
// (autonomous_system_number, autonomous_system_organization), from the CSV
// files of the npm package @ip-location-db/asn: lines
// "start,end,asn,org" where start and end bound an inclusive range of IPv4
// or IPv6 addresses, and org may be quoted. Later lines win where ranges
// overlap.
type ASNImport struct {
	tree   *mmdbwriter.Tree
	n      int
	errors ImportError
}

// NewASNImport returns an empty import.
func NewASNImport() (*ASNImport, error) {
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType: ASNDatabaseType,
		Description:  map[string]string{"en": ASNAttribution},
		// The data are what they are: a range that covers reserved space
		// (or a test's TEST-NET range) is stored, not silently cut.
		IncludeReservedNetworks: true,
		// Aliasing would map 6to4 (2002::/16) and Teredo (2001::/32) onto
		// the IPv4 tree and refuse the data's own lines for them. Readers
		// look IPv4 addresses up under ::/96 either way.
		DisableIPv4Aliasing: true,
		RecordSize:          28,
	})
	if err != nil {
		return nil, fmt.Errorf("new mmdb tree: %w", err)
	}
	return &ASNImport{tree: tree}, nil
}

// Add imports the lines of r, named name in errors, and returns how many
// were imported. Bad lines are skipped and kept for Err; the error returned
// is only for a failure to read r.
func (im *ASNImport) Add(name string, r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLineLength)
	n := 0
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || line == 1 && isHeader(text) {
			continue
		}
		if err := im.addLine(text); err != nil {
			im.errors.Count++
			if len(im.errors.Lines) < MaxLineErrors {
				im.errors.Lines = append(im.errors.Lines, &LineError{Name: name, Line: line, Err: err})
			}
			continue
		}
		n++
	}
	im.n += n
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("read %s: %w", name, err)
	}
	return n, nil
}

// Err returns an *ImportError if any line was bad, or nil.
func (im *ASNImport) Err() error {
	if im.errors.Count == 0 {
		return nil
	}
	e := im.errors
	return &e
}

// Imported returns how many lines were imported.
func (im *ASNImport) Imported() int { return im.n }

// WriteTo writes the database in MaxMind DB format.
func (im *ASNImport) WriteTo(w io.Writer) (int64, error) {
	n, err := im.tree.WriteTo(w)
	if err != nil {
		return n, fmt.Errorf("write mmdb: %w", err)
	}
	return n, nil
}

// ImportASNCSV converts one ASN CSV from r into a database written to w
// and returns how many lines were imported. If some lines were bad, the
// database of the good ones is still written, and the error is an
// *ImportError naming each bad line.
func ImportASNCSV(r io.Reader, w io.Writer) (int, error) {
	im, err := NewASNImport()
	if err != nil {
		return 0, err
	}
	if _, err := im.Add("csv", r); err != nil {
		return 0, err
	}
	if _, err := im.WriteTo(w); err != nil {
		return 0, err
	}
	return im.Imported(), im.Err()
}

// isHeader reports whether the first line is a header rather than data.
func isHeader(line string) bool {
	first, _, _ := strings.Cut(line, ",")
	return !strings.ContainsAny(first, ".:0123456789")
}

// addLine parses one CSV line and inserts its range.
func (im *ASNImport) addLine(line string) error {
	start, end, asn, org, err := parseASNLine(line)
	if err != nil {
		return err
	}
	rec := mmdbtype.Map{}
	if asn != 0 {
		rec["autonomous_system_number"] = mmdbtype.Uint32(asn)
	}
	if org != "" {
		rec["autonomous_system_organization"] = mmdbtype.String(org)
	}
	if len(rec) == 0 {
		return errors.New("neither an ASN nor an organisation")
	}
	return im.tree.InsertRange(start.AsSlice(), end.AsSlice(), rec)
}

// parseASNLine splits "start,end,asn,org" and checks each field.
func parseASNLine(line string) (start, end netip.Addr, asn uint32, org string, err error) {
	fields := strings.SplitN(line, ",", 4)
	if len(fields) != 4 {
		return start, end, 0, "", fmt.Errorf("want 4 fields start,end,asn,org, got %d", len(fields))
	}
	if start, err = parseAddr(fields[0]); err != nil {
		return start, end, 0, "", fmt.Errorf("start: %w", err)
	}
	if end, err = parseAddr(fields[1]); err != nil {
		return start, end, 0, "", fmt.Errorf("end: %w", err)
	}
	if start.Is4() != end.Is4() {
		return start, end, 0, "", errors.New("start and end are not of the same IP version")
	} else if end.Less(start) {
		return start, end, 0, "", errors.New("end is before start")
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(fields[2]), "AS"), 10, 32)
	if err != nil {
		return start, end, 0, "", fmt.Errorf("asn %q is not a number from 0 to 4294967295", fields[2])
	}
	if org, err = unquote(strings.TrimSpace(fields[3])); err != nil {
		return start, end, 0, "", err
	}
	return start, end, uint32(n), org, nil
}

// parseAddr parses an IP address; numeric addresses (the -num.csv files)
// are refused, because their IP version cannot be told from one line.
func parseAddr(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			return a, fmt.Errorf("%q is a number: import asn-ipv4.csv and asn-ipv6.csv, not the -num files", s)
		}
		return a, fmt.Errorf("%q is not an IP address", s)
	}
	if a.Zone() != "" {
		return a, fmt.Errorf("%q has a zone", s)
	}
	return a.Unmap(), nil
}

// unquote decodes a CSV field: bare, or in double quotes with "" standing
// for a quote.
func unquote(s string) (string, error) {
	if !strings.HasPrefix(s, `"`) {
		if strings.Contains(s, `"`) {
			return "", errors.New(`organisation has a stray '"'`)
		}
		return s, nil
	}
	if len(s) < 2 || !strings.HasSuffix(s, `"`) {
		return "", errors.New("organisation has an unclosed quote")
	}
	inner := s[1 : len(s)-1]
	if strings.Contains(strings.ReplaceAll(inner, `""`, ""), `"`) {
		return "", errors.New(`organisation has a stray '"' inside quotes`)
	}
	return strings.ReplaceAll(inner, `""`, `"`), nil
}
