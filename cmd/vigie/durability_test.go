package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vigie-hotline/vigie/internal/dbtest"
)

// TestIntake_SurvivesKill sends reports from several clients to `vigie
// serve` running in its own process, kills it with SIGKILL in the middle of
// the load, starts it again on the same data, and checks that every report
// acknowledged with 201 before the kill is there: a code is given only once
// its report is committed.
func TestIntake_SurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts vigie twice in its own process")
	}
	dbtest.Run(t, func(t *testing.T, dsn string) {
		args := dbArgs(t, dsn)
		srv := startServeProcess(t, args)
		acked := loadUntilKilled(t, srv, 8, 500)
		if len(acked) < 500 {
			t.Fatalf("only %d reports acknowledged before the kill", len(acked))
		}

		srv = startServeProcess(t, args)
		lost := 0
		for _, r := range acked {
			if st := reportStatusCode(t, srv.base, r); st != http.StatusOK {
				if lost++; lost <= 5 {
					t.Errorf("report %s was acknowledged before the kill; after the restart: status %d", r.Code, st)
				}
			}
		}
		if lost > 0 {
			t.Fatalf("%d of %d acknowledged reports lost", lost, len(acked))
		}
		t.Logf("%d reports acknowledged before SIGKILL, all found after the restart", len(acked))
		srv.stop(t)

		if !strings.HasPrefix(dsn, "postgres") {
			checkSQLiteIntegrity(t, dsn)
		}
		if code, out, errs := run(t, "", append(args, "audit", "verify")...); code != 0 {
			t.Fatalf("audit verify: exit %d\n%s%s", code, out, errs)
		}
	})
}

// serveProcess is `vigie serve` running in a child process.
type serveProcess struct {
	cmd  *exec.Cmd
	base string
	done chan struct{} // closed when the process has exited
}

var runningAt = regexp.MustCompile(`Vigie is running at (http://\S+)`)

// startServeProcess starts `vigie serve` on a free loopback port in a child
// process (the test binary, see childArgsEnv) and waits until it listens.
// The process is killed when the test ends, if it still runs.
func startServeProcess(t *testing.T, global []string) *serveProcess {
	t.Helper()
	args := append(append([]string{}, global...), "serve", "--addr", "127.0.0.1:0", "--report-burst", "0")
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(raw))
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, done: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := runningAt.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-p.done })
	select {
	case p.base = <-found:
		return p
	case <-p.done:
		t.Fatalf("vigie serve exited at start:\n%s", stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("vigie serve did not start within 20 s:\n%s", stderr.String())
	}
	return nil
}

// stop ends the process with SIGTERM and waits for it.
func (p *serveProcess) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("vigie serve did not stop within 30 s of SIGTERM")
	}
}

// loadUntilKilled sends reports from clients goroutines, each URL new (a
// private address, which the fetch jobs refuse at once), kills the server
// with SIGKILL once killAfter reports are acknowledged, and returns the
// acknowledged ones. The clients stop at the kill.
func loadUntilKilled(t *testing.T, p *serveProcess, clients, killAfter int) []reportReply {
	t.Helper()
	var (
		mu     sync.Mutex
		acked  []reportReply
		seq    atomic.Int64
		killed = make(chan struct{})
		once   sync.Once
		wg     sync.WaitGroup
	)
	kill := func() {
		once.Do(func() {
			p.cmd.Process.Kill() // SIGKILL: no chance to flush or close anything
			close(killed)
		})
	}
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.After(30 * time.Second)
	for range clients {
		wg.Go(func() {
			for {
				select {
				case <-killed:
					return
				default:
				}
				n := seq.Add(1)
				urls := []string{fmt.Sprintf("http://10.1.%d.%d/kill-test/%d", n/250%250, 1+n%250, n)}
				if n%3 == 0 {
					urls = append(urls, fmt.Sprintf("http://10.2.0.1/kill-test/%d/b", n))
				}
				r, ok := postReport(client, p.base, urls)
				if !ok {
					continue // refused or cut by the kill: never acknowledged
				}
				mu.Lock()
				acked = append(acked, r)
				if len(acked) >= killAfter {
					kill()
				}
				mu.Unlock()
			}
		})
	}
	select {
	case <-killed:
	case <-p.done:
		t.Fatal("vigie serve exited during the load")
	case <-deadline:
		kill()
		t.Log("killed after 30 s, before the planned number of reports")
	}
	wg.Wait()
	<-p.done
	mu.Lock()
	defer mu.Unlock()
	return acked
}

// postReport sends a report and returns its code and PIN if it was
// acknowledged (201 with a code).
func postReport(c *http.Client, base string, urls []string) (reportReply, bool) {
	body, _ := json.Marshal(map[string]any{"urls": urls, "category": "csam"})
	resp, err := c.Post(base+"/api/v1/reports", "application/json", bytes.NewReader(body))
	if err != nil {
		return reportReply{}, false
	}
	defer resp.Body.Close()
	var r reportReply
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &r) != nil || r.Code == "" {
		return reportReply{}, false
	}
	return r, true
}

func reportStatusCode(t *testing.T, base string, r reportReply) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/v1/reports/"+r.Code, nil)
	req.Header.Set("X-Report-PIN", r.PIN)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// checkSQLiteIntegrity runs SQLite's own consistency check on the file.
func checkSQLiteIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("integrity_check: %s", res)
	}
}
