package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/internal/dbtest"
	"github.com/vigie-hotline/vigie/jobs"
	"github.com/vigie-hotline/vigie/sqldb"
)

// probeJob marks the point of a crash: its first attempt records that it
// started and then hangs until its process is killed; a later attempt
// completes.
type probeJob struct {
	Dir string `json:"dir"`
}

func (probeJob) Kind() string { return "test_probe" }

type probeWorker struct {
	river.WorkerDefaults[probeJob]
}

func (probeWorker) Work(ctx context.Context, job *river.Job[probeJob]) error {
	name := filepath.Join(job.Args.Dir, "attempt-"+strconv.Itoa(job.Attempt))
	if err := os.WriteFile(name, nil, 0o600); err != nil {
		return err
	}
	if job.Attempt == 1 {
		select {} // hang like a wedged worker, ignoring the timeout, until killed
	}
	return nil
}

const childEnv = "VIGIE_JOBS_TEST_CHILD_DSN"

// TestMain runs a worker process when the crash test starts this binary as
// its child.
func TestMain(m *testing.M) {
	if dsn := os.Getenv(childEnv); dsn != "" {
		if err := runChild(dsn); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func openRunner(ctx context.Context, dsn string) (*sqldb.DB, *jobs.Runner, error) {
	db := sqldb.NewDB(dsn)
	if err := db.Open(ctx); err != nil {
		return nil, nil, err
	}
	pg := ""
	if db.Dialect() == sqldb.Postgres {
		pg = dsn
	}
	r := jobs.NewRunner(db.WriteDB(), pg)
	r.JobTimeout = time.Second
	r.RescueStuckJobsAfter = 2 * time.Second // short, so the crash test is quick
	r.FetchPollInterval = 100 * time.Millisecond
	river.AddWorker(r.Workers, probeWorker{})
	return db, r, nil
}

func runChild(dsn string) error {
	ctx := context.Background()
	_, r, err := openRunner(ctx, dsn)
	if err != nil {
		return err
	}
	if err := r.Open(ctx); err != nil {
		return err
	}
	if err := r.Start(ctx); err != nil {
		return err
	}
	select {} // until killed, or until the parent stops it
}

func startChild(t *testing.T, dsn string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dsn)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRunner_SurvivesWorkerCrash enqueues a job, kills the worker process
// with SIGKILL while the job runs, starts a new worker process, and checks
// that the job completes on its second attempt.
func TestRunner_SurvivesWorkerCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes; about 20 s per database")
	}
	dbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, r, err := openRunner(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		mustMigrate(t, db, r)
		if err := r.Open(ctx); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		id := enqueue(t, db, r, probeJob{Dir: dir})

		first := startChild(t, dsn)
		waitFor(t, "the first attempt to start", 30*time.Second, func() bool { return exists(filepath.Join(dir, "attempt-1")) })
		if err := first.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		first.Wait()

		startChild(t, dsn)
		waitFor(t, "the job to complete after the crash", 90*time.Second, func() bool {
			return jobState(t, db, id) == "completed"
		})
		if !exists(filepath.Join(dir, "attempt-2")) {
			t.Fatal("completed without a second attempt")
		}
	})
}

// TestRunner_EnqueueTx checks that a job commits and rolls back with the
// transaction it was inserted in.
func TestRunner_EnqueueTx(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, r, err := openRunner(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		mustMigrate(t, db, r)
		if err := r.Open(ctx); err != nil {
			t.Fatal(err)
		}
		t.Run("Rollback", func(t *testing.T) {
			tx, err := db.BeginTx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.EnqueueTx(ctx, tx, probeJob{Dir: "rolled-back"}); err != nil {
				t.Fatal(err)
			}
			tx.Rollback()
			if got, want := countJobs(t, db, "test_probe"), 0; got != want {
				t.Fatalf("jobs=%d, want %d", got, want)
			}
		})
		t.Run("Commit", func(t *testing.T) {
			enqueue(t, db, r, probeJob{Dir: "committed"})
			if got, want := countJobs(t, db, "test_probe"), 1; got != want {
				t.Fatalf("jobs=%d, want %d", got, want)
			}
		})
	})
}

// TestPurgeWorker runs the periodic purge through River and checks that an
// expired session is gone afterwards.
func TestPurgeWorker(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		ctx := vigie.NewContextWithActor(context.Background(), "test")
		db, r, err := openRunner(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		mustMigrate(t, db, r)
		u := &vigie.User{Username: "dora", Role: vigie.RoleAnalyst}
		if err := sqldb.NewUserService(db).CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		ss := sqldb.NewSessionService(db)
		if err := ss.CreateSession(ctx, &vigie.Session{UserID: u.ID, TokenHash: []byte("x"), ExpiresAt: time.Now().Add(-time.Second)}); err != nil {
			t.Fatal(err)
		}
		river.AddWorker(r.Workers, &jobs.PurgeWorker{Sessions: ss, Throttle: ss, Now: time.Now, Logger: discard{}})
		r.Periodic = append(r.Periodic, jobs.PurgeEvery(time.Hour))
		if err := r.Open(ctx); err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer r.Stop(ctx)
		waitFor(t, "the purge job to complete", 60*time.Second, func() bool {
			var n int
			db.ReadDB().QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'purge_expired' AND state = 'completed'`).Scan(&n)
			return n > 0
		})
		var left int
		if err := db.ReadDB().QueryRow(`SELECT count(*) FROM sessions`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if got, want := left, 0; got != want {
			t.Fatalf("sessions left=%d, want %d", got, want)
		}
	})
}

type discard struct{}

func (discard) Info(string, ...any) {}

func mustMigrate(t *testing.T, db *sqldb.DB, r *jobs.Runner) {
	t.Helper()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func enqueue(t *testing.T, db *sqldb.DB, r *jobs.Runner, j vigie.Job) int64 {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := r.EnqueueTx(ctx, tx, j); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := tx.QueryRow(`SELECT max(id) FROM river_job`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return id
}

func jobState(t *testing.T, db *sqldb.DB, id int64) string {
	var state string
	err := db.ReadDB().QueryRow(`SELECT state FROM river_job WHERE id = $1`, id).Scan(&state)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	return state
}

func countJobs(t *testing.T, db *sqldb.DB, kind string) int {
	var n int
	if err := db.ReadDB().QueryRow(`SELECT count(*) FROM river_job WHERE kind = $1`, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
