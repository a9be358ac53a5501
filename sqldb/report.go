package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

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
}

// NewReportService returns the reports stored in db; set Jobs before use.
func NewReportService(db *DB, jobs vigie.Enqueuer) *ReportService {
	return &ReportService{db: db, Jobs: jobs, KnownBank: "hotline-confirmed", BenignBank: "hotline-benign"}
}

// CreateReport stores r, attaches each URL to its case and enqueues a fetch
// for every new case, all in one transaction: the reporter's code is only
// acknowledged once all of it is committed.
func (s *ReportService) CreateReport(ctx context.Context, r *vigie.Report) error {
	if len(r.URLs) == 0 || len(r.URLs) > vigie.MaxReportURLs {
		return vigie.Errorf(vigie.EINVALID, "a report names 1 to %d URLs", vigie.MaxReportURLs)
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		r.CreatedAt = s.db.now()
		err := tx.QueryRowContext(ctx, `
			INSERT INTO reports (code, pin_hash, category, seen_where, description, contact, contact_consent, lang, source, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			r.Code, r.PINHash, r.Category, r.SeenWhere, r.Description, r.Contact, r.ContactConsent, r.Lang, r.Source, ms(r.CreatedAt)).Scan(&r.ID)
		if isUniqueViolation(err) {
			return vigie.Errorf(vigie.ECONFLICT, "tracking code already used")
		} else if err != nil {
			return fmt.Errorf("insert report: %w", err)
		}
		var jobs []vigie.Job
		for i := range r.URLs {
			u := &r.URLs[i]
			created, err := s.attachURL(ctx, tx, r, u)
			if err != nil {
				return err
			}
			if created {
				jobs = append(jobs, vigie.FetchCaseJob{CaseID: u.CaseID})
			}
		}
		if len(jobs) > 0 {
			return s.Jobs.EnqueueTx(ctx, tx, jobs...)
		}
		return nil
	})
}

// attachURL links a report's URL to the case of its normalised form,
// creating the case if it is new. A URL named twice in one report counts
// once.
func (s *ReportService) attachURL(ctx context.Context, tx *sql.Tx, r *vigie.Report, u *vigie.ReportURL) (created bool, err error) {
	now := ms(r.CreatedAt)
	err = tx.QueryRowContext(ctx, `
		INSERT INTO cases (url, reported_url, category, state, reporters, created_at, updated_at)
		VALUES ($1, $2, $3, 'new', 0, $4, $4)
		ON CONFLICT (url) DO NOTHING RETURNING id`, u.Normalized, u.Raw, r.Category, now).Scan(&u.CaseID)
	switch {
	case err == nil:
		created = true
	case errors.Is(err, sql.ErrNoRows):
		if err := tx.QueryRowContext(ctx, `SELECT id FROM cases WHERE url = $1`, u.Normalized).Scan(&u.CaseID); err != nil {
			return false, fmt.Errorf("find case: %w", err)
		}
	default:
		return false, fmt.Errorf("insert case: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO report_urls (report_id, case_id, raw_url) VALUES ($1, $2, $3)
		ON CONFLICT (report_id, case_id) DO NOTHING`, r.ID, u.CaseID, u.Raw)
	if err != nil {
		return false, fmt.Errorf("link report to case: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		_, err = tx.ExecContext(ctx, `UPDATE cases SET reporters = reporters + 1, updated_at = $1 WHERE id = $2`, now, u.CaseID)
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

// FindCase returns ENOTFOUND if there is no such case.
func (s *ReportService) FindCase(ctx context.Context, id int64) (*vigie.Case, error) {
	cs, err := queryCases(ctx, s.db.read, `WHERE id = $1`, id)
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
	var where []string
	var args []any
	if len(f.States) > 0 {
		where = append(where, "state IN ("+placeholders(&args, toAny(f.States))+")")
	}
	tail := ""
	if len(where) > 0 {
		tail = "WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limitOr(f.Limit, 100))
	return queryCases(ctx, s.db.read, tail+" ORDER BY id DESC LIMIT $"+strconv.Itoa(len(args)), args...)
}

// SetCaseState moves a case and audits the move.
func (s *ReportService) SetCaseState(ctx context.Context, id int64, state vigie.CaseState, reason string) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		return setCaseState(ctx, s.db, tx, id, state, reason)
	})
}

func setCaseState(ctx context.Context, db *DB, tx *sql.Tx, id int64, state vigie.CaseState, reason string) error {
	var old vigie.CaseState
	if err := tx.QueryRowContext(ctx, `SELECT state FROM cases WHERE id = $1`, id).Scan(&old); err != nil {
		return notFound(err, "case")
	}
	if old == state {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET state = $1, fail_reason = $2, updated_at = $3 WHERE id = $4`,
		string(state), reason, ms(db.now()), id); err != nil {
		return fmt.Errorf("update case: %w", err)
	}
	details := map[string]any{"from": old, "to": state}
	if reason != "" {
		details["reason"] = reason
	}
	_, err := appendAudit(ctx, db, tx, "case.state", caseObject(id), details)
	return err
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

func limitOr(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
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
