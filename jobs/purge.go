package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	vigie "github.com/vigie-hotline/vigie"
)

// PurgeWorker deletes expired sessions and login failures older than a day,
// so that neither table grows without end.
type PurgeWorker struct {
	river.WorkerDefaults[vigie.PurgeExpiredJob]
	Sessions vigie.SessionService
	Throttle vigie.LoginThrottle
	Now      func() time.Time
	Logger   interface {
		Info(msg string, args ...any)
	}
}

// Work implements river.Worker.
func (w *PurgeWorker) Work(ctx context.Context, job *river.Job[vigie.PurgeExpiredJob]) error {
	now := w.Now()
	sessions, err := w.Sessions.PurgeSessions(ctx, now)
	if err != nil {
		return err
	}
	failures, err := w.Throttle.PurgeLoginFailures(ctx, now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	w.Logger.Info("purged expired records", "sessions", sessions, "login_failures", failures)
	return nil
}

// PurgeEvery returns the periodic job that runs PurgeWorker, at start and
// then every interval.
func PurgeEvery(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return vigie.PurgeExpiredJob{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
