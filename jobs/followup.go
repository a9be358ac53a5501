package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	vigie "github.com/vigie-hotline/vigie"
)

// FollowUpWorker re-checks open takedowns, sends reminders and escalates.
type FollowUpWorker struct {
	river.WorkerDefaults[vigie.FollowUpJob]
	T *Takedown
}

// Work implements river.Worker.
func (w *FollowUpWorker) Work(ctx context.Context, job *river.Job[vigie.FollowUpJob]) error {
	return w.T.FollowUp(vigie.NewContextWithActor(ctx, "system:follow-up"))
}

// FollowUp checks every open takedown whose last check is older than
// CheckInterval. Content gone closes the takedown; content still served
// 24 h and 72 h after the first notice brings a reminder to the host, and
// after EscalateAfter an escalation to supervisors and the police list.
func (t *Takedown) FollowUp(ctx context.Context) error {
	open, err := t.Takedowns.FindTakedowns(ctx, vigie.TakedownNotified, vigie.TakedownEscalated)
	if err != nil {
		return err
	}
	var errs []error
	for _, td := range open {
		if td.LastCheckAt != nil && t.Now().Sub(*td.LastCheckAt) < t.CheckInterval {
			continue
		}
		if err := t.followOne(ctx, td); err != nil {
			t.Logger.Error("follow-up", "case", td.CaseID, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (t *Takedown) followOne(ctx context.Context, td *vigie.Takedown) error {
	c, err := t.Reports.FindCase(ctx, td.CaseID)
	if err != nil {
		return err
	}
	check := &vigie.Check{CaseID: c.ID, At: t.Now()}
	check.Removed, check.Result, err = t.check(ctx, c)
	if err != nil {
		return err
	}
	if err := t.Takedowns.RecordCheck(ctx, check); err != nil || check.Removed {
		return err
	}
	return t.remind(ctx, td)
}

// check re-fetches the case's URL. The content is gone when the address
// answers 404 or 410, when its name no longer exists, or when none of the
// illegal content is served there any more (compared by SHA-256).
func (t *Takedown) check(ctx context.Context, c *vigie.Case) (bool, string, error) {
	items, err := t.Reports.FindItems(ctx, vigie.ItemFilter{CaseID: c.ID, Limit: 1000})
	if err != nil {
		return false, "", err
	}
	illegal := map[string]bool{}
	for _, it := range items {
		if it.Classification.Illegal() && it.SHA256 != "" {
			illegal[it.SHA256] = true
		}
	}
	served := false
	_, err = t.Crawler.Crawl(ctx, c.URL, func(ctx context.Context, f *vigie.Fetched) error {
		served = served || illegal[f.Evidence.SHA256]
		return nil
	})
	var ff *vigie.FetchFailure
	switch {
	case errors.As(err, &ff) && ff.Gone():
		return true, ff.Reason + " " + ff.Message, nil
	case errors.As(err, &ff):
		return false, "error: " + ff.Reason, nil // try again next time
	case err != nil:
		return false, "", err
	case !served:
		return true, "content_gone", nil
	}
	return false, "still_served", nil
}

// remind sends the reminders and the escalation that are due.
func (t *Takedown) remind(ctx context.Context, td *vigie.Takedown) error {
	if td.FirstNoticeAt == nil {
		return nil
	}
	age := t.Now().Sub(*td.FirstNoticeAt)
	due := 0
	switch {
	case age >= t.EscalateAfter && td.Status != vigie.TakedownEscalated:
		return t.escalate(ctx, td)
	case age >= 72*time.Hour:
		due = 2
	case age >= 24*time.Hour:
		due = 1
	}
	if due <= td.Reminders {
		return nil
	}
	notices, err := t.Takedowns.FindNotices(ctx, td.CaseID)
	if err != nil {
		return err
	}
	var reminders []*vigie.Notice
	for _, n := range notices {
		if n.Kind == vigie.NoticeTakedown && n.Status == vigie.NoticeSent {
			reminders = append(reminders, &vigie.Notice{Kind: vigie.NoticeReminder, Recipient: n.Recipient, ProviderID: n.ProviderID, Lang: n.Lang, ReplyTo: t.ReplyTo})
		}
	}
	if err := t.Takedowns.QueueNotices(ctx, td.CaseID, reminders); err != nil {
		return err
	}
	return t.Takedowns.SetTakedownStatus(ctx, td.CaseID, td.Status, due)
}

func (t *Takedown) escalate(ctx context.Context, td *vigie.Takedown) error {
	var notices []*vigie.Notice
	for _, to := range t.EscalateTo {
		notices = append(notices, &vigie.Notice{Kind: vigie.NoticeEscalation, Recipient: to, Lang: "fr", ReplyTo: t.ReplyTo})
	}
	if err := t.Takedowns.QueueNotices(ctx, td.CaseID, notices); err != nil {
		return err
	}
	return t.Takedowns.SetTakedownStatus(ctx, td.CaseID, vigie.TakedownEscalated, td.Reminders)
}
