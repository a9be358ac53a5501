package vigie

import (
	"context"
	"time"
)

// Provider is a hosting provider, CDN or registrar in the directory: where
// notices about content on its networks go.
type Provider struct {
	ID      int64
	Name    string
	ASNs    []uint32 // networks it operates
	Domains []string // domains it hosts under (for hosts the ASN does not tell)
	// AbuseEmail receives notices.
	AbuseEmail string
	Lang       string // language of its notices: "fr" or "en"
	Country    string // ISO 3166-1 alpha-2
	Notes      string
}

// Partner is a hotline abroad (an INHOPE member, say) that handles content
// hosted in its countries.
type Partner struct {
	ID        int64
	Name      string
	Countries []string // ISO 3166-1 alpha-2
	Email     string   // forwards by e-mail, or
	Endpoint  string   // forwards as a JSON document POSTed to this HTTPS URL
	Lang      string
}

// NoticeKind says why a message went out.
type NoticeKind string

// Notice kinds.
const (
	NoticeTakedown   NoticeKind = "notice"     // to the host (or CDN): please remove
	NoticeForward    NoticeKind = "forward"    // to the partner hotline of the host's country
	NoticeReminder   NoticeKind = "reminder"   // to the host, after 24 h and 72 h
	NoticeEscalation NoticeKind = "escalation" // to supervisors and the police list
)

// NoticeStatus is where sending stands.
type NoticeStatus string

// Notice statuses.
const (
	NoticeQueued NoticeStatus = "queued"
	NoticeSent   NoticeStatus = "sent"
	NoticeFailed NoticeStatus = "failed" // every attempt failed; shown on the case
)

// Notice is one message about a case: its recipient, its reference, and
// what became of it.
type Notice struct {
	ID         int64
	CaseID     int64
	Kind       NoticeKind
	Recipient  string // an e-mail address, or the partner's endpoint URL
	ProviderID int64
	PartnerID  int64
	Lang       string
	Reference  string // e.g. "VG-2026-000042-N1", quoted in replies
	Status     NoticeStatus
	MessageID  string
	ReplyTo    string
	Attempts   int
	LastError  string
	CreatedAt  time.Time
	SentAt     *time.Time
}

// TakedownStatus is where the removal of a case's content stands.
type TakedownStatus string

// Takedown statuses.
const (
	TakedownTracing   TakedownStatus = "tracing"
	TakedownNotified  TakedownStatus = "notified"
	TakedownRemoved   TakedownStatus = "removed"
	TakedownEscalated TakedownStatus = "escalated"
	TakedownNoContact TakedownStatus = "no_contact" // no abuse contact known: a supervisor must act
)

// Takedown follows one illegal case until its content is gone.
type Takedown struct {
	CaseID int64
	Status TakedownStatus
	// Trace is the JSON HostingTrace; Country, ASN and Host summarise it.
	Trace         string
	Host          string
	ASN           uint32
	Country       string
	CDN           string
	FirstNoticeAt *time.Time
	RemovedAt     *time.Time
	LastCheckAt   *time.Time
	Reminders     int
	CreatedAt     time.Time
}

// RemovalTime is the time from the first notice to the first check that
// found the content gone, or 0 if either is missing.
func (t *Takedown) RemovalTime() time.Duration {
	if t.FirstNoticeAt == nil || t.RemovedAt == nil {
		return 0
	}
	return t.RemovedAt.Sub(*t.FirstNoticeAt)
}

// Check is one re-fetch of a case's URL during follow-up.
type Check struct {
	ID      int64
	CaseID  int64
	At      time.Time
	Removed bool
	// Result is a short machine reason: "http_status 404", "dns_failure",
	// "content_gone", "still_served", "error: …".
	Result string
}

// TakedownService stores the directories and each case's takedown.
type TakedownService interface {
	// SaveProvider adds a provider, or updates the one with the same name.
	SaveProvider(ctx context.Context, p *Provider) error
	FindProviders(ctx context.Context) ([]*Provider, error)
	// SavePartner adds a partner, or updates the one with the same name.
	SavePartner(ctx context.Context, p *Partner) error
	FindPartners(ctx context.Context) ([]*Partner, error)

	// StartTakedown records the trace of an illegal case and queues its
	// notices (enqueuing a SendNoticeJob for each in the same transaction).
	StartTakedown(ctx context.Context, t *Takedown, notices []*Notice) error
	// FindTakedown returns ENOTFOUND if the case has none.
	FindTakedown(ctx context.Context, caseID int64) (*Takedown, error)
	// FindTakedowns returns takedowns with the given statuses (all if none).
	FindTakedowns(ctx context.Context, statuses ...TakedownStatus) ([]*Takedown, error)
	// QueueNotices adds notices to a case (reminders, escalations) and
	// enqueues their sending.
	QueueNotices(ctx context.Context, caseID int64, notices []*Notice) error
	// FindNotice returns ENOTFOUND if there is no such notice.
	FindNotice(ctx context.Context, id int64) (*Notice, error)
	// FindNotices returns a case's notices, oldest first; all notices when
	// caseID is 0.
	FindNotices(ctx context.Context, caseID int64) ([]*Notice, error)
	// NoticeSent records a delivery, and the first notice time of its case.
	NoticeSent(ctx context.Context, id int64, messageID string, at time.Time) error
	// NoticeFailed records a failed attempt; final marks it failed for good.
	NoticeFailed(ctx context.Context, id int64, reason string, final bool) error
	// RecordCheck stores a follow-up check; a removal closes the takedown.
	RecordCheck(ctx context.Context, c *Check) error
	// FindChecks returns a case's checks, oldest first.
	FindChecks(ctx context.Context, caseID int64) ([]*Check, error)
	// SetTakedownStatus moves a takedown (escalated, no_contact…).
	SetTakedownStatus(ctx context.Context, caseID int64, s TakedownStatus, reminders int) error
}

// NoticeComposer writes the e-mail of a notice: the DSA Article 16
// elements for a host, the forward for a partner hotline, reminders and
// escalations.
type NoticeComposer interface {
	Compose(n *Notice, c *Case, items []*Item, t *Takedown) (*Email, error)
}

// Takedown jobs.

// TakedownJob traces an illegal case's host and queues its notices.
type TakedownJob struct {
	CaseID int64 `json:"case_id"`
}

// Kind implements Job.
func (TakedownJob) Kind() string { return "takedown" }

// SendNoticeJob sends one notice; failures are retried with backoff.
type SendNoticeJob struct {
	NoticeID int64 `json:"notice_id"`
}

// Kind implements Job.
func (SendNoticeJob) Kind() string { return "send_notice" }

// FollowUpJob re-checks open takedowns, sends reminders and escalates. It
// runs periodically.
type FollowUpJob struct{}

// Kind implements Job.
func (FollowUpJob) Kind() string { return "follow_up" }
