// Package jobs runs Vigie's durable background work on River, over the same
// database as the rest of the data: SQLite through riversqlite, PostgreSQL
// through riverpgxv5. Jobs are inserted inside the caller's transaction, so a
// report and the work it starts commit together, and a job whose worker dies
// is rescued and run again.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.Enqueuer = (*Runner)(nil)

// Runner inserts and works jobs.
type Runner struct {
	// DB is the pool that the rest of Vigie writes through; on SQLite it is
	// the single writer connection.
	DB *sql.DB
	// PostgresDSN is set when DB is PostgreSQL: workers then use a pgx pool
	// of their own, which listens for new jobs instead of polling.
	PostgresDSN string
	// Workers holds the workers; add to it before Start.
	Workers *river.Workers
	// Periodic lists jobs that are inserted on a schedule.
	Periodic []*river.PeriodicJob
	// MaxWorkers is how many jobs run at once. Default 4.
	MaxWorkers int
	// JobTimeout bounds one attempt of a job. Default 5 minutes.
	JobTimeout time.Duration
	// RescueStuckJobsAfter is how long a job may stay running before it is
	// taken for a dead worker's and run again. Default 15 minutes.
	RescueStuckJobsAfter time.Duration
	// FetchPollInterval is how often SQLite is polled for new jobs, so
	// the longest a new job waits before it starts. Default 100 ms.
	FetchPollInterval time.Duration
	// FetchCooldown is the least time between two fetches of jobs: as a
	// job ends its slot is filled at once, but no sooner than this. River's
	// default, 100 ms, caps a queue at MaxWorkers jobs per 100 ms whatever
	// the jobs cost (40 jobs/s with 4 workers). Default 5 ms.
	FetchCooldown time.Duration
	Logger        *slog.Logger

	insert *river.Client[*sql.Tx]
	work   *river.Client[pgx.Tx] // PostgreSQL only; on SQLite insert also works
	pool   *pgxpool.Pool
}

// NewRunner returns a Runner over db with defaults filled in.
func NewRunner(db *sql.DB, postgresDSN string) *Runner {
	return &Runner{
		DB:                   db,
		PostgresDSN:          postgresDSN,
		Workers:              river.NewWorkers(),
		MaxWorkers:           4,
		JobTimeout:           5 * time.Minute,
		RescueStuckJobsAfter: 15 * time.Minute,
		FetchPollInterval:    100 * time.Millisecond,
		FetchCooldown:        5 * time.Millisecond,
		Logger:               slog.New(slog.DiscardHandler),
	}
}

// Migrate creates or updates River's tables.
func (r *Runner) Migrate(ctx context.Context) error {
	var err error
	if r.PostgresDSN != "" {
		err = migrate(ctx, riverdatabasesql.New(r.DB))
	} else {
		err = migrate(ctx, riversqlite.New(r.DB))
	}
	if err != nil {
		return fmt.Errorf("migrate job tables: %w", err)
	}
	return nil
}

func migrate(ctx context.Context, d riverdriver.Driver[*sql.Tx]) error {
	m, err := rivermigrate.New(d, nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

func (r *Runner) config(work bool) *river.Config {
	cfg := &river.Config{
		JobTimeout:           r.JobTimeout,
		RescueStuckJobsAfter: r.RescueStuckJobsAfter,
		FetchPollInterval:    r.FetchPollInterval,
		FetchCooldown:        r.FetchCooldown,
		Logger:               r.Logger,
		Workers:              r.Workers,
	}
	if work {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: r.MaxWorkers}}
		cfg.PeriodicJobs = r.Periodic
	}
	if r.PostgresDSN == "" {
		// SQLite has no LISTEN: River's SQLite driver emulates it by
		// reading a notification table every 50 ms on the single writer,
		// 11 % of the server's CPU during a crawl. Polling for jobs
		// every FetchPollInterval instead costs less; a slot freed by a
		// finished job is still refilled at once (FetchCooldown).
		cfg.PollOnly = true
	}
	return cfg
}

// Open builds the clients without starting to work, so that jobs can be
// inserted (by `vigie user` commands, say) from a process that works none.
func (r *Runner) Open(ctx context.Context) error {
	var err error
	if r.PostgresDSN == "" {
		r.insert, err = river.NewClient(riversqlite.New(r.DB), r.config(true))
		return err
	}
	if r.insert, err = river.NewClient(riverdatabasesql.New(r.DB), r.config(false)); err != nil {
		return err
	}
	if r.pool, err = pgxpool.New(ctx, r.PostgresDSN); err != nil {
		return fmt.Errorf("job queue pool: %w", err)
	}
	r.work, err = river.NewClient(riverpgxv5.New(r.pool), r.config(true))
	return err
}

// Start begins working jobs in the background until Stop.
func (r *Runner) Start(ctx context.Context) error {
	if r.work != nil {
		return r.work.Start(ctx)
	}
	return r.insert.Start(ctx)
}

// Stop lets running jobs finish (up to ctx's deadline, then cancels them)
// and releases the connections.
func (r *Runner) Stop(ctx context.Context) error {
	var errs []error
	if r.work != nil {
		errs = append(errs, ignoreCanceled(r.work.Stop(ctx)))
		r.pool.Close()
	}
	if r.insert != nil {
		errs = append(errs, ignoreCanceled(r.insert.Stop(ctx)))
	}
	return errors.Join(errs...)
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// EnqueueTx inserts jobs in tx: they become visible to workers only when tx
// commits, and vanish if it rolls back.
func (r *Runner) EnqueueTx(ctx context.Context, tx *sql.Tx, jobs ...vigie.Job) error {
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j}
	}
	// The fast form returns no rows: nothing here reads them back, and on
	// SQLite building them costs as much as the insert itself.
	if _, err := r.insert.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}
