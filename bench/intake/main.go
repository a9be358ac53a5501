// Command intake is a load generator for Vigie's report API: a fixed number
// of clients, each sending the next request as soon as the last one is
// answered, for a fixed time. It prints the rate and the latency
// percentiles.
//
//	go run ./bench/intake -url http://127.0.0.1:8080 -c 32 -d 20s
//	go run ./bench/intake -url http://127.0.0.1:8080 -c 32 -d 10s -path /healthz
//
// With -path unset each request is POST /api/v1/reports with 1–3 URLs never
// sent before, so every URL creates a case and a fetch job. The URLs name
// private addresses (10.0.0.0/8) that the fetcher refuses without
// connecting: the jobs fail fast and nothing leaves the machine. With -path
// set each request is a GET of that path: the anchor, the same HTTP stack
// doing almost nothing.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "base URL of a running `vigie serve`")
	clients := flag.Int("c", 32, "concurrent clients")
	duration := flag.Duration("d", 20*time.Second, "how long to send")
	warmup := flag.Duration("warmup", 2*time.Second, "sending before measuring starts")
	path := flag.String("path", "", "GET this path instead of sending reports (the anchor)")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "seed of the reported URLs")
	asJSON := flag.Bool("json", false, "print the result as one JSON line")
	flag.Parse()
	if *clients < 1 || *duration <= 0 || *duration > time.Hour {
		fmt.Fprintln(os.Stderr, "intake: -c must be ≥ 1 and -d between 0 and 1h")
		os.Exit(2)
	}
	l := &load{base: *base, path: *path, seed: *seed,
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConns: *clients, MaxIdleConnsPerHost: *clients, DisableCompression: true}}}
	res := l.run(*clients, *warmup, *duration)
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(res)
	} else {
		fmt.Println(res)
	}
	if res.OK == 0 {
		os.Exit(1)
	}
}

// load sends requests from several clients and records each latency.
type load struct {
	base, path string
	seed       uint64
	client     *http.Client
	seq        atomic.Uint64
}

// result is what one run measured.
type result struct {
	Target   string  `json:"target"`
	Clients  int     `json:"clients"`
	Seconds  float64 `json:"seconds"`
	OK       int     `json:"ok"`
	Errors   int     `json:"errors"`
	PerSec   float64 `json:"per_sec"`
	P50ms    float64 `json:"p50_ms"`
	P90ms    float64 `json:"p90_ms"`
	P99ms    float64 `json:"p99_ms"`
	Maxms    float64 `json:"max_ms"`
	FirstErr string  `json:"first_error,omitempty"`
}

func (r result) String() string {
	s := fmt.Sprintf("%-22s c=%d %6.1fs  %8.0f req/s  p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %7.2f ms  ok %d  errors %d",
		r.Target, r.Clients, r.Seconds, r.PerSec, r.P50ms, r.P90ms, r.P99ms, r.Maxms, r.OK, r.Errors)
	if r.FirstErr != "" {
		s += "  (first error: " + r.FirstErr + ")"
	}
	return s
}

func (l *load) run(clients int, warmup, duration time.Duration) result {
	start := time.Now()
	measureFrom, stop := start.Add(warmup), start.Add(warmup+duration)
	lat := make([][]time.Duration, clients)
	errs := make([]int, clients)
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(l.seed, uint64(i)))
			for {
				t0 := time.Now()
				if t0.After(stop) {
					return
				}
				err := l.once(rng)
				if t0.Before(measureFrom) {
					continue
				}
				if err != nil {
					errs[i]++
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(measureFrom).Seconds()
	all := slices.Concat(lat...)
	slices.Sort(all)
	target := "POST /api/v1/reports"
	if l.path != "" {
		target = "GET " + l.path
	}
	r := result{Target: target, Clients: clients, Seconds: elapsed, OK: len(all), PerSec: float64(len(all)) / elapsed}
	for _, n := range errs {
		r.Errors += n
	}
	if s, ok := firstErr.Load().(string); ok {
		r.FirstErr = s
	}
	if len(all) > 0 {
		r.P50ms, r.P90ms, r.P99ms = ms(quantile(all, 0.50)), ms(quantile(all, 0.90)), ms(quantile(all, 0.99))
		r.Maxms = ms(all[len(all)-1])
	}
	return r
}

// once sends one request and reads the whole answer.
func (l *load) once(rng *rand.Rand) error {
	var resp *http.Response
	var err error
	want := http.StatusOK
	if l.path != "" {
		resp, err = l.client.Get(l.base + l.path)
	} else {
		want = http.StatusCreated
		resp, err = l.client.Post(l.base+"/api/v1/reports", "application/json", bytes.NewReader(l.report(rng)))
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, body)
	}
	return nil
}

// report returns the JSON of a report naming 1–3 URLs that no report named
// before: a sequence number makes each path unique.
func (l *load) report(rng *rand.Rand) []byte {
	urls := make([]string, 1+rng.IntN(3))
	for i := range urls {
		n := l.seq.Add(1)
		urls[i] = fmt.Sprintf("http://10.%d.%d.%d/forum/thread-%x/post-%d.html",
			rng.IntN(256), rng.IntN(256), 1+rng.IntN(254), l.seed&0xffffff, n)
	}
	b, _ := json.Marshal(map[string]any{"urls": urls, "category": "csam", "seen_where": "load test"})
	return b
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
