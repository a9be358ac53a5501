package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	vigie "github.com/vigie-hotline/vigie"
)

// Guardian holds what the parents' side needs in the background: telling
// a family that an analyst confirmed a match, and forgetting registrations
// that were never verified.
type Guardian struct {
	Families vigie.GuardianService
	Notifier vigie.FamilyNotifier
	Now      func() time.Time
	Logger   *slog.Logger
}

// Register adds the guardian workers to r, and the hourly purge of
// registrations whose link expired.
func (g *Guardian) Register(r *Runner) {
	river.AddWorker(r.Workers, &NotifyFamilyWorker{G: g})
	river.AddWorker(r.Workers, &PurgeFamiliesWorker{G: g})
	r.Periodic = append(r.Periodic, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return vigie.PurgeFamiliesJob{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
}

// NotifyFamilyWorker writes to a family once an analyst confirmed that
// reported content shows one of their photos.
type NotifyFamilyWorker struct {
	river.WorkerDefaults[vigie.NotifyFamilyJob]
	G *Guardian
}

// Work implements river.Worker. A family that withdrew in the meantime is
// not written to; a mail server that cannot be reached is retried.
func (w *NotifyFamilyWorker) Work(ctx context.Context, job *river.Job[vigie.NotifyFamilyJob]) error {
	ctx = vigie.NewContextWithActor(ctx, "system:guardian")
	f, err := w.G.Families.FindFamily(ctx, job.Args.FamilyID)
	if vigie.ErrorCode(err) == vigie.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if f.Withdrawn() || !f.Verified() {
		return nil
	}
	if err := w.G.Notifier.SendFamilyFound(ctx, f); err != nil {
		return err
	}
	_, err = w.G.Families.MarkFamilyNotified(ctx, f.ID, job.Args.ItemID)
	return err
}

// PurgeFamiliesWorker deletes registrations whose verification link
// expired: their photos never reached a bank, and are kept no longer.
type PurgeFamiliesWorker struct {
	river.WorkerDefaults[vigie.PurgeFamiliesJob]
	G *Guardian
}

// Work implements river.Worker.
func (w *PurgeFamiliesWorker) Work(ctx context.Context, job *river.Job[vigie.PurgeFamiliesJob]) error {
	ctx = vigie.NewContextWithActor(ctx, "system:retention")
	n, err := w.G.Families.PurgeUnverifiedFamilies(ctx, w.G.Now().Add(-vigie.FamilyTokenTTL))
	if n > 0 {
		w.G.Logger.Info("unverified family registrations deleted", "count", n)
	}
	return err
}
