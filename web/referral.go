package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

// Referral is the package a police liaison officer receives for an illegal
// case: what was reported, what was found and where, how it was assessed,
// who was told and whether the content is gone. The reporter's contact is
// included only when they agreed. Documented field by field, with its
// mapping to NCMEC CyberTipline fields, in docs/referral.md.
type Referral struct {
	Version     int               `json:"version"`
	GeneratedAt time.Time         `json:"generated_at"`
	Case        referralCase      `json:"case"`
	Reports     []referralReport  `json:"reports"`
	Items       []referralItem    `json:"items"`
	Hosting     json.RawMessage   `json:"hosting,omitempty"`
	Notices     []referralNotice  `json:"notices"`
	Checks      []referralCheck   `json:"checks"`
	Takedown    *referralTakedown `json:"takedown,omitempty"`
}

type referralCase struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url"`
	ReportedURL string    `json:"reported_url"`
	Category    string    `json:"category"`
	State       string    `json:"state"`
	Reporters   int       `json:"reporters"`
	OpenedAt    time.Time `json:"opened_at"`
}

type referralReport struct {
	Code        string    `json:"code"`
	ReceivedAt  time.Time `json:"received_at"`
	Source      string    `json:"source"`
	URL         string    `json:"url"`
	SeenWhere   string    `json:"seen_where,omitempty"`
	Description string    `json:"description,omitempty"`
	// Contact is the reporter's e-mail, present only with their consent.
	Contact string `json:"contact,omitempty"`
}

type referralItem struct {
	ID             int64              `json:"id"`
	URL            string             `json:"url"`
	Evidence       json.RawMessage    `json:"evidence"`
	SHA256         string             `json:"sha256"`
	SHA1           string             `json:"sha1,omitempty"`
	MD5            string             `json:"md5,omitempty"`
	PDQ            string             `json:"pdq,omitempty"`
	Width          int                `json:"width,omitempty"`
	Height         int                `json:"height,omitempty"`
	Classification string             `json:"classification,omitempty"`
	Assessments    []referralDecision `json:"assessments"`
}

type referralDecision struct {
	Classification string     `json:"classification"`
	AgeGroup       string     `json:"age_group,omitempty"`
	ContentType    string     `json:"content_type,omitempty"`
	Status         string     `json:"status"`
	AssessedAt     time.Time  `json:"assessed_at"`
	ConfirmedAt    *time.Time `json:"confirmed_at,omitempty"`
}

type referralNotice struct {
	Kind      string     `json:"kind"`
	Recipient string     `json:"recipient"`
	Reference string     `json:"reference"`
	Status    string     `json:"status"`
	MessageID string     `json:"message_id,omitempty"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	LastError string     `json:"last_error,omitempty"`
}

type referralCheck struct {
	At      time.Time `json:"at"`
	Removed bool      `json:"removed"`
	Result  string    `json:"result"`
}

type referralTakedown struct {
	Status        string     `json:"status"`
	Host          string     `json:"host"`
	ASN           uint32     `json:"asn,omitempty"`
	Country       string     `json:"country,omitempty"`
	CDN           string     `json:"cdn,omitempty"`
	FirstNoticeAt *time.Time `json:"first_notice_at,omitempty"`
	RemovedAt     *time.Time `json:"removed_at,omitempty"`
	RemovalHours  float64    `json:"removal_hours,omitempty"`
}

// referral assembles the package of an illegal case; other cases have none.
func (s *Server) referral(ctx context.Context, caseID int64) (*Referral, error) {
	c, err := s.Reports.FindCase(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if c.State != vigie.CaseIllegal {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "case %d was not assessed illegal: it has no referral package", caseID)
	}
	ref := &Referral{Version: 1, GeneratedAt: s.Now().UTC(), Case: referralCase{ID: c.ID, URL: c.URL, ReportedURL: c.ReportedURL,
		Category: c.Category, State: string(c.State), Reporters: c.Reporters, OpenedAt: c.CreatedAt}}
	if err := s.referralReports(ctx, ref); err != nil {
		return nil, err
	}
	if err := s.referralItems(ctx, ref); err != nil {
		return nil, err
	}
	return ref, s.referralTakedown(ctx, ref)
}

func (s *Server) referralReports(ctx context.Context, ref *Referral) error {
	reports, err := s.Reports.FindCaseReports(ctx, ref.Case.ID)
	if err != nil {
		return err
	}
	ref.Reports = []referralReport{}
	for _, r := range reports {
		rr := referralReport{Code: r.Code, ReceivedAt: r.CreatedAt, Source: r.Source, URL: r.URLs[0].Raw, SeenWhere: r.SeenWhere, Description: r.Description}
		if r.ContactConsent {
			rr.Contact = r.Contact
		}
		ref.Reports = append(ref.Reports, rr)
	}
	return nil
}

func (s *Server) referralItems(ctx context.Context, ref *Referral) error {
	items, err := s.Reports.FindItems(ctx, vigie.ItemFilter{CaseID: ref.Case.ID, Limit: 1000})
	if err != nil {
		return err
	}
	ref.Items = []referralItem{}
	for _, it := range items {
		ri := referralItem{ID: it.ID, URL: it.URL, Evidence: json.RawMessage(orDefault(it.Evidence, "{}")), SHA256: it.SHA256, SHA1: it.SHA1,
			MD5: it.MD5, PDQ: it.PDQ, Width: it.Width, Height: it.Height, Classification: string(it.Classification), Assessments: []referralDecision{}}
		as, err := s.Reports.FindAssessments(ctx, it.ID, "")
		if err != nil {
			return err
		}
		for _, a := range as {
			ri.Assessments = append(ri.Assessments, referralDecision{Classification: string(a.Classification), AgeGroup: a.AgeGroup,
				ContentType: a.ContentType, Status: string(a.Status), AssessedAt: a.CreatedAt, ConfirmedAt: a.ConfirmedAt})
		}
		ref.Items = append(ref.Items, ri)
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (s *Server) referralTakedown(ctx context.Context, ref *Referral) error {
	ref.Notices, ref.Checks = []referralNotice{}, []referralCheck{}
	td, err := s.Takedowns.FindTakedown(ctx, ref.Case.ID)
	if vigie.ErrorCode(err) == vigie.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	ref.Hosting = json.RawMessage(orDefault(td.Trace, "{}"))
	ref.Takedown = &referralTakedown{Status: string(td.Status), Host: td.Host, ASN: td.ASN, Country: td.Country, CDN: td.CDN,
		FirstNoticeAt: td.FirstNoticeAt, RemovedAt: td.RemovedAt, RemovalHours: td.RemovalTime().Hours()}
	notices, err := s.Takedowns.FindNotices(ctx, ref.Case.ID)
	if err != nil {
		return err
	}
	for _, n := range notices {
		ref.Notices = append(ref.Notices, referralNotice{Kind: string(n.Kind), Recipient: n.Recipient, Reference: n.Reference,
			Status: string(n.Status), MessageID: n.MessageID, SentAt: n.SentAt, LastError: n.LastError})
	}
	checks, err := s.Takedowns.FindChecks(ctx, ref.Case.ID)
	if err != nil {
		return err
	}
	for _, c := range checks {
		ref.Checks = append(ref.Checks, referralCheck{At: c.At, Removed: c.Removed, Result: c.Result})
	}
	return nil
}

func caseIDFrom(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, vigie.Errorf(vigie.EINVALID, "bad case id")
	}
	return id, nil
}

// referralFromPath assembles the package of the case in the path and
// audits its opening as action; on failure it writes the error page.
func (s *Server) referralFromPath(w http.ResponseWriter, r *http.Request, action, format string) (*Referral, bool) {
	id, err := caseIDFrom(r)
	var ref *Referral
	if err == nil {
		ref, err = s.referral(r.Context(), id)
	}
	if err != nil {
		s.pageError(w, r, err)
		return nil, false
	}
	s.audit(r.Context(), action, "case:"+itoa(id), map[string]any{"format": format})
	return ref, true
}

// handleReferralJSON downloads the package as JSON; every download is
// audited.
func (s *Server) handleReferralJSON(w http.ResponseWriter, r *http.Request) {
	ref, ok := s.referralFromPath(w, r, "referral.download", "json")
	if !ok {
		return
	}
	id := ref.Case.ID
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="vigie-referral-case-%d.json"`, id))
	writeJSON(w, http.StatusOK, ref)
}

type referralPage struct {
	Page
	R *Referral
}

// handleReferral shows the package as a printable page; every opening is
// audited.
func (s *Server) handleReferral(w http.ResponseWriter, r *http.Request) {
	ref, ok := s.referralFromPath(w, r, "referral.view", "html")
	if !ok {
		return
	}
	s.render(w, http.StatusOK, "referral", referralPage{Page: s.page(r, "referral.title"), R: ref})
}

type referralsPage struct {
	Page
	Cases     []*vigie.Case
	Takedowns map[int64]*vigie.Takedown
}

// handleReferrals lists the cases assessed illegal, newest first.
func (s *Server) handleReferrals(w http.ResponseWriter, r *http.Request) {
	cs, err := s.Reports.FindCases(r.Context(), vigie.CaseFilter{States: []vigie.CaseState{vigie.CaseIllegal}, Limit: 500})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := referralsPage{Page: s.page(r, "referrals.title"), Cases: cs, Takedowns: map[int64]*vigie.Takedown{}}
	tds, err := s.Takedowns.FindTakedowns(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, td := range tds {
		p.Takedowns[td.CaseID] = td
	}
	s.render(w, http.StatusOK, "referrals", p)
}
