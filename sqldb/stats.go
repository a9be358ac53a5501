package sqldb

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.StatsService = (*StatsService)(nil)

// StatsService reads the figures of the statistics page and the exports.
// Grouping by day is integer division of the stored milliseconds, and
// percentiles are computed in Go: the same statements run on both engines.
type StatsService struct {
	db *DB
}

// NewStatsService returns the statistics of the data in db.
func NewStatsService(db *DB) *StatsService { return &StatsService{db: db} }

const msPerDay = int64(24 * time.Hour / time.Millisecond)

// removal is one removed takedown: where it was hosted and how long the
// content stayed online after the first notice.
type removal struct {
	host, asn, country string
	d                  time.Duration
}

// RemovalTimes returns removal times of takedowns removed in [since, until).
func (s *StatsService) RemovalTimes(ctx context.Context, since, until time.Time) (*vigie.RemovalStats, error) {
	lo, hi := int64(0), int64(1<<62)
	if !since.IsZero() {
		lo = ms(since)
	}
	if !until.IsZero() {
		hi = ms(until)
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT host, asn, country, first_notice_at, removed_at FROM takedowns
		WHERE removed_at IS NOT NULL AND first_notice_at IS NOT NULL AND removed_at >= $1 AND removed_at < $2`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("query removal times: %w", err)
	}
	defer rows.Close()
	var rs []removal
	for rows.Next() {
		var r removal
		var asn, first, removed int64
		if err := rows.Scan(&r.host, &asn, &r.country, &first, &removed); err != nil {
			return nil, err
		}
		r.asn, r.d = asnKey(asn), time.Duration(removed-first)*time.Millisecond
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return &vigie.RemovalStats{
		ByHost:    groupRemovals(rs, func(r removal) string { return r.host }),
		ByASN:     groupRemovals(rs, func(r removal) string { return r.asn }),
		ByCountry: groupRemovals(rs, func(r removal) string { return r.country }),
	}, nil
}

func asnKey(asn int64) string {
	if asn == 0 {
		return ""
	}
	return "AS" + strconv.FormatInt(asn, 10)
}

// groupRemovals summarises removal times by key, the largest groups first
// and then by key.
func groupRemovals(rs []removal, key func(removal) string) []vigie.RemovalStat {
	groups := map[string][]time.Duration{}
	for _, r := range rs {
		groups[key(r)] = append(groups[key(r)], r.d)
	}
	out := make([]vigie.RemovalStat, 0, len(groups))
	for k, ds := range groups {
		out = append(out, vigie.RemovalStat{Key: k, Count: len(ds), Median: vigie.Percentile(ds, 0.5), P90: vigie.Percentile(ds, 0.9)})
	}
	slices.SortFunc(out, func(a, b vigie.RemovalStat) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// DailyCounts returns reports per day and category, and notices sent per
// day and kind, in [from, to), oldest day first.
func (s *StatsService) DailyCounts(ctx context.Context, from, to time.Time) (*vigie.DailyCounts, error) {
	reports, err := s.dayCounts(ctx, `SELECT created_at / $1, category, count(*) FROM reports
		WHERE created_at >= $2 AND created_at < $3 GROUP BY created_at / $1, category`, from, to)
	if err != nil {
		return nil, fmt.Errorf("count reports: %w", err)
	}
	notices, err := s.dayCounts(ctx, `SELECT sent_at / $1, kind, count(*) FROM notices
		WHERE sent_at IS NOT NULL AND sent_at >= $2 AND sent_at < $3 GROUP BY sent_at / $1, kind`, from, to)
	if err != nil {
		return nil, fmt.Errorf("count notices: %w", err)
	}
	return &vigie.DailyCounts{Reports: reports, Notices: notices}, nil
}

func (s *StatsService) dayCounts(ctx context.Context, query string, from, to time.Time) ([]vigie.DayCount, error) {
	rows, err := s.db.read.QueryContext(ctx, query, msPerDay, ms(from), ms(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigie.DayCount
	for rows.Next() {
		var day int64
		var c vigie.DayCount
		if err := rows.Scan(&day, &c.Key, &c.Count); err != nil {
			return nil, err
		}
		c.Day = fromMS(day * msPerDay)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b vigie.DayCount) int { return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.Key, b.Key)) })
	return out, rows.Err()
}

// OpenCaseAges counts the open cases by age at now: cases awaiting
// assessment, and cases whose takedown is not removed.
func (s *StatsService) OpenCaseAges(ctx context.Context, now time.Time) ([]vigie.AgeBucket, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT c.created_at FROM cases c LEFT JOIN takedowns t ON t.case_id = c.id
		WHERE c.state IN ('new', 'fetching', 'awaiting_assessment') OR (t.case_id IS NOT NULL AND t.removed_at IS NULL)`)
	if err != nil {
		return nil, fmt.Errorf("query open cases: %w", err)
	}
	defer rows.Close()
	buckets := vigie.AgeBuckets()
	for rows.Next() {
		var created int64
		if err := rows.Scan(&created); err != nil {
			return nil, err
		}
		vigie.CountAge(buckets, now.Sub(fromMS(created)))
	}
	return buckets, rows.Err()
}

// LiveIllegalURLs returns the URLs of illegal cases not verified removed.
func (s *StatsService) LiveIllegalURLs(ctx context.Context) ([]string, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT c.url FROM cases c LEFT JOIN takedowns t ON t.case_id = c.id
		WHERE c.state = 'illegal' AND t.removed_at IS NULL ORDER BY c.url`)
	if err != nil {
		return nil, fmt.Errorf("query live urls: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// DSAReport returns the Article 22 figures of a calendar year (UTC).
func (s *StatsService) DSAReport(ctx context.Context, year int) (*vigie.DSAReport, error) {
	if year < 2000 || year > 9999 {
		return nil, vigie.Errorf(vigie.EINVALID, "year %d is out of range", year)
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	rep := &vigie.DSAReport{Year: year, GeneratedAt: s.db.now()}
	// Plain reads, not a transaction: on SQLite a transaction begins
	// IMMEDIATE and would hold the write lock.
	if err := dsaNotices(ctx, s.db.read, rep, from, to); err != nil {
		return nil, err
	}
	if err := dsaRemovals(ctx, s.db.read, rep, from, to); err != nil {
		return nil, err
	}
	return rep, nil
}

// dsaNotices counts the notices and forwards sent in [from, to) by
// provider (or host name, when no provider is known), by the content type
// analysts recorded for the case, and by kind.
func dsaNotices(ctx context.Context, tx queryer, rep *vigie.DSAReport, from, to time.Time) error {
	types, err := caseContentTypes(ctx, tx, from, to)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT n.case_id, n.kind, COALESCE(p.name, ''), COALESCE(t.host, '') FROM notices n
		LEFT JOIN providers p ON p.id = n.provider_id LEFT JOIN takedowns t ON t.case_id = n.case_id
		WHERE n.kind IN ('notice', 'forward') AND n.sent_at IS NOT NULL AND n.sent_at >= $1 AND n.sent_at < $2`, ms(from), ms(to))
	if err != nil {
		return fmt.Errorf("query notices: %w", err)
	}
	defer rows.Close()
	hosts, ctypes, actions := map[string]int{}, map[string]int{}, map[string]int{}
	for rows.Next() {
		var caseID int64
		var kind, provider, host string
		if err := rows.Scan(&caseID, &kind, &provider, &host); err != nil {
			return err
		}
		rep.Notices++
		hosts[cmp.Or(provider, host, "unknown")]++
		ctypes[cmp.Or(types[caseID], "unknown")]++
		actions[kind]++
	}
	rep.ByHost, rep.ByContentType, rep.ByAction = sortedCounts(hosts), sortedCounts(ctypes), sortedCounts(actions)
	return rows.Err()
}

// caseContentTypes returns, for the cases with notices sent in [from, to),
// the content type of their latest illegal assessment that stands.
func caseContentTypes(ctx context.Context, tx queryer, from, to time.Time) (map[int64]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT i.case_id, a.content_type FROM assessments a JOIN items i ON i.id = a.item_id
		WHERE a.classification IN ('baseline', 'national') AND a.status <> 'rejected' AND a.content_type <> ''
			AND i.case_id IN (SELECT case_id FROM notices WHERE sent_at >= $1 AND sent_at < $2)
		ORDER BY a.id`, ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("query content types: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var ct string
		if err := rows.Scan(&id, &ct); err != nil {
			return nil, err
		}
		out[id] = ct
	}
	return out, rows.Err()
}

// dsaRemovals counts the takedowns first notified in [from, to) that ended
// in removal, and their median time to action.
func dsaRemovals(ctx context.Context, tx queryer, rep *vigie.DSAReport, from, to time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT first_notice_at, removed_at FROM takedowns
		WHERE removed_at IS NOT NULL AND first_notice_at >= $1 AND first_notice_at < $2`, ms(from), ms(to))
	if err != nil {
		return fmt.Errorf("query removals: %w", err)
	}
	defer rows.Close()
	var ds []time.Duration
	for rows.Next() {
		var first, removed int64
		if err := rows.Scan(&first, &removed); err != nil {
			return err
		}
		ds = append(ds, time.Duration(removed-first)*time.Millisecond)
	}
	rep.Removed, rep.MedianTimeToAction = len(ds), vigie.Percentile(ds, 0.5)
	if len(ds) > 0 {
		rep.ByAction = append(rep.ByAction, vigie.KeyCount{Key: vigie.ActionRemoved, Count: len(ds)})
	}
	return rows.Err()
}

// sortedCounts returns counts largest first, then by key.
func sortedCounts(m map[string]int) []vigie.KeyCount {
	out := make([]vigie.KeyCount, 0, len(m))
	for k, n := range m {
		out = append(out, vigie.KeyCount{Key: k, Count: n})
	}
	slices.SortFunc(out, func(a, b vigie.KeyCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Key, b.Key)) })
	return out
}
