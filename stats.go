package vigie

import (
	"context"
	"math"
	"slices"
	"time"
)

// RemovalStat summarises the removal times of one group of takedowns: one
// host, one network (ASN) or one country.
type RemovalStat struct {
	// Key names the group: a host name, "AS64500", or an ISO country code
	// ("" when the trace found none).
	Key    string
	Count  int
	Median time.Duration
	P90    time.Duration
}

// RemovalStats are the removal times (first notice to verified removal) of
// removed takedowns, grouped three ways, each group largest first.
type RemovalStats struct {
	ByHost    []RemovalStat
	ByASN     []RemovalStat
	ByCountry []RemovalStat
}

// DayCount is how many things of one kind happened on one day (UTC).
type DayCount struct {
	Day   time.Time // midnight UTC
	Key   string    // a report category, or a notice kind
	Count int
}

// DailyCounts are the reports per day and category, and the notices sent
// per day and kind, over a range of days.
type DailyCounts struct {
	Reports []DayCount
	Notices []DayCount
}

// AgeBucket counts open cases whose age is below Max and at least the Max
// of the bucket before; the last bucket has no upper bound (Max 0).
type AgeBucket struct {
	Label string // "<1d", "1-3d", "3-7d", "7-30d", ">30d"
	Max   time.Duration
	Count int
}

// AgeBuckets returns the empty buckets in which open cases are counted.
func AgeBuckets() []AgeBucket {
	const day = 24 * time.Hour
	return []AgeBucket{{"<1d", day, 0}, {"1-3d", 3 * day, 0}, {"3-7d", 7 * day, 0}, {"7-30d", 30 * day, 0}, {">30d", 0, 0}}
}

// CountAge adds one case of the given age to the bucket it falls in.
func CountAge(buckets []AgeBucket, age time.Duration) {
	for i := range buckets {
		if buckets[i].Max == 0 || age < buckets[i].Max {
			buckets[i].Count++
			return
		}
	}
}

// KeyCount is a count under a name: a host, a content type, an action.
type KeyCount struct {
	Key   string
	Count int
}

// Actions counted in the DSA report.
const (
	ActionNotice  = "notice"  // a notice went to the host (or CDN)
	ActionForward = "forward" // the case was forwarded to a partner hotline
	ActionRemoved = "removed" // the content was verified removed
)

// DSAReport is what a trusted flagger publishes each year under Article 22
// of the EU Digital Services Act: the notices it sent, by hosting provider,
// by type of content and by the action that followed, and how fast.
type DSAReport struct {
	Year        int
	GeneratedAt time.Time
	// Notices counts the notices and forwards sent during the year.
	Notices       int
	ByHost        []KeyCount
	ByContentType []KeyCount
	ByAction      []KeyCount
	// Removed counts the takedowns, first notified during the year, whose
	// content was removed; MedianTimeToAction is their median time from
	// first notice to verified removal.
	Removed            int
	MedianTimeToAction time.Duration
}

// StatsService reads the figures of the statistics page and the exports.
// Every method only reads.
type StatsService interface {
	// RemovalTimes returns removal times of takedowns removed in
	// [since, until); a zero time leaves that end open.
	RemovalTimes(ctx context.Context, since, until time.Time) (*RemovalStats, error)
	// DailyCounts returns reports and sent notices per day in [from, to).
	DailyCounts(ctx context.Context, from, to time.Time) (*DailyCounts, error)
	// OpenCaseAges counts, by age at now, the cases still open: awaiting
	// assessment, or illegal with a takedown not yet removed.
	OpenCaseAges(ctx context.Context, now time.Time) ([]AgeBucket, error)
	// DSAReport returns the Article 22 figures of a calendar year (UTC).
	// It returns EINVALID for a year before 2000 or after 9999.
	DSAReport(ctx context.Context, year int) (*DSAReport, error)
	// LiveIllegalURLs returns, sorted, the URLs of the cases assessed
	// illegal whose content is not yet verified removed: what ISPs block.
	LiveIllegalURLs(ctx context.Context) ([]string, error)
}

// Percentile returns the p-th percentile (0 ≤ p ≤ 1) of ds by linear
// interpolation between the closest ranks (as spreadsheets and numpy do),
// or 0 for no durations. It sorts ds.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	pos := p * float64(len(ds)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(ds)-1)
	frac := pos - float64(lo)
	return ds[lo] + time.Duration(math.Round(frac*float64(ds[hi]-ds[lo])))
}
