package vigie

import (
	"context"
	"database/sql"
)

// Job is durable background work. Its Kind names the worker that runs it;
// the value is stored as JSON until a worker completes it, so a crash or a
// restart never loses it.
type Job interface {
	Kind() string
}

// Enqueuer inserts jobs inside the caller's transaction, so that the jobs
// and the data they belong to commit, or roll back, together.
type Enqueuer interface {
	EnqueueTx(ctx context.Context, tx *sql.Tx, jobs ...Job) error
}

// PurgeExpiredJob deletes expired sessions and old login failures. It runs
// periodically.
type PurgeExpiredJob struct{}

// Kind implements Job.
func (PurgeExpiredJob) Kind() string { return "purge_expired" }
