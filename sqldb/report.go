package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.ReportService = (*ReportService)(nil)

// ReportService stores the intake-to-decision path: reports, cases, items
// and assessments.
type ReportService struct {
	db *DB
	// Jobs enqueues the work that follows a change, in its transaction.
	Jobs vigie.Enqueuer
	// KnownBank and BenignBank name the banks that confirmed decisions feed:
	// illegal content's hashes go to the first, content marked benign to
	// the second. They are created on first use.
	KnownBank  string
	BenignBank string

	group groupCommit
}

// NewReportService returns the reports stored in db; set Jobs before use.
func NewReportService(db *DB, jobs vigie.Enqueuer) *ReportService {
	return &ReportService{db: db, Jobs: jobs, KnownBank: "hotline-confirmed", BenignBank: "hotline-benign"}
}

// CreateReport stores r, attaches each URL to its case and enqueues a fetch
// for every new case, all in one transaction: the reporter's code is only
// acknowledged once all of it is committed. On SQLite, reports that arrive
// together share a transaction (see groupCommit); each still succeeds or
// fails alone.
func (s *ReportService) CreateReport(ctx context.Context, r *vigie.Report) error {
	if len(r.URLs) == 0 || len(r.URLs) > vigie.MaxReportURLs {
		return vigie.Errorf(vigie.EINVALID, "a report names 1 to %d URLs", vigie.MaxReportURLs)
	}
	if err := s.db.prepare(ctx, intakeSQL...); err != nil {
		return err
	}
	if s.db.dialect == SQLite {
		return s.group.submit(ctx, r, s.commitReports)
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		jobs, err := s.insertReport(ctx, tx, r)
		if err != nil {
			return err
		}
		return s.enqueue(ctx, tx, jobs)
	})
}

// The statements of intake, prepared once (see DB.prepare).
const (
	insertReportSQL = `INSERT INTO reports (code, pin_hash, category, seen_where, description, contact, contact_consent, lang, source, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`
	insertCaseSQL = `INSERT INTO cases (url, reported_url, category, state, reporters, created_at, updated_at)
		VALUES ($1, $2, $3, 'new', 1, $4, $4) ON CONFLICT (url) DO NOTHING RETURNING id`
	findCaseSQL      = `SELECT id FROM cases WHERE url = $1`
	linkReportSQL    = `INSERT INTO report_urls (report_id, case_id, raw_url) VALUES ($1, $2, $3) ON CONFLICT (report_id, case_id) DO NOTHING`
	countReporterSQL = `UPDATE cases SET reporters = reporters + 1, updated_at = $1 WHERE id = $2`
)

// The savepoints around each report of a group commit (SQLite only).
const (
	savepointSQL  = `SAVEPOINT report`
	rollbackToSQL = `ROLLBACK TO report`
	releaseSQL    = `RELEASE report`
)

var intakeSQL = []string{insertReportSQL, insertCaseSQL, findCaseSQL, linkReportSQL, countReporterSQL,
	savepointSQL, rollbackToSQL, releaseSQL}

// insertReport stores r and its URLs in tx and returns the fetch jobs of
// the cases it created.
func (s *ReportService) insertReport(ctx context.Context, tx *sql.Tx, r *vigie.Report) ([]vigie.Job, error) {
	r.CreatedAt = s.db.now()
	err := txStmts{s.db, tx}.QueryRowContext(ctx, insertReportSQL, r.Code, r.PINHash, r.Category, r.SeenWhere, r.Description, r.Contact, r.ContactConsent,
		r.Lang, r.Source, ms(r.CreatedAt)).Scan(&r.ID)
	if isUniqueViolation(err) {
		return nil, vigie.Errorf(vigie.ECONFLICT, "tracking code already used")
	} else if err != nil {
		return nil, fmt.Errorf("insert report: %w", err)
	}
	var jobs []vigie.Job
	for i := range r.URLs {
		u := &r.URLs[i]
		created, err := s.attachURL(ctx, tx, r, u)
		if err != nil {
			return nil, err
		}
		if created {
			jobs = append(jobs, vigie.FetchCaseJob{CaseID: u.CaseID})
		}
	}
	return jobs, nil
}

func (s *ReportService) enqueue(ctx context.Context, tx *sql.Tx, jobs []vigie.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	return s.Jobs.EnqueueTx(ctx, tx, jobs...)
}

// commitReports stores a batch of reports in one transaction, each inside
// a savepoint so that one failing (a tracking code already used, say)
// leaves the others in. It returns each report's own error, and err if the
// transaction as a whole failed: then none of them is stored.
func (s *ReportService) commitReports(ctx context.Context, batch []*vigie.Report) (errs []error, err error) {
	errs = make([]error, len(batch))
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		var jobs []vigie.Job
		q := txStmts{s.db, tx}
		for i, r := range batch {
			if _, err := q.ExecContext(ctx, savepointSQL); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			js, err := s.insertReport(ctx, tx, r)
			if err != nil {
				errs[i] = err
				if _, err := q.ExecContext(ctx, rollbackToSQL); err != nil {
					return fmt.Errorf("rollback to savepoint: %w", err)
				}
			}
			if _, err := q.ExecContext(ctx, releaseSQL); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
			jobs = append(jobs, js...)
		}
		return s.enqueue(ctx, tx, jobs)
	})
	return errs, err
}

// groupCommit gathers the reports that arrive while a transaction is being
// written and commits them together in the next one. SQLite has a single
// writer: without it, every report pays alone for a transaction, a commit
// and River's insert statement (prepared anew on each call), and the
// reports queue behind one another on the writer connection anyway. No
// goroutine of its own: the first caller to find no batch in progress
// writes one, then hands the lead to a waiting caller.
type groupCommit struct {
	mu      sync.Mutex
	pending []*pendingReport
	leading bool
}

// maxGroup bounds the reports of one transaction, so that the last of a
// batch does not wait long behind the first.
const maxGroup = 64

type pendingReport struct {
	ctx  context.Context
	r    *vigie.Report
	done chan error    // the outcome
	lead chan struct{} // this caller writes the next batch
}

type commitFunc func(ctx context.Context, batch []*vigie.Report) ([]error, error)

// submit queues r and returns once it is committed or has failed.
func (g *groupCommit) submit(ctx context.Context, r *vigie.Report, commit commitFunc) error {
	p := &pendingReport{ctx: ctx, r: r, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, p)
	if g.leading {
		g.mu.Unlock()
		// A report cannot be abandoned once queued: the batch it is in may
		// already be committing, and the caller must learn the outcome.
		select {
		case err := <-p.done:
			return err
		case <-p.lead:
			g.mu.Lock()
		}
	}
	g.leading = true
	batch := g.pending[:min(len(g.pending), maxGroup)]
	g.pending = g.pending[len(batch):]
	g.mu.Unlock()

	func() {
		defer g.handOff() // even if commit panics: the others must not wait forever
		g.write(batch, commit)
	}()
	return <-p.done
}

// handOff gives the lead to the first waiting caller, if any.
func (g *groupCommit) handOff() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.pending) > 0 {
		g.pending[0].lead <- struct{}{}
	} else {
		g.leading = false
	}
}

// write commits batch and tells each caller its outcome. A caller that has
// given up before its turn is left out. The transaction does not follow
// the leader's context: the others' reports are in it too. Its context can
// never be done, which also spares the SQLite driver from watching it on
// every statement (a goroutine each); busy_timeout bounds the waits.
func (g *groupCommit) write(batch []*pendingReport, commit commitFunc) {
	var live []*pendingReport
	var reports []*vigie.Report
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.done <- err
			continue
		}
		live = append(live, p)
		reports = append(reports, p.r)
	}
	if len(live) == 0 {
		return
	}
	answered := false
	defer func() {
		if !answered { // commit panicked: nothing of the batch is stored
			for _, p := range live {
				p.done <- vigie.Errorf(vigie.EINTERNAL, "the report could not be stored")
			}
		}
	}()
	errs, err := commit(context.WithoutCancel(live[0].ctx), reports)
	for i, p := range live {
		if err != nil {
			p.done <- err
		} else {
			p.done <- errs[i]
		}
	}
	answered = true
}

// attachURL links a report's URL to the case of its normalised form,
// creating the case if it is new (with this report as its one reporter). A
// URL named twice in one report counts once.
func (s *ReportService) attachURL(ctx context.Context, tx *sql.Tx, r *vigie.Report, u *vigie.ReportURL) (created bool, err error) {
	q := txStmts{s.db, tx}
	now := ms(r.CreatedAt)
	err = q.QueryRowContext(ctx, insertCaseSQL, u.Normalized, u.Raw, r.Category, now).Scan(&u.CaseID)
	switch {
	case err == nil:
		created = true
	case errors.Is(err, sql.ErrNoRows):
		if err := q.QueryRowContext(ctx, findCaseSQL, u.Normalized).Scan(&u.CaseID); err != nil {
			return false, fmt.Errorf("find case: %w", err)
		}
	default:
		return false, fmt.Errorf("insert case: %w", err)
	}
	res, err := q.ExecContext(ctx, linkReportSQL, r.ID, u.CaseID, u.Raw)
	if err != nil {
		return false, fmt.Errorf("link report to case: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 && !created {
		_, err = q.ExecContext(ctx, countReporterSQL, now, u.CaseID)
	}
	return created, err
}

// FindReportByCode returns the report with its URLs and their cases.
func (s *ReportService) FindReportByCode(ctx context.Context, code string) (*vigie.Report, error) {
	var r vigie.Report
	var created int64
	err := s.db.read.QueryRowContext(ctx, `
		SELECT id, code, pin_hash, category, seen_where, description, contact, contact_consent, lang, source, created_at
		FROM reports WHERE code = $1`, code).Scan(&r.ID, &r.Code, &r.PINHash, &r.Category, &r.SeenWhere, &r.Description,
		&r.Contact, &r.ContactConsent, &r.Lang, &r.Source, &created)
	if err != nil {
		return nil, notFound(err, "report")
	}
	r.CreatedAt = fromMS(created)
	rows, err := s.db.read.QueryContext(ctx, `SELECT ru.raw_url, c.url, c.id FROM report_urls ru JOIN cases c ON c.id = ru.case_id
		WHERE ru.report_id = $1 ORDER BY c.id`, r.ID)
	if err != nil {
		return nil, fmt.Errorf("report urls: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u vigie.ReportURL
		if err := rows.Scan(&u.Raw, &u.Normalized, &u.CaseID); err != nil {
			return nil, err
		}
		r.URLs = append(r.URLs, u)
	}
	return &r, rows.Err()
}

const caseColumns = `id, url, reported_url, category, state, reporters, fail_reason, legal_hold, created_at, updated_at`

func queryCases(ctx context.Context, q queryer, tail string, args ...any) ([]*vigie.Case, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+caseColumns+` FROM cases `+tail, args...)
	return scanCases(rows, err)
}

func scanCases(rows *sql.Rows, err error) ([]*vigie.Case, error) {
	if err != nil {
		return nil, fmt.Errorf("query cases: %w", err)
	}
	defer rows.Close()
	var out []*vigie.Case
	for rows.Next() {
		var c vigie.Case
		var created, updated int64
		if err := rows.Scan(&c.ID, &c.URL, &c.ReportedURL, &c.Category, &c.State, &c.Reporters, &c.FailReason, &c.LegalHold, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan case: %w", err)
		}
		c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, &c)
	}
	return out, rows.Err()
}

const findCaseByIDSQL = `SELECT ` + caseColumns + ` FROM cases WHERE id = $1`

// FindCase returns ENOTFOUND if there is no such case.
func (s *ReportService) FindCase(ctx context.Context, id int64) (*vigie.Case, error) {
	st, err := s.db.readStmt(ctx, findCaseByIDSQL)
	if err != nil {
		return nil, err
	}
	cs, err := scanCases(st.QueryContext(ctx, id))
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "no case %d", id)
	}
	return cs[0], nil
}

// FindCases returns cases, newest first.
func (s *ReportService) FindCases(ctx context.Context, f vigie.CaseFilter) ([]*vigie.Case, error) {
	var w filter
	if len(f.States) > 0 {
		w.in("state", toAny(f.States))
	}
	return queryCases(ctx, s.db.read, w.clause()+" ORDER BY id DESC"+w.limit(f.Limit, 100), w.args...)
}

// SetCaseState moves a case and audits the move.
func (s *ReportService) SetCaseState(ctx context.Context, id int64, state vigie.CaseState, reason string) error {
	if err := s.db.prepare(ctx, pipelineSQL...); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		return s.setCaseState(ctx, tx, id, state, reason)
	})
}

// The statements that moving a case runs.
const (
	caseStateSQL    = `SELECT state FROM cases WHERE id = $1`
	setCaseStateSQL = `UPDATE cases SET state = $1, fail_reason = $2, updated_at = $3 WHERE id = $4`
	hasContactSQL   = `SELECT count(*) FROM report_urls ru JOIN reports r ON r.id = ru.report_id
		WHERE ru.case_id = $1 AND r.contact <> ''`
)

// setCaseState moves a case and audits the move. A case found illegal
// starts its takedown, in the same transaction.
func (s *ReportService) setCaseState(ctx context.Context, tx *sql.Tx, id int64, state vigie.CaseState, reason string) error {
	db, q := s.db, txStmts{s.db, tx}
	var old vigie.CaseState
	if err := q.QueryRowContext(ctx, caseStateSQL, id).Scan(&old); err != nil {
		return notFound(err, "case")
	}
	if old == state {
		return nil
	}
	if _, err := q.ExecContext(ctx, setCaseStateSQL, string(state), reason, ms(db.now()), id); err != nil {
		return fmt.Errorf("update case: %w", err)
	}
	details := map[string]any{"from": old, "to": state}
	if reason != "" {
		details["reason"] = reason
	}
	if _, err := appendAudit(ctx, db, tx, "case.state", caseObject(id), details); err != nil {
		return err
	}
	var jobs []vigie.Job
	if state.Final() {
		notify, err := hasContact(ctx, q, id)
		if err != nil {
			return err
		}
		if notify {
			jobs = append(jobs, vigie.NotifyReportersJob{CaseID: id})
		}
	}
	if state == vigie.CaseIllegal {
		jobs = append(jobs, vigie.TakedownJob{CaseID: id})
	}
	if len(jobs) == 0 {
		return nil
	}
	return s.Jobs.EnqueueTx(ctx, tx, jobs...)
}

// hasContact reports whether a reporter of case id left an e-mail for the
// outcome. Most reporters do not: a job to tell nobody would cost a River
// insert and a run for every closed case.
func hasContact(ctx context.Context, q queryer, id int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, hasContactSQL, id).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("find reporters' contacts: %w", err)
	}
	return n > 0, nil
}

// placeholders appends values to args and returns "$n, $n+1, …".
func placeholders(args *[]any, values []any) string {
	marks := make([]string, len(values))
	for i, v := range values {
		*args = append(*args, v)
		marks[i] = "$" + strconv.Itoa(len(*args))
	}
	return strings.Join(marks, ", ")
}

func toAny[T ~string](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func caseObject(id int64) string { return "case:" + strconv.FormatInt(id, 10) }
func itemObject(id int64) string { return "item:" + strconv.FormatInt(id, 10) }

// FindCaseReports returns the reports that named a case, oldest first,
// without their URL lists.
func (s *ReportService) FindCaseReports(ctx context.Context, caseID int64) ([]*vigie.Report, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT r.id, r.code, r.category, r.seen_where, r.description, r.contact, r.contact_consent, r.lang, r.source, r.created_at, ru.raw_url
		FROM reports r JOIN report_urls ru ON ru.report_id = r.id WHERE ru.case_id = $1 ORDER BY r.id LIMIT 500`, caseID)
	if err != nil {
		return nil, fmt.Errorf("case reports: %w", err)
	}
	defer rows.Close()
	var out []*vigie.Report
	for rows.Next() {
		var r vigie.Report
		var created int64
		var raw string
		if err := rows.Scan(&r.ID, &r.Code, &r.Category, &r.SeenWhere, &r.Description, &r.Contact, &r.ContactConsent, &r.Lang, &r.Source, &created, &raw); err != nil {
			return nil, err
		}
		r.CreatedAt = fromMS(created)
		r.URLs = []vigie.ReportURL{{Raw: raw, CaseID: caseID}}
		out = append(out, &r)
	}
	return out, rows.Err()
}
