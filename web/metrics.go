package web

import (
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	logins   *prometheus.CounterVec

	byRequest sync.Map // requestKey → requestMetrics
}

// requestKey is a request's method and status code.
type requestKey struct {
	method string
	status int
}

// requestMetrics are the series that count and time requests of one
// method and status.
type requestMetrics struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// forRequest returns the series of requests of method and status. They
// are kept once looked up: a lookup in the vectors hashes and checks the
// label values, on every request.
func (m *metrics) forRequest(method string, status int) requestMetrics {
	key := requestKey{method, status}
	if rm, ok := m.byRequest.Load(key); ok {
		return rm.(requestMetrics)
	}
	rm := requestMetrics{m.requests.WithLabelValues(method, strconv.Itoa(status)), m.duration.WithLabelValues(method)}
	m.byRequest.Store(key, rm)
	return rm
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_http_requests_total", Help: "HTTP requests by method and status code.",
		}, []string{"method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vigie_http_request_duration_seconds", Help: "Time to answer HTTP requests.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_logins_total", Help: "Sign-in attempts by outcome.",
		}, []string{"outcome"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.logins,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// metricsHandler serves Prometheus metrics to loopback clients, or to any
// client that presents MetricsToken: volumes of reports are not public.
func (s *Server) metricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		allowed := isLoopback(clientIP(r)) ||
			(s.MetricsToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.MetricsToken)) == 1)
		if !allowed {
			http.Error(w, "Metrics are served to loopback clients or with the metrics token.", http.StatusForbidden)
			return
		}
		promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	})
}

func isLoopback(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && a.Unmap().IsLoopback()
}
