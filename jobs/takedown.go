package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	vigie "github.com/vigie-hotline/vigie"
)

// Takedown holds what notice-and-takedown needs; every piece is a domain
// interface.
type Takedown struct {
	Reports   vigie.ReportService
	Takedowns vigie.TakedownService
	Tracer    vigie.HostTracer
	Crawler   vigie.Crawler
	Composer  vigie.NoticeComposer
	Mailer    vigie.Mailer
	// Country is the hotline's own country (ISO code): hosts there get the
	// notice; hosts abroad are forwarded to that country's partner hotline.
	Country string
	// NotifyForeignHosts also sends the notice to hosts abroad.
	NotifyForeignHosts bool
	// ReplyTo receives answers to notices.
	ReplyTo string
	// EscalateTo lists the supervisors' and police addresses that hear of
	// content still online after EscalateAfter.
	EscalateTo    []string
	CheckInterval time.Duration // re-fetch each open URL this often; default 24 h
	EscalateAfter time.Duration // default 7 days
	HTTP          *http.Client  // for forwards to partner endpoints
	Now           func() time.Time
	Logger        *slog.Logger
}

// NewTakedown returns a Takedown with its defaults; set the services next.
func NewTakedown() *Takedown {
	return &Takedown{Country: "FR", CheckInterval: 24 * time.Hour, EscalateAfter: 7 * 24 * time.Hour,
		HTTP: &http.Client{Timeout: 30 * time.Second}, Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
}

// Register adds the takedown workers to r and the periodic follow-up.
func (t *Takedown) Register(r *Runner) {
	river.AddWorker(r.Workers, &TakedownWorker{T: t})
	river.AddWorker(r.Workers, &SendNoticeWorker{T: t})
	river.AddWorker(r.Workers, &FollowUpWorker{T: t})
	r.Periodic = append(r.Periodic, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return vigie.FollowUpJob{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
}

// TakedownWorker traces an illegal case's host and queues its notices.
type TakedownWorker struct {
	river.WorkerDefaults[vigie.TakedownJob]
	T *Takedown
}

// Work implements river.Worker. A DNS that cannot be reached is retried; a
// host that cannot be traced, or that no directory entry covers, is left
// for a supervisor (status no_contact).
func (w *TakedownWorker) Work(ctx context.Context, job *river.Job[vigie.TakedownJob]) error {
	ctx = vigie.NewContextWithActor(ctx, "system:takedown")
	t := w.T
	c, err := t.Reports.FindCase(ctx, job.Args.CaseID)
	if err != nil || c.State != vigie.CaseIllegal {
		return err
	}
	if _, err := t.Takedowns.FindTakedown(ctx, c.ID); err == nil {
		return nil // already started
	}
	trace, err := t.Tracer.Trace(ctx, c.URL)
	if vigie.ErrorCode(err) == vigie.EUNAVAILABLE && job.Attempt < job.MaxAttempts {
		return err
	}
	td := &vigie.Takedown{CaseID: c.ID, Status: vigie.TakedownTracing}
	if err != nil {
		td.Status, td.Trace = vigie.TakedownNoContact, fmt.Sprintf(`{"error":%q}`, vigie.ErrorMessage(err))
		return t.Takedowns.StartTakedown(ctx, td, nil)
	}
	raw, _ := json.Marshal(trace)
	td.Trace, td.Host, td.CDN = string(raw), trace.Host, trace.CDN
	if a := mainAddress(trace); a != nil {
		td.ASN, td.Country = a.ASN, a.Country
	}
	notices, err := t.recipients(ctx, trace, td)
	if err != nil {
		return err
	}
	if len(notices) == 0 {
		td.Status = vigie.TakedownNoContact
	}
	return t.Takedowns.StartTakedown(ctx, td, notices)
}

// mainAddress is the first address the databases know, else the first.
func mainAddress(tr *vigie.HostingTrace) *vigie.HostAddress {
	for i := range tr.Addresses {
		if tr.Addresses[i].ASN != 0 {
			return &tr.Addresses[i]
		}
	}
	if len(tr.Addresses) > 0 {
		return &tr.Addresses[0]
	}
	return nil
}

// recipients decides who is told: behind a CDN, the CDN (asked for the
// origin); a host in the hotline's country, the host; a host abroad, the
// partner hotline of its country, and the host too if so configured.
func (t *Takedown) recipients(ctx context.Context, tr *vigie.HostingTrace, td *vigie.Takedown) ([]*vigie.Notice, error) {
	providers, err := t.Takedowns.FindProviders(ctx)
	if err != nil {
		return nil, err
	}
	partners, err := t.Takedowns.FindPartners(ctx)
	if err != nil {
		return nil, err
	}
	host := providerFor(providers, tr, td)
	var out []*vigie.Notice
	notice := func(p *vigie.Provider) {
		out = append(out, &vigie.Notice{Kind: vigie.NoticeTakedown, Recipient: p.AbuseEmail, ProviderID: p.ID, Lang: langOr(p.Lang), ReplyTo: t.ReplyTo})
	}
	domestic := td.Country == "" || strings.EqualFold(td.Country, t.Country)
	switch {
	case host != nil && (td.CDN != "" || domestic):
		notice(host)
	case !domestic:
		if pt := partnerFor(partners, td.Country); pt != nil {
			recipient := pt.Email
			if pt.Endpoint != "" {
				recipient = pt.Endpoint
			}
			out = append(out, &vigie.Notice{Kind: vigie.NoticeForward, Recipient: recipient, PartnerID: pt.ID, Lang: langOr(pt.Lang), ReplyTo: t.ReplyTo})
		}
		if host != nil && (t.NotifyForeignHosts || len(out) == 0) {
			notice(host)
		}
	}
	return out, nil
}

func langOr(l string) string {
	if l == "fr" || l == "en" {
		return l
	}
	return "en"
}

// providerFor finds the directory entry for the trace: the CDN's when there
// is one, then the network's (by ASN), then one that hosts the name's domain.
func providerFor(providers []*vigie.Provider, tr *vigie.HostingTrace, td *vigie.Takedown) *vigie.Provider {
	if td.CDN != "" {
		for _, p := range providers {
			if strings.EqualFold(p.Name, td.CDN) {
				return p
			}
		}
	}
	for _, a := range tr.Addresses {
		for _, p := range providers {
			if a.ASN != 0 && slices.Contains(p.ASNs, a.ASN) {
				return p
			}
		}
	}
	names := append([]string{tr.Host}, tr.CNAMEs...)
	for _, n := range names {
		for _, p := range providers {
			for _, d := range p.Domains {
				if n == d || strings.HasSuffix(n, "."+d) {
					return p
				}
			}
		}
	}
	return nil
}

func partnerFor(partners []*vigie.Partner, country string) *vigie.Partner {
	for _, p := range partners {
		for _, c := range p.Countries {
			if strings.EqualFold(c, country) {
				return p
			}
		}
	}
	return nil
}

// SendNoticeWorker sends one notice: an e-mail, or a JSON forward to a
// partner's endpoint. A failure is recorded on the case and retried with
// River's backoff; after the last attempt the notice is marked failed.
type SendNoticeWorker struct {
	river.WorkerDefaults[vigie.SendNoticeJob]
	T *Takedown
}

// Work implements river.Worker.
func (w *SendNoticeWorker) Work(ctx context.Context, job *river.Job[vigie.SendNoticeJob]) error {
	ctx = vigie.NewContextWithActor(ctx, "system:notices")
	t := w.T
	n, err := t.Takedowns.FindNotice(ctx, job.Args.NoticeID)
	if err != nil || n.Status == vigie.NoticeSent {
		return err
	}
	id, err := t.deliver(ctx, n)
	if err != nil {
		final := job.Attempt >= job.MaxAttempts || vigie.ErrorCode(err) == vigie.EINVALID
		if ferr := t.Takedowns.NoticeFailed(ctx, n.ID, err.Error(), final); ferr != nil {
			return errors.Join(err, ferr)
		}
		if final {
			return nil // recorded for good: visible on the case
		}
		return err
	}
	return t.Takedowns.NoticeSent(ctx, n.ID, id, t.Now())
}

// deliver composes and sends a notice, returning its Message-ID.
func (t *Takedown) deliver(ctx context.Context, n *vigie.Notice) (string, error) {
	c, err := t.Reports.FindCase(ctx, n.CaseID)
	if err != nil {
		return "", err
	}
	items, err := t.Reports.FindItems(ctx, vigie.ItemFilter{CaseID: c.ID, Limit: 1000})
	if err != nil {
		return "", err
	}
	td, err := t.Takedowns.FindTakedown(ctx, c.ID)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(n.Recipient, "https://") || strings.HasPrefix(n.Recipient, "http://") {
		return n.Reference, t.forwardJSON(ctx, n, c, items, td)
	}
	e, err := t.Composer.Compose(n, c, items, td)
	if err != nil {
		return "", err
	}
	e.To, e.ReplyTo = []string{n.Recipient}, n.ReplyTo
	return t.Mailer.Send(ctx, e)
}

// Forward is the JSON document a partner hotline receives, modelled on what
// hotlines exchange through INHOPE's ICCAM: the report reference, the URL,
// the hosting, the classification and the content hashes — never the
// content. Documented in docs/forward.md.
type Forward struct {
	Version        int             `json:"version"`
	Reference      string          `json:"reference"`
	SendingHotline string          `json:"sending_hotline_country"`
	URL            string          `json:"url"`
	ReportedAt     time.Time       `json:"reported_at"`
	Hosting        json.RawMessage `json:"hosting"`
	Country        string          `json:"hosting_country"`
	ASN            uint32          `json:"asn,omitempty"`
	Items          []ForwardItem   `json:"items"`
	ReplyTo        string          `json:"reply_to,omitempty"`
}

// ForwardItem is one illegal item of a forward.
type ForwardItem struct {
	URL            string `json:"url"`
	Classification string `json:"classification"`
	SHA256         string `json:"sha256"`
	MD5            string `json:"md5,omitempty"`
	PDQ            string `json:"pdq,omitempty"`
}

func (t *Takedown) forwardJSON(ctx context.Context, n *vigie.Notice, c *vigie.Case, items []*vigie.Item, td *vigie.Takedown) error {
	doc := Forward{Version: 1, Reference: n.Reference, SendingHotline: t.Country, URL: c.URL, ReportedAt: c.CreatedAt,
		Hosting: json.RawMessage(td.Trace), Country: td.Country, ASN: td.ASN, ReplyTo: n.ReplyTo}
	for _, it := range items {
		if it.Classification.Illegal() {
			doc.Items = append(doc.Items, ForwardItem{URL: it.URL, Classification: string(it.Classification), SHA256: it.SHA256, MD5: it.MD5, PDQ: it.PDQ})
		}
	}
	body, _ := json.Marshal(doc)
	req, err := http.NewRequestWithContext(ctx, "POST", n.Recipient, bytes.NewReader(body))
	if err != nil {
		return vigie.Errorf(vigie.EINVALID, "bad partner endpoint: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return vigie.Errorf(vigie.EUNAVAILABLE, "partner endpoint unreachable: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return vigie.Errorf(vigie.EUNAVAILABLE, "partner endpoint answered %s", resp.Status)
	}
	return nil
}
