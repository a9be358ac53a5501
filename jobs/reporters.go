package jobs

import (
	"context"
	"errors"

	"github.com/riverqueue/river"
	vigie "github.com/vigie-hotline/vigie"
)

// NotifyReportersWorker tells each reporter of a case who left an e-mail
// the coarse outcome of their report. A mail server that cannot be reached
// is retried with River's backoff.
type NotifyReportersWorker struct {
	river.WorkerDefaults[vigie.NotifyReportersJob]
	Reports  vigie.ReportService
	Notifier vigie.ReporterNotifier
}

// Work implements river.Worker.
func (w *NotifyReportersWorker) Work(ctx context.Context, job *river.Job[vigie.NotifyReportersJob]) error {
	c, err := w.Reports.FindCase(ctx, job.Args.CaseID)
	if err != nil || !c.State.Final() {
		return err
	}
	reports, err := w.Reports.FindCaseReports(ctx, c.ID)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range reports {
		if r.Contact == "" {
			continue
		}
		if err := w.Notifier.NotifyOutcome(ctx, r, c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
