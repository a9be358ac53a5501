package hosting

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/vigie-hotline/vigie"
)

// record holds the fields Vigie reads from a MaxMind-format database. It
// covers the layouts in use: MaxMind's and DB-IP's ASN, Country and City
// databases (autonomous_system_*, country.iso_code, registered_country),
// the ip-location-db country databases (country_code), and the databases
// that ImportASNCSV writes (MaxMind's ASN layout).
type record struct {
	ASN         uint32 `maxminddb:"autonomous_system_number"`
	ASOrg       string `maxminddb:"autonomous_system_organization"`
	CountryCode string `maxminddb:"country_code"`
	Country     struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	RegisteredCountry struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"registered_country"`
}

// country returns the country where the address is located, falling back
// to the country where its network is registered.
func (r *record) country() string {
	for _, c := range []string{r.Country.ISOCode, r.CountryCode, r.RegisteredCountry.ISOCode} {
		if len(c) == 2 {
			return strings.ToUpper(c)
		}
	}
	return ""
}

// ipdb is an opened database and the path it came from.
type ipdb struct {
	path   string
	reader *maxminddb.Reader
}

// openIPDBs opens every path; on error, those already open are closed.
func openIPDBs(paths []string) ([]ipdb, error) {
	var dbs []ipdb
	for _, p := range paths {
		r, err := maxminddb.Open(p)
		if err != nil {
			closeIPDBs(dbs)
			return nil, vigie.Errorf(vigie.EINVALID, "IP database %s cannot be read: %v", p, err)
		}
		dbs = append(dbs, ipdb{path: p, reader: r})
	}
	return dbs, nil
}

// closeIPDBs closes every database and returns the first error.
func closeIPDBs(dbs []ipdb) error {
	var first error
	for _, db := range dbs {
		if err := db.reader.Close(); err != nil && first == nil {
			first = fmt.Errorf("close %s: %w", db.path, err)
		}
	}
	return first
}

// lookup fills a with what the databases know of ip. Each field comes from
// the first database, in the order given, that has it; so a country
// database and an ASN database complement each other. A database whose
// record cannot be decoded is skipped and its error returned, after the
// others have been consulted.
func lookup(dbs []ipdb, ip netip.Addr, a *vigie.HostAddress) error {
	var first error
	for _, db := range dbs {
		var rec record
		if err := db.reader.Lookup(ip).Decode(&rec); err != nil {
			if first == nil {
				first = fmt.Errorf("look %s up in %s: %w", ip, db.path, err)
			}
			continue
		}
		if a.ASN == 0 && rec.ASN != 0 {
			a.ASN, a.ASOrg = rec.ASN, rec.ASOrg
		}
		if a.ASOrg == "" && rec.ASN == a.ASN {
			a.ASOrg = rec.ASOrg
		}
		if a.Country == "" {
			a.Country = rec.country()
		}
	}
	return first
}
