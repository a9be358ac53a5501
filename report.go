package vigie

import (
	"context"
	"time"
)

// Report categories. The first is the one Vigie exists for; hotlines may
// configure others.
const CategoryCSAM = "csam"

// MaxReportURLs bounds the URLs of one report: a hotline report names a
// few pages, not a crawl list.
const MaxReportURLs = 100

// Report is what someone sent: through the public form, the API, or a
// partner's feed. The reporter gets its Code and a PIN to follow it.
type Report struct {
	ID   int64
	Code string // tracking code, e.g. "VG-7K3M9QXD"
	// PINHash is the keyed hash of the PIN; the PIN itself is shown once.
	PINHash []byte
	URLs    []ReportURL
	// Category is the kind of content reported (CategoryCSAM, or one the
	// hotline configured).
	Category    string
	SeenWhere   string // where the reporter saw it (a forum, a social network…)
	Description string
	// Contact is an optional e-mail for the outcome; personal data, never
	// logged. ContactConsent says the reporter agreed to its being passed
	// to the police.
	Contact        string
	ContactConsent bool
	Lang           string // for messages to the reporter
	Source         string // "web", "api", "partner:NAME"
	CreatedAt      time.Time
}

// ReportURL is one URL of a report: as written, and normalised for dedup.
type ReportURL struct {
	Raw        string
	Normalized string
	CaseID     int64
}

// CaseState is where a case (one reported URL) stands.
type CaseState string

// Case states, in the order a case usually goes through them.
const (
	CaseNew         CaseState = "new"
	CaseFetching    CaseState = "fetching"
	CaseAwaiting    CaseState = "awaiting_assessment"
	CaseIllegal     CaseState = "illegal"     // hands over to takedown
	CaseNotIllegal  CaseState = "not_illegal" // closed
	CaseUnreachable CaseState = "unreachable"
)

// PublicState is the coarse state a reporter is shown: never what was
// found, only whether action was taken.
func (s CaseState) PublicState() string {
	switch s {
	case CaseIllegal:
		return "action_taken"
	case CaseNotIllegal:
		return "no_action"
	case CaseUnreachable:
		return "unreachable"
	}
	return "in_progress"
}

// Case is one reported URL (normalised): every report of the same URL
// attaches to it.
type Case struct {
	ID          int64
	URL         string // normalised
	ReportedURL string // as first reported
	Category    string
	State       CaseState
	Reporters   int // how many reports named this URL
	// FailReason says why the URL could not be fetched (a fetch reason code
	// and a message), when State is unreachable.
	FailReason string
	LegalHold  bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ItemState is where one fetched piece of content stands.
type ItemState string

// Item states.
const (
	ItemPending    ItemState = "pending"         // fetched, not yet hashed and matched
	ItemAwaiting   ItemState = "awaiting"        // in the analysts' queue
	ItemConfirming ItemState = "confirming"      // assessed illegal, waiting for a second person
	ItemAuto       ItemState = "auto_classified" // known content: classified without being shown
	ItemAssessed   ItemState = "assessed"        // decided
	ItemFailed     ItemState = "failed"          // could not be hashed (not an image, a bomb…)
)

// Item is one piece of content fetched for a case.
type Item struct {
	ID     int64
	CaseID int64
	URL    string
	// Evidence is the JSON evidence record: final URL, address, status,
	// headers, time, size, SHA-256.
	Evidence          string
	MD5, SHA1, SHA256 string
	PDQ               string
	Quality           int
	Width, Height     int
	Format            string
	State             ItemState
	// Priority orders the queue: higher first. A match in a family bank is
	// PriorityFamily.
	Priority int
	// Family marks a match with a parent's registered photo.
	Family bool
	// Classification is set once the content is classified, by an analyst
	// or from a bank.
	Classification Classification
	// Matches is a JSON list of the bank matches found for the item.
	Matches    string
	FailReason string
	// Stored says the bytes are in the encrypted quarantine; PurgedAt, that
	// they were deleted at the end of retention.
	Stored    bool
	PurgedAt  *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Priorities.
const (
	PriorityNormal = 0
	PriorityFamily = 100
)

// Classification is an analyst's decision about content.
type Classification string

// Classifications.
const (
	ClassBaseline     Classification = "baseline"      // INTERPOL baseline: illegal everywhere
	ClassNational     Classification = "national"      // illegal under national law
	ClassNotIllegal   Classification = "not_illegal"   // e.g. adult or benign content
	ClassCannotAssess Classification = "cannot_assess" // needs another look (too small, unclear age)
)

// Illegal reports whether the classification leads to removal.
func (c Classification) Illegal() bool { return c == ClassBaseline || c == ClassNational }

// ParseClassification returns the classification named s, or EINVALID.
func ParseClassification(s string) (Classification, error) {
	switch c := Classification(s); c {
	case ClassBaseline, ClassNational, ClassNotIllegal, ClassCannotAssess:
		return c, nil
	}
	return "", Errorf(EINVALID, "unknown classification %q", s)
}

// Age groups of a victim, as hotlines record them.
var AgeGroups = []string{"infant_toddler", "prepubescent", "pubescent", "unknown"}

// Content types of assessed material.
var ContentTypes = []string{"image", "video", "drawing", "text", "other"}

// AssessmentStatus says whether an assessment needs a second person.
type AssessmentStatus string

// Assessment statuses.
const (
	AssessmentPending   AssessmentStatus = "pending_confirmation"
	AssessmentConfirmed AssessmentStatus = "confirmed"
	AssessmentRejected  AssessmentStatus = "rejected" // the second person disagreed
	AssessmentFinal     AssessmentStatus = "final"    // needs no second person
)

// Assessment is one analyst's decision about one item. An illegal decision
// is only final once a second analyst or a supervisor confirms it (four
// eyes): only then does the hash enter a known-abuse bank.
type Assessment struct {
	ID             int64
	ItemID         int64
	AnalystID      int64
	Classification Classification
	AgeGroup       string
	ContentType    string
	Notes          string
	// AddToBenign asks, for a not-illegal decision, that the content's
	// hashes go into the benign bank so that it is never queued again.
	AddToBenign bool
	Status      AssessmentStatus
	ConfirmedBy int64
	ConfirmedAt *time.Time
	CreatedAt   time.Time
}

// ItemFilter selects items.
type ItemFilter struct {
	CaseID int64
	States []ItemState
	SHA256 string
	Limit  int // 0 means 100
}

// CaseFilter selects cases.
type CaseFilter struct {
	States []CaseState
	Limit  int // 0 means 100
}

// ReportService stores reports, cases, items and assessments: the whole
// intake-to-decision path. Jobs that follow from a change are enqueued in
// the same transaction.
type ReportService interface {
	// CreateReport stores r (its URLs already normalised), attaches each URL
	// to its case — a new case, or the existing one, whose reporter count
	// grows — and enqueues a FetchCaseJob for every new case. It sets IDs.
	CreateReport(ctx context.Context, r *Report) error
	// FindReportByCode returns ENOTFOUND if no report has that code.
	FindReportByCode(ctx context.Context, code string) (*Report, error)
	// FindCaseReports returns the reports that named a case, oldest first.
	FindCaseReports(ctx context.Context, caseID int64) ([]*Report, error)
	// FindCase returns ENOTFOUND if there is no such case.
	FindCase(ctx context.Context, id int64) (*Case, error)
	// FindCases returns cases, newest first.
	FindCases(ctx context.Context, f CaseFilter) ([]*Case, error)
	// SetCaseState moves a case; reason explains an unreachable case.
	SetCaseState(ctx context.Context, id int64, state CaseState, reason string) error

	// CreateItem stores a fetched item: a pending one with its
	// ProcessItemJob, one processed already with its outcome. It does not
	// recompute the case (RecomputeCase).
	CreateItem(ctx context.Context, it *Item) error
	// FindItem returns ENOTFOUND if there is no such item.
	FindItem(ctx context.Context, id int64) (*Item, error)
	// FindItems returns items by priority, then oldest first.
	FindItems(ctx context.Context, f ItemFilter) ([]*Item, error)
	// UpdateItem stores an item's fingerprints, state, classification,
	// matches and failure, and recomputes its case's state.
	UpdateItem(ctx context.Context, it *Item) error
	// PriorClassification returns the final classification of content with
	// this SHA-256, if an earlier item was decided, or "".
	PriorClassification(ctx context.Context, sha256 string) (Classification, error)

	// Assess records an analyst's decision. A not-illegal or cannot-assess
	// decision is final; an illegal one waits for confirmation.
	Assess(ctx context.Context, a *Assessment) error
	// Confirm records the second person's agreement (or disagreement) with a
	// pending assessment. The confirmer must not be its author (EFORBIDDEN).
	Confirm(ctx context.Context, assessmentID, userID int64, agree bool) (*Assessment, error)
	// FindAssessments returns the assessments of an item, or with the
	// given status when itemID is 0.
	FindAssessments(ctx context.Context, itemID int64, status AssessmentStatus) ([]*Assessment, error)

	// CountAssessments returns how many assessments an analyst made since
	// the given time (for the pause reminder).
	CountAssessments(ctx context.Context, analystID int64, since time.Time) (int, error)
	// RecomputeCase moves a case to the state its items call for.
	RecomputeCase(ctx context.Context, caseID int64) error
	// FinishFetch moves a case whose crawl is done from fetching to
	// awaiting, then to the state its items call for, at once: both moves
	// are audited.
	FinishFetch(ctx context.Context, caseID int64) error
	// PurgeCandidates returns the SHA-256 of stored content whose every
	// item was decided before the given time, in cases without a legal hold.
	PurgeCandidates(ctx context.Context, decidedBefore time.Time) ([]string, error)
	// MarkPurged records that the bytes of content sha256 were deleted.
	MarkPurged(ctx context.Context, sha256 string, at time.Time) error
	// SetLegalHold keeps a case's fetched bytes past their retention.
	SetLegalHold(ctx context.Context, caseID int64, hold bool) error
}

// Jobs of the intake pipeline.

// FetchCaseJob fetches a case's URL and the media it links to.
type FetchCaseJob struct {
	CaseID int64 `json:"case_id"`
}

// Kind implements Job.
func (FetchCaseJob) Kind() string { return "fetch_case" }

// ProcessItemJob fingerprints a fetched item, matches it against the banks
// and either classifies it or queues it for an analyst.
type ProcessItemJob struct {
	ItemID int64 `json:"item_id"`
}

// Kind implements Job.
func (ProcessItemJob) Kind() string { return "process_item" }

// PurgeQuarantineJob deletes fetched bytes whose retention is over.
type PurgeQuarantineJob struct{}

// Kind implements Job.
func (PurgeQuarantineJob) Kind() string { return "purge_quarantine" }

// NotifyReportersJob tells the reporters of a case who left an e-mail what
// became of it, once the case reaches an outcome.
type NotifyReportersJob struct {
	CaseID int64 `json:"case_id"`
}

// Kind implements Job.
func (NotifyReportersJob) Kind() string { return "notify_reporters" }

// Final reports whether the state is an outcome a reporter is told of.
func (s CaseState) Final() bool {
	return s == CaseIllegal || s == CaseNotIllegal || s == CaseUnreachable
}

// ReporterNotifier writes to a reporter about their report: the coarse
// outcome only, never what was found.
type ReporterNotifier interface {
	NotifyOutcome(ctx context.Context, r *Report, c *Case) error
}
