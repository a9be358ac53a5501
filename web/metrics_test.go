package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequestMetrics checks that requests are counted by method and status
// and timed by method, with the series kept between requests.
func TestRequestMetrics(t *testing.T) {
	s := NewServer()
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	for _, req := range []struct{ method, path string }{
		{"GET", "/healthz"}, {"GET", "/healthz"}, {"GET", "/no-such-page"}, {"POST", "/healthz"}, {"GET", "/healthz"},
	} {
		s.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(req.method, req.path, nil))
	}
	rec, req := httptest.NewRecorder(), httptest.NewRequest("GET", "/metrics", nil)
	req.RemoteAddr = "127.0.0.1:1234"
	s.Handler().ServeHTTP(rec, req)
	for _, want := range []string{
		`vigie_http_requests_total{code="200",method="GET"} 3`,
		`vigie_http_requests_total{code="404",method="GET"} 1`,
		`vigie_http_requests_total{code="404",method="POST"} 1`,
		`vigie_http_request_duration_seconds_count{method="GET"} 4`,
		`vigie_http_request_duration_seconds_count{method="POST"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want+"\n") {
			t.Fatalf("no %s in\n%s", want, rec.Body)
		}
	}
	if n := strings.Count(rec.Body.String(), "vigie_http_requests_total{"); n != 3 {
		t.Fatalf("%d request series, want 3", n)
	}
}
