package web

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

// statsWindow is the period of the removal-time charts, and maxBars the
// most groups a chart shows.
const (
	statsWindow = 365 * 24 * time.Hour
	statsDays   = 30
	maxBars     = 15
)

// chart is one chart of the statistics page and the table that says the
// same in words.
type chart struct {
	ID    string
	Title string
	SVG   template.HTML
	Head  []string
	Rows  [][]string
}

type statsPage struct {
	Page
	Charts []chart
	Year   int
}

func (s *Server) statsService() (vigie.StatsService, error) {
	if s.Stats == nil {
		return nil, vigie.Errorf(vigie.ENOTIMPLEMENTED, "statistics are not configured")
	}
	return s.Stats, nil
}

// handleStats shows the charts: removal times by country and by host,
// reports per day, and open cases by age.
func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	st, err := s.statsService()
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	now := s.Now().UTC()
	removals, err := st.RemovalTimes(r.Context(), now.Add(-statsWindow), time.Time{})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	today := now.Truncate(24 * time.Hour)
	daily, err := st.DailyCounts(r.Context(), today.AddDate(0, 0, 1-statsDays), today.AddDate(0, 0, 1))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ages, err := st.OpenCaseAges(r.Context(), now)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := statsPage{Page: s.page(r, "stats.title"), Year: now.Year()}
	p.Charts = []chart{
		removalChart(p.Page, "chart-country", "stats.by_country", removals.ByCountry),
		removalChart(p.Page, "chart-host", "stats.by_host", removals.ByHost),
		dailyChart(p.Page, daily.Reports, today),
		ageChart(p.Page, ages),
	}
	s.render(w, http.StatusOK, "stats", p)
}

// removalChart charts the median removal time of each group, and tables
// the count, median and 90th percentile.
func removalChart(p Page, id, titleKey string, stats []vigie.RemovalStat) chart {
	c := chart{ID: id, Title: p.T(titleKey), Head: []string{p.T(titleKey + ".key"), p.T("stats.count"), p.T("stats.median"), p.T("stats.p90")}}
	var bars []bar
	for _, st := range stats[:min(len(stats), maxBars)] {
		key := st.Key
		if key == "" {
			key = p.T("stats.unknown")
		}
		bars = append(bars, bar{Label: key, Value: st.Median.Seconds(), Text: formatDuration(st.Median)})
		c.Rows = append(c.Rows, []string{key, strconv.Itoa(st.Count), formatDuration(st.Median), formatDuration(st.P90)})
	}
	c.SVG = barChart(id, c.Title, bars)
	return c
}

// dailyChart charts the reports of each of the last statsDays days, and
// tables them by category.
func dailyChart(p Page, counts []vigie.DayCount, today time.Time) chart {
	c := chart{ID: "chart-daily", Title: p.T("stats.daily"), Head: []string{p.T("stats.day"), p.T("stats.reports"), p.T("stats.categories")}}
	total, cats := map[time.Time]int{}, map[time.Time][]string{}
	for _, dc := range counts {
		total[dc.Day] += dc.Count
		cats[dc.Day] = append(cats[dc.Day], dc.Key+": "+strconv.Itoa(dc.Count))
	}
	var bars []bar
	for i := statsDays - 1; i >= 0; i-- {
		day := today.AddDate(0, 0, -i)
		label, n := day.Format("2006-01-02"), total[day]
		bars = append(bars, bar{Label: label, Value: float64(n), Text: strconv.Itoa(n)})
		if n > 0 {
			c.Rows = append(c.Rows, []string{label, strconv.Itoa(n), strings.Join(cats[day], ", ")})
		}
	}
	c.SVG = barChart(c.ID, c.Title, bars)
	return c
}

// ageChart charts and tables the open cases by age.
func ageChart(p Page, buckets []vigie.AgeBucket) chart {
	c := chart{ID: "chart-ages", Title: p.T("stats.ages"), Head: []string{p.T("stats.age"), p.T("stats.cases")}}
	var bars []bar
	for _, b := range buckets {
		label := p.T("stats.age." + b.Label)
		bars = append(bars, bar{Label: label, Value: float64(b.Count), Text: strconv.Itoa(b.Count)})
		c.Rows = append(c.Rows, []string{label, strconv.Itoa(b.Count)})
	}
	c.SVG = barChart(c.ID, c.Title, bars)
	return c
}

// formatDuration writes a removal time as people read it: "45 min",
// "3 h 30 min", "2 d 4 h".
func formatDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%d d %d h", days, hours)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%d h %d min", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%d h", hours)
	}
	return fmt.Sprintf("%d min", mins)
}

// dsaReport reads the year asked for (this year by default), and audits
// the export.
func (s *Server) dsaReport(r *http.Request, format string) (*vigie.DSAReport, error) {
	st, err := s.statsService()
	if err != nil {
		return nil, err
	}
	year := s.Now().UTC().Year()
	if v := r.URL.Query().Get("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil {
			return nil, vigie.Errorf(vigie.EINVALID, "year must be a number such as 2026")
		}
	}
	rep, err := st.DSAReport(r.Context(), year)
	if err != nil {
		return nil, err
	}
	s.audit(r.Context(), "stats.export", "dsa:"+strconv.Itoa(year), map[string]any{"format": format, "user": userObject(userFrom(r.Context()))})
	return rep, nil
}

type dsaCount struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// dsaJSON is the DSA Article 22 report as exported.
type dsaJSON struct {
	Year                      int        `json:"year"`
	GeneratedAt               time.Time  `json:"generated_at"`
	Notices                   int        `json:"notices"`
	ByHost                    []dsaCount `json:"by_host"`
	ByContentType             []dsaCount `json:"by_content_type"`
	ByAction                  []dsaCount `json:"by_action"`
	Removed                   int        `json:"removed"`
	MedianTimeToActionSeconds int64      `json:"median_time_to_action_seconds"`
}

func toDSACounts(kc []vigie.KeyCount) []dsaCount {
	out := make([]dsaCount, 0, len(kc))
	for _, c := range kc {
		out = append(out, dsaCount{Key: c.Key, Count: c.Count})
	}
	return out
}

// handleDSAJSON exports the year's DSA Article 22 report as JSON.
func (s *Server) handleDSAJSON(w http.ResponseWriter, r *http.Request) {
	rep, err := s.dsaReport(r, "json")
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="vigie-dsa-%d.json"`, rep.Year))
	writeJSON(w, http.StatusOK, dsaJSON{Year: rep.Year, GeneratedAt: rep.GeneratedAt, Notices: rep.Notices,
		ByHost: toDSACounts(rep.ByHost), ByContentType: toDSACounts(rep.ByContentType), ByAction: toDSACounts(rep.ByAction),
		Removed: rep.Removed, MedianTimeToActionSeconds: int64(rep.MedianTimeToAction.Seconds())})
}

// handleDSACSV exports the year's DSA Article 22 report as CSV: one line
// per figure, as section, key, value.
func (s *Server) handleDSACSV(w http.ResponseWriter, r *http.Request) {
	rep, err := s.dsaReport(r, "csv")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="vigie-dsa-%d.csv"`, rep.Year))
	cw := csv.NewWriter(w)
	cw.WriteAll(dsaRecords(rep))
}

func dsaRecords(rep *vigie.DSAReport) [][]string {
	recs := [][]string{{"section", "key", "value"},
		{"report", "year", strconv.Itoa(rep.Year)},
		{"report", "generated_at", rep.GeneratedAt.UTC().Format(time.RFC3339)},
		{"total", "notices", strconv.Itoa(rep.Notices)}}
	for _, sec := range []struct {
		name   string
		counts []vigie.KeyCount
	}{{"host", rep.ByHost}, {"content_type", rep.ByContentType}, {"action", rep.ByAction}} {
		for _, c := range sec.counts {
			recs = append(recs, []string{sec.name, csvSafe(c.Key), strconv.Itoa(c.Count)})
		}
	}
	return append(recs, []string{"total", "removed", strconv.Itoa(rep.Removed)},
		[]string{"time_to_action", "median_seconds", strconv.FormatInt(int64(rep.MedianTimeToAction.Seconds()), 10)})
}

// csvSafe keeps a spreadsheet from reading a value as a formula: host
// names come from public reports.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// handleAPIBlocklist gives ISPs the URLs of content assessed illegal and
// not yet removed, as JSON or, with ?format=text, one URL a line. The
// strong ETag hashes the representation's list, so a client that sends it
// back in If-None-Match gets 304 until the list changes. Nothing else
// leaves: no hash, no bank entry, no content.
func (s *Server) handleAPIBlocklist(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "text" {
		s.jsonError(w, r, vigie.Errorf(vigie.EINVALID, "format must be json or text"))
		return
	}
	st, err := s.statsService()
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	urls, err := st.LiveIllegalURLs(r.Context())
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	etag := blocklistETag(format, urls)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("Vary", "Authorization")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if format == "text" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		for _, u := range urls {
			fmt.Fprintln(w, u)
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(map[string]any{"generated_at": s.Now().UTC(), "urls": urls})
}

// blocklistETag is a strong validator of one representation of the list.
func blocklistETag(format string, urls []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%t\n%s", format == "text", strings.Join(urls, "\n"))
	return `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

// etagMatches applies If-None-Match's weak comparison to a list of tags.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
