package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"
	vigie "github.com/vigie-hotline/vigie"
)

// Pipeline holds what the intake workers need: every piece is a domain
// interface, so this package imports no other adapter.
type Pipeline struct {
	Reports     vigie.ReportService
	Crawler     vigie.Crawler
	Quarantine  vigie.Quarantine
	Fingerprint vigie.Fingerprinter
	Matcher     vigie.Matcher
	// Retention is how long fetched bytes are kept after the last decision
	// about them. Default 30 days.
	Retention time.Duration
	Now       func() time.Time
	Logger    *slog.Logger
}

// NewPipeline returns a Pipeline with its defaults; set the services next.
func NewPipeline() *Pipeline {
	return &Pipeline{Retention: 30 * 24 * time.Hour, Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
}

// Register adds the pipeline's workers to r, and the periodic purge of the
// quarantine.
func (p *Pipeline) Register(r *Runner) {
	river.AddWorker(r.Workers, &FetchCaseWorker{P: p})
	river.AddWorker(r.Workers, &ProcessItemWorker{P: p})
	river.AddWorker(r.Workers, &PurgeQuarantineWorker{P: p})
	r.Periodic = append(r.Periodic, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return vigie.PurgeQuarantineJob{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
}

// FetchCaseWorker crawls a case's URL: each media item found is stored
// encrypted and becomes an item to process; each failure is recorded.
type FetchCaseWorker struct {
	river.WorkerDefaults[vigie.FetchCaseJob]
	P *Pipeline
}

// Work implements river.Worker. A permanent failure (a refused address, a
// 404, nothing that is media) closes the case as unreachable with its
// reason; a temporary one is retried with River's backoff until the last
// attempt, which closes the case too.
func (w *FetchCaseWorker) Work(ctx context.Context, job *river.Job[vigie.FetchCaseJob]) error {
	ctx = vigie.NewContextWithActor(ctx, "system:fetch")
	c, err := w.P.Reports.FindCase(ctx, job.Args.CaseID)
	if err != nil {
		return err
	}
	if c.State == vigie.CaseAwaiting {
		// Already fetched (FinishFetch moves a case through awaiting to
		// its state in one transaction, but a case may wait for analysts,
		// or have been left here by an older version): derive it again.
		return w.P.Reports.RecomputeCase(ctx, c.ID)
	}
	if c.State != vigie.CaseNew && c.State != vigie.CaseFetching {
		return nil // already fetched: a retried job finds nothing to do
	}
	if err := w.P.Reports.SetCaseState(ctx, c.ID, vigie.CaseFetching, ""); err != nil {
		return err
	}
	known, err := w.P.knownContent(ctx, c.ID)
	if err != nil {
		return err
	}
	failures, err := w.P.Crawler.Crawl(ctx, c.URL, func(ctx context.Context, f *vigie.Fetched) error {
		return w.P.store(ctx, c.ID, f, known)
	})
	var ff *vigie.FetchFailure
	if errors.As(err, &ff) {
		if ff.Permanent || job.Attempt >= job.MaxAttempts {
			return w.P.Reports.SetCaseState(ctx, c.ID, vigie.CaseUnreachable, ff.Reason+": "+ff.Message)
		}
		return err
	} else if err != nil {
		return err
	}
	for _, f := range failures {
		it := &vigie.Item{CaseID: c.ID, URL: f.URL, State: vigie.ItemFailed, FailReason: f.Reason + ": " + f.Message}
		if err := w.P.Reports.CreateItem(ctx, it); err != nil {
			return err
		}
	}
	if len(known) == 0 && len(failures) == 0 {
		return w.P.Reports.SetCaseState(ctx, c.ID, vigie.CaseUnreachable, "no_media: no image was found at this address")
	}
	return w.P.Reports.FinishFetch(ctx, c.ID)
}

// knownContent returns the SHA-256 of items the case already has, so that
// a retried crawl does not add them twice.
func (p *Pipeline) knownContent(ctx context.Context, caseID int64) (map[string]bool, error) {
	items, err := p.Reports.FindItems(ctx, vigie.ItemFilter{CaseID: caseID, Limit: 10000})
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, it := range items {
		if it.SHA256 != "" {
			known[it.SHA256] = true
		}
	}
	return known, nil
}

// store puts a fetched body into the quarantine, named by its SHA-256 (the
// same content is kept once), and creates its item already processed: the
// bytes are fingerprinted, matched and classified while they are in memory,
// and the item is written with its outcome in one transaction, so a crash
// leaves either no item (the retried crawl fetches it again) or a complete
// one. When processing fails for a reason that may pass (the banks cannot be
// read, the job's time is up), the item is created pending instead, with its
// ProcessItemJob, which reads it back from the quarantine and retries with
// River's backoff.
func (p *Pipeline) store(ctx context.Context, caseID int64, f *vigie.Fetched, known map[string]bool) error {
	sum := f.Evidence.SHA256
	if known[sum] {
		return nil
	}
	if err := p.Quarantine.Put(ctx, sum, f.Body); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	ev, err := json.Marshal(f.Evidence)
	if err != nil {
		return err
	}
	newItem := func() *vigie.Item {
		return &vigie.Item{CaseID: caseID, URL: f.Evidence.FinalURL, Evidence: string(ev), SHA256: sum, Stored: true,
			State: vigie.ItemPending}
	}
	it, pctx := newItem(), vigie.NewContextWithActor(ctx, "system:pipeline")
	if err := p.process(pctx, it, f.Body); err != nil {
		p.Logger.Warn("item left to its processing job", "case", caseID, "err", err)
		it, pctx = newItem(), ctx
	}
	if err := p.Reports.CreateItem(pctx, it); err != nil {
		return err
	}
	known[sum] = true
	return nil
}

// ProcessItemWorker fingerprints an item, matches it against every bank,
// and decides where it goes: classified from a bank or an earlier decision
// (never shown), to the top of the queue (a family photo), or to the queue.
type ProcessItemWorker struct {
	river.WorkerDefaults[vigie.ProcessItemJob]
	P *Pipeline
}

// Work implements river.Worker.
func (w *ProcessItemWorker) Work(ctx context.Context, job *river.Job[vigie.ProcessItemJob]) error {
	ctx = vigie.NewContextWithActor(ctx, "system:pipeline")
	it, err := w.P.Reports.FindItem(ctx, job.Args.ItemID)
	if err != nil {
		return err
	}
	if it.State != vigie.ItemPending {
		return nil
	}
	data, err := w.P.Quarantine.Get(ctx, it.SHA256)
	if err != nil {
		return err
	}
	if err := w.P.process(ctx, it, data); err != nil {
		return err
	}
	return w.P.Reports.UpdateItem(ctx, it)
}

// process fingerprints data, the bytes of it, matches them against every
// bank and sets its fields and state from what it finds; bytes that are
// not a readable image leave it failed with the reason. An error means
// nothing was decided and the work may be tried again.
func (p *Pipeline) process(ctx context.Context, it *vigie.Item, data []byte) error {
	fp, ferr := p.Fingerprint.Fingerprint(ctx, bytes.NewReader(data))
	if err := ctx.Err(); err != nil {
		return err // a decoding cut short says nothing about the bytes
	}
	if fp == nil {
		it.State, it.FailReason = vigie.ItemFailed, "unreadable: "+vigie.ErrorMessage(ferr)
		return nil
	}
	it.MD5, it.SHA1, it.PDQ, it.Quality = fp.MD5, fp.SHA1, fp.PDQ, fp.Quality
	it.Width, it.Height, it.Format = fp.Width, fp.Height, fp.Format
	matches, err := p.Matcher.Match(ctx, fp.Signals(true), vigie.MatchOptions{})
	if err != nil {
		return err
	}
	return p.classify(ctx, it, matches, ferr)
}

type matchRecord struct {
	Bank     string `json:"bank"`
	Kind     string `json:"kind"`
	Entry    int64  `json:"entry"`
	Signal   string `json:"signal"`
	Distance int    `json:"distance"`
}

// classify sets the item's state from its matches. A family photo always
// goes to an analyst, first; known content is classified from its bank
// entry; content matching a benign bank is not illegal; content decided
// before keeps that decision; anything else waits for an analyst, unless
// it could not be decoded at all.
func (p *Pipeline) classify(ctx context.Context, it *vigie.Item, matches []*vigie.Match, decodeErr error) error {
	recs := make([]matchRecord, 0, len(matches))
	for _, m := range matches {
		recs = append(recs, matchRecord{Bank: m.Bank.Name, Kind: string(m.Bank.Kind), Entry: m.Entry.ID, Signal: string(m.Entry.Signal), Distance: m.Distance})
	}
	raw, _ := json.Marshal(recs)
	it.Matches = string(raw)
	byKind := func(k vigie.BankKind) *vigie.Match {
		i := slices.IndexFunc(matches, func(m *vigie.Match) bool { return m.Bank.Kind == k })
		if i < 0 {
			return nil
		}
		return matches[i]
	}
	switch known, benign := byKind(vigie.BankKnown), byKind(vigie.BankBenign); {
	case byKind(vigie.BankFamily) != nil:
		it.State, it.Family, it.Priority = vigie.ItemAwaiting, true, vigie.PriorityFamily
	case known != nil:
		it.State, it.Classification = vigie.ItemAuto, classificationOf(known.Entry)
	case benign != nil:
		it.State, it.Classification = vigie.ItemAuto, vigie.ClassNotIllegal
	default:
		prior, err := p.Reports.PriorClassification(ctx, it.SHA256)
		if err != nil {
			return err
		}
		switch {
		case prior != "":
			it.State, it.Classification = vigie.ItemAuto, prior
		case decodeErr != nil:
			it.State, it.FailReason = vigie.ItemFailed, "not an image: "+vigie.ErrorMessage(decodeErr)
		default:
			it.State = vigie.ItemAwaiting
		}
	}
	return nil
}

// classificationOf reads the classification a bank entry carries; entries
// of known-abuse lists without one are baseline material.
func classificationOf(e *vigie.BankEntry) vigie.Classification {
	if s, ok := e.Metadata["classification"].(string); ok {
		if c, err := vigie.ParseClassification(s); err == nil && c.Illegal() {
			return c
		}
	}
	return vigie.ClassBaseline
}

// PurgeQuarantineWorker deletes fetched bytes whose retention is over.
type PurgeQuarantineWorker struct {
	river.WorkerDefaults[vigie.PurgeQuarantineJob]
	P *Pipeline
}

// Work implements river.Worker.
func (w *PurgeQuarantineWorker) Work(ctx context.Context, job *river.Job[vigie.PurgeQuarantineJob]) error {
	ctx = vigie.NewContextWithActor(ctx, "system:retention")
	n, err := w.P.Purge(ctx)
	if n > 0 {
		w.P.Logger.Info("quarantine purged", "contents", n)
	}
	return err
}

// Purge deletes the bytes of every content past retention and returns how
// many it deleted.
func (p *Pipeline) Purge(ctx context.Context) (int, error) {
	now := p.Now()
	hashes, err := p.Reports.PurgeCandidates(ctx, now.Add(-p.Retention))
	if err != nil {
		return 0, err
	}
	for i, h := range hashes {
		if err := p.Quarantine.Delete(ctx, h); err != nil {
			return i, err
		}
		if err := p.Reports.MarkPurged(ctx, h, now); err != nil {
			return i, err
		}
	}
	return len(hashes), nil
}
