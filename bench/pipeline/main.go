// Command pipeline measures Vigie's crawl → hash → match pipeline: it serves
// a local site of pages, each linking 1–3 synthetic JPEGs, reports every
// page to a running `vigie serve --fetch-allow-loopback`, and times from
// the first report until every case has left new/fetching and every item
// has left pending (read from the SQLite file, read-only).
//
//	go run ./bench/pipeline -url http://127.0.0.1:8080 -db vigie-data/vigie.db -pages 300
//
// Two anchors are measured in the same run, on the same site and images:
// a plain Go HTTP client fetching every page and its images (as many at
// once as -fetchers), and the fingerprint package hashing every JPEG on
// one goroutine.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-hotline/vigie/fingerprint"
	"github.com/vigie-hotline/vigie/pdq/pdqtest"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "base URL of a running `vigie serve --fetch-allow-loopback`")
	dbPath := flag.String("db", "", "the SQLite file of that vigie (read-only)")
	pages := flag.Int("pages", 300, "pages on the test site")
	size := flag.Int("size", 640, "width of the JPEGs (height is 3/4 of it)")
	senders := flag.Int("senders", 8, "reports sent at once")
	fetchers := flag.Int("fetchers", 4, "pages fetched at once by the anchor client (use vigie's --workers)")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	seed := flag.Uint64("seed", 1, "seed of the site: the same seed gives the same images")
	pid := flag.Int("pid", 0, "process id of that vigie, to report the CPU time it spends on the pipeline (Linux)")
	flag.Parse()
	if *dbPath == "" || *pages < 1 || *pages > 100000 {
		fmt.Fprintln(os.Stderr, "pipeline: -db is required and -pages must be 1–100000")
		os.Exit(2)
	}
	s := newSite(*seed, *pages, *size)
	siteURL, stop, err := s.serve()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
	defer stop()
	fmt.Printf("site: %d pages, %d JPEGs (%dx%d, %.0f KiB on average) at %s\n",
		*pages, s.images(), *size, *size*3/4, float64(s.imageBytes())/float64(s.images())/1024, siteURL)

	fetchRate := anchorFetch(siteURL, *pages, *fetchers)
	fmt.Printf("anchor fetch: %8.1f pages/s  (plain Go client, %d at once, pages and their images)\n", fetchRate, *fetchers)
	hashRate := anchorHash(s)
	fmt.Printf("anchor hash:  %8.1f images/s (fingerprint package, 1 goroutine, PDQ + MD5 + SHA-1 + SHA-256)\n", hashRate)

	cpu0, cpuErr := cpuTime(*pid)
	res, err := runPipeline(*base, *dbPath, siteURL, *pages, *senders, *timeout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
	fmt.Println(res)
	if cpu1, err := cpuTime(*pid); *pid > 0 && cpuErr == nil && err == nil {
		perPage := (cpu1 - cpu0) / float64(*pages)
		fmt.Printf("server CPU:   %.2f s, %.1f ms a page: %d CPUs doing nothing else would allow %.0f pages/s\n",
			cpu1-cpu0, perPage*1000, runtime.NumCPU(), float64(runtime.NumCPU())/perPage)
	}
	fmt.Printf("ratio pipeline/fetch anchor: %.3f; pipeline images/s / hash anchor: %.3f\n",
		res.pagesPerSec()/fetchRate, float64(res.items)/res.elapsed.Seconds()/hashRate)
}

// cpuTime returns the user and system CPU seconds of process pid so far,
// from /proc/pid/stat (fields 14 and 15, in USER_HZ ticks, 100 a second).
func cpuTime(pid int) (float64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100, errors.Join(err1, err2)
}

// site is the test site: page i links the JPEGs img[i].
type site struct {
	img [][][]byte
}

func newSite(seed uint64, pages, width int) *site {
	s := &site{img: make([][][]byte, pages)}
	rng := rand.New(rand.NewPCG(seed, 7))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range s.img {
		s.img[i] = make([][]byte, 1+rng.IntN(3))
		for k := range s.img[i] {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				var buf bytes.Buffer
				jpeg.Encode(&buf, pdqtest.Photo(seed<<32|uint64(i)<<2|uint64(k), width, width*3/4), &jpeg.Options{Quality: 85})
				s.img[i][k] = buf.Bytes()
			})
		}
	}
	wg.Wait()
	return s
}

func (s *site) images() (n int) {
	for _, p := range s.img {
		n += len(p)
	}
	return n
}

func (s *site) imageBytes() (n int) {
	for _, p := range s.img {
		for _, b := range p {
			n += len(b)
		}
	}
	return n
}

// serve starts the site on a loopback port.
func (s *site) serve() (string, func(), error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page/{i}", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.PathValue("i"))
		if err != nil || i < 0 || i >= len(s.img) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>thread %d</title><p>post %d</p>\n", i, i)
		for k := range s.img[i] {
			fmt.Fprintf(w, "<img src=\"/img/%d-%d.jpg\" alt=\"\">\n", i, k)
		}
	})
	mux.HandleFunc("GET /img/{name}", func(w http.ResponseWriter, r *http.Request) {
		var i, k int
		if _, err := fmt.Sscanf(r.PathValue("name"), "%d-%d.jpg", &i, &k); err != nil || i < 0 || i >= len(s.img) || k < 0 || k >= len(s.img[i]) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(s.img[i][k])
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

var imgSrc = regexp.MustCompile(`src="([^"]+)"`)

// anchorFetch fetches every page and the images it links with a plain
// client, n at once, and returns pages per second.
func anchorFetch(siteURL string, pages, n int) float64 {
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	get := func(u string) []byte {
		resp, err := c.Get(u)
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < pages; i = int(next.Add(1)) - 1 {
				for _, m := range imgSrc.FindAllSubmatch(get(fmt.Sprintf("%s/page/%d", siteURL, i)), -1) {
					get(siteURL + string(m[1]))
				}
			}
		})
	}
	wg.Wait()
	return float64(pages) / time.Since(start).Seconds()
}

// anchorHash fingerprints every image once on one goroutine and returns
// images per second.
func anchorHash(s *site) float64 {
	fp := fingerprint.NewService(fingerprint.Options{})
	start := time.Now()
	n := 0
	for _, p := range s.img {
		for _, b := range p {
			if _, err := fp.Fingerprint(context.Background(), bytes.NewReader(b)); err != nil {
				fmt.Fprintln(os.Stderr, "pipeline: hash:", err)
			}
			n++
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

// result is what the pipeline run measured.
type result struct {
	pages, cases, items, pending, unreachable, failedItems int
	reportsIn, elapsed                                     time.Duration
}

func (r result) pagesPerSec() float64 { return float64(r.pages) / r.elapsed.Seconds() }

func (r result) String() string {
	return fmt.Sprintf("pipeline:     %8.1f pages/s  (%d pages in %.2fs; reports all sent after %.2fs; %d cases, %d unreachable; %d items, %d failed, %d still pending)",
		r.pagesPerSec(), r.pages, r.elapsed.Seconds(), r.reportsIn.Seconds(), r.cases, r.unreachable, r.items, r.failedItems, r.pending)
}

// runPipeline reports every page, then polls the database until the work
// is done.
func runPipeline(base, dbPath, siteURL string, pages, senders int, timeout time.Duration) (result, error) {
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return result{}, err
	}
	defer db.Close()
	var before int
	if err := db.QueryRow(`SELECT count(*) FROM cases`).Scan(&before); err != nil {
		return result{}, fmt.Errorf("read %s: %w", dbPath, err)
	}
	if before != 0 {
		return result{}, fmt.Errorf("%s already holds %d cases: start vigie on a fresh data folder", dbPath, before)
	}
	res := result{pages: pages}
	start := time.Now()
	if err := sendReports(base, siteURL, pages, senders); err != nil {
		return res, err
	}
	res.reportsIn = time.Since(start)
	deadline := start.Add(timeout)
	for {
		var busy int
		err := db.QueryRow(`SELECT
			(SELECT count(*) FROM cases),
			(SELECT count(*) FROM cases WHERE state IN ('new', 'fetching')),
			(SELECT count(*) FROM cases WHERE state = 'unreachable'),
			(SELECT count(*) FROM items),
			(SELECT count(*) FROM items WHERE state = 'pending'),
			(SELECT count(*) FROM items WHERE state = 'failed')`).Scan(&res.cases, &busy, &res.unreachable, &res.items, &res.pending, &res.failedItems)
		if err != nil {
			return res, err
		}
		res.elapsed = time.Since(start)
		if res.cases == pages && busy == 0 && res.pending == 0 {
			return res, nil
		}
		if time.Now().After(deadline) {
			return res, fmt.Errorf("not done after %s: %d cases still new or fetching; %s", timeout, busy, res)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sendReports reports page i for every i, senders at once.
func sendReports(base, siteURL string, pages, senders int) error {
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < pages; i = int(next.Add(1)) - 1 {
				body, _ := json.Marshal(map[string]any{"urls": []string{fmt.Sprintf("%s/page/%d", siteURL, i)}, "category": "csam"})
				resp, err := c.Post(base+"/api/v1/reports", "application/json", bytes.NewReader(body))
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					firstErr.CompareAndSwap(nil, fmt.Errorf("report page %d: status %d: %s", i, resp.StatusCode, strings.TrimSpace(string(raw))))
					return
				}
			}
		})
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return err
	}
	return nil
}
