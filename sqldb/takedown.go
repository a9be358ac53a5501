package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.TakedownService = (*TakedownService)(nil)

// TakedownService stores the provider and partner directories and each
// illegal case's takedown: its trace, notices and checks.
type TakedownService struct {
	db   *DB
	Jobs vigie.Enqueuer
}

// NewTakedownService returns the takedowns stored in db.
func NewTakedownService(db *DB, jobs vigie.Enqueuer) *TakedownService {
	return &TakedownService{db: db, Jobs: jobs}
}

func joinU32(v []uint32) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.FormatUint(uint64(n), 10)
	}
	return strings.Join(s, ",")
}

func splitU32(s string) []uint32 {
	var out []uint32
	for _, f := range splitList(s) {
		if n, err := strconv.ParseUint(f, 10, 32); err == nil {
			out = append(out, uint32(n))
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// SaveProvider adds a provider, or updates the one with the same name.
func (s *TakedownService) SaveProvider(ctx context.Context, p *vigie.Provider) error {
	if p.Name == "" || !strings.Contains(p.AbuseEmail, "@") {
		return vigie.Errorf(vigie.EINVALID, "a provider needs a name and an abuse e-mail address")
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO providers (name, asns, domains, abuse_email, lang, country, notes, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (name) DO UPDATE SET asns = excluded.asns, domains = excluded.domains, abuse_email = excluded.abuse_email,
				lang = excluded.lang, country = excluded.country, notes = excluded.notes, updated_at = excluded.updated_at
			RETURNING id`, p.Name, joinU32(p.ASNs), strings.Join(p.Domains, ","), p.AbuseEmail, p.Lang,
			strings.ToUpper(p.Country), p.Notes, ms(s.db.now())).Scan(&p.ID)
		if err != nil {
			return fmt.Errorf("save provider: %w", err)
		}
		_, err = appendAudit(ctx, s.db, tx, "provider.save", "provider:"+strconv.FormatInt(p.ID, 10), map[string]any{"name": p.Name})
		return err
	})
}

// FindProviders returns the directory, by name.
func (s *TakedownService) FindProviders(ctx context.Context) ([]*vigie.Provider, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, name, asns, domains, abuse_email, lang, country, notes FROM providers ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("query providers: %w", err)
	}
	defer rows.Close()
	var out []*vigie.Provider
	for rows.Next() {
		var p vigie.Provider
		var asns, domains string
		if err := rows.Scan(&p.ID, &p.Name, &asns, &domains, &p.AbuseEmail, &p.Lang, &p.Country, &p.Notes); err != nil {
			return nil, err
		}
		p.ASNs, p.Domains = splitU32(asns), splitList(domains)
		out = append(out, &p)
	}
	return out, rows.Err()
}

// SavePartner adds a partner, or updates the one with the same name.
func (s *TakedownService) SavePartner(ctx context.Context, p *vigie.Partner) error {
	if p.Name == "" || len(p.Countries) == 0 || (p.Email == "" && p.Endpoint == "") {
		return vigie.Errorf(vigie.EINVALID, "a partner needs a name, countries, and an e-mail or an endpoint")
	}
	if p.Endpoint != "" && !strings.HasPrefix(p.Endpoint, "https://") && !strings.HasPrefix(p.Endpoint, "http://127.0.0.1") {
		return vigie.Errorf(vigie.EINVALID, "a partner endpoint must be an https:// URL")
	}
	for i := range p.Countries {
		p.Countries[i] = strings.ToUpper(p.Countries[i])
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO partners (name, countries, email, endpoint, lang, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (name) DO UPDATE SET countries = excluded.countries, email = excluded.email, endpoint = excluded.endpoint,
				lang = excluded.lang, updated_at = excluded.updated_at
			RETURNING id`, p.Name, strings.Join(p.Countries, ","), p.Email, p.Endpoint, p.Lang, ms(s.db.now())).Scan(&p.ID)
		if err != nil {
			return fmt.Errorf("save partner: %w", err)
		}
		_, err = appendAudit(ctx, s.db, tx, "partner.save", "partner:"+strconv.FormatInt(p.ID, 10), map[string]any{"name": p.Name})
		return err
	})
}

// FindPartners returns the partner hotlines, by name.
func (s *TakedownService) FindPartners(ctx context.Context) ([]*vigie.Partner, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, name, countries, email, endpoint, lang FROM partners ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("query partners: %w", err)
	}
	defer rows.Close()
	var out []*vigie.Partner
	for rows.Next() {
		var p vigie.Partner
		var countries string
		if err := rows.Scan(&p.ID, &p.Name, &countries, &p.Email, &p.Endpoint, &p.Lang); err != nil {
			return nil, err
		}
		p.Countries = splitList(countries)
		out = append(out, &p)
	}
	return out, rows.Err()
}

// StartTakedown records a case's takedown and queues its first notices.
func (s *TakedownService) StartTakedown(ctx context.Context, t *vigie.Takedown, notices []*vigie.Notice) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		t.CreatedAt = s.db.now()
		_, err := tx.ExecContext(ctx, `
			INSERT INTO takedowns (case_id, status, trace, host, asn, country, cdn, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (case_id) DO UPDATE SET status = excluded.status, trace = excluded.trace, host = excluded.host,
				asn = excluded.asn, country = excluded.country, cdn = excluded.cdn`,
			t.CaseID, string(t.Status), orJSON(t.Trace, "{}"), t.Host, int64(t.ASN), t.Country, t.CDN, ms(t.CreatedAt))
		if err != nil {
			return fmt.Errorf("insert takedown: %w", err)
		}
		if _, err := appendAudit(ctx, s.db, tx, "takedown.start", caseObject(t.CaseID),
			map[string]any{"status": t.Status, "host": t.Host, "asn": t.ASN, "country": t.Country, "cdn": t.CDN, "notices": len(notices)}); err != nil {
			return err
		}
		return s.queue(ctx, tx, t.CaseID, notices)
	})
}

// QueueNotices adds notices to a case and enqueues their sending.
func (s *TakedownService) QueueNotices(ctx context.Context, caseID int64, notices []*vigie.Notice) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error { return s.queue(ctx, tx, caseID, notices) })
}

func (s *TakedownService) queue(ctx context.Context, tx *sql.Tx, caseID int64, notices []*vigie.Notice) error {
	var jobs []vigie.Job
	for _, n := range notices {
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notices WHERE case_id = $1`, caseID).Scan(&count); err != nil {
			return err
		}
		n.CaseID, n.Status, n.CreatedAt = caseID, vigie.NoticeQueued, s.db.now()
		n.Reference = fmt.Sprintf("VG-%d-%06d-N%d", n.CreatedAt.Year(), caseID, count+1)
		err := tx.QueryRowContext(ctx, `
			INSERT INTO notices (case_id, kind, recipient, provider_id, partner_id, lang, reference, status, reply_to, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			caseID, string(n.Kind), n.Recipient, n.ProviderID, n.PartnerID, n.Lang, n.Reference, string(n.Status), n.ReplyTo, ms(n.CreatedAt)).Scan(&n.ID)
		if err != nil {
			return fmt.Errorf("insert notice: %w", err)
		}
		if _, err := appendAudit(ctx, s.db, tx, "notice.queue", caseObject(caseID),
			map[string]any{"notice": n.ID, "kind": n.Kind, "recipient": n.Recipient, "reference": n.Reference}); err != nil {
			return err
		}
		jobs = append(jobs, vigie.SendNoticeJob{NoticeID: n.ID})
	}
	if len(jobs) == 0 {
		return nil
	}
	return s.Jobs.EnqueueTx(ctx, tx, jobs...)
}

const takedownColumns = `case_id, status, trace, host, asn, country, cdn, first_notice_at, removed_at, last_check_at, reminders, created_at`

func queryTakedowns(ctx context.Context, q queryer, tail string, args ...any) ([]*vigie.Takedown, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+takedownColumns+` FROM takedowns `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("query takedowns: %w", err)
	}
	defer rows.Close()
	var out []*vigie.Takedown
	for rows.Next() {
		var t vigie.Takedown
		var asn, created int64
		var first, removed, checked sql.NullInt64
		if err := rows.Scan(&t.CaseID, &t.Status, &t.Trace, &t.Host, &asn, &t.Country, &t.CDN, &first, &removed, &checked, &t.Reminders, &created); err != nil {
			return nil, err
		}
		t.ASN, t.CreatedAt = uint32(asn), fromMS(created)
		t.FirstNoticeAt, t.RemovedAt, t.LastCheckAt = fromNullMS(first), fromNullMS(removed), fromNullMS(checked)
		out = append(out, &t)
	}
	return out, rows.Err()
}

// FindTakedown returns ENOTFOUND if the case has none.
func (s *TakedownService) FindTakedown(ctx context.Context, caseID int64) (*vigie.Takedown, error) {
	ts, err := queryTakedowns(ctx, s.db.read, `WHERE case_id = $1`, caseID)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "case %d has no takedown", caseID)
	}
	return ts[0], nil
}

// FindTakedowns returns takedowns with the given statuses, oldest first.
func (s *TakedownService) FindTakedowns(ctx context.Context, statuses ...vigie.TakedownStatus) ([]*vigie.Takedown, error) {
	var w filter
	if len(statuses) > 0 {
		w.in("status", toAny(statuses))
	}
	return queryTakedowns(ctx, s.db.read, w.clause()+" ORDER BY case_id", w.args...)
}

const noticeColumns = `id, case_id, kind, recipient, provider_id, partner_id, lang, reference, status, message_id, reply_to, attempts, last_error, created_at, sent_at`

func queryNotices(ctx context.Context, q queryer, tail string, args ...any) ([]*vigie.Notice, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+noticeColumns+` FROM notices `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("query notices: %w", err)
	}
	defer rows.Close()
	var out []*vigie.Notice
	for rows.Next() {
		var n vigie.Notice
		var created int64
		var sent sql.NullInt64
		if err := rows.Scan(&n.ID, &n.CaseID, &n.Kind, &n.Recipient, &n.ProviderID, &n.PartnerID, &n.Lang, &n.Reference, &n.Status,
			&n.MessageID, &n.ReplyTo, &n.Attempts, &n.LastError, &created, &sent); err != nil {
			return nil, err
		}
		n.CreatedAt, n.SentAt = fromMS(created), fromNullMS(sent)
		out = append(out, &n)
	}
	return out, rows.Err()
}

// FindNotice returns ENOTFOUND if there is no such notice.
func (s *TakedownService) FindNotice(ctx context.Context, id int64) (*vigie.Notice, error) {
	ns, err := queryNotices(ctx, s.db.read, `WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ns) == 0 {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "no notice %d", id)
	}
	return ns[0], nil
}

// FindNotices returns a case's notices, or every notice when caseID is 0.
func (s *TakedownService) FindNotices(ctx context.Context, caseID int64) ([]*vigie.Notice, error) {
	if caseID == 0 {
		return queryNotices(ctx, s.db.read, `ORDER BY id`)
	}
	return queryNotices(ctx, s.db.read, `WHERE case_id = $1 ORDER BY id`, caseID)
}

// NoticeSent records a delivery; the first notice sent starts the clock of
// the case's removal time.
func (s *TakedownService) NoticeSent(ctx context.Context, id int64, messageID string, at time.Time) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var caseID int64
		err := tx.QueryRowContext(ctx, `UPDATE notices SET status = 'sent', message_id = $1, sent_at = $2, attempts = attempts + 1, last_error = ''
			WHERE id = $3 RETURNING case_id`, messageID, ms(at), id).Scan(&caseID)
		if err != nil {
			return notFound(err, "notice")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE takedowns SET first_notice_at = $1, status = CASE WHEN status = 'tracing' THEN 'notified' ELSE status END
			WHERE case_id = $2 AND first_notice_at IS NULL`, ms(at), caseID); err != nil {
			return err
		}
		_, err = appendAudit(ctx, s.db, tx, "notice.sent", caseObject(caseID), map[string]any{"notice": id, "message_id": messageID})
		return err
	})
}

// NoticeFailed records a failed attempt, and a final failure for good.
func (s *TakedownService) NoticeFailed(ctx context.Context, id int64, reason string, final bool) error {
	status := vigie.NoticeQueued
	if final {
		status = vigie.NoticeFailed
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		var caseID int64
		err := tx.QueryRowContext(ctx, `UPDATE notices SET status = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3 RETURNING case_id`,
			string(status), truncate(reason, 500), id).Scan(&caseID)
		if err != nil {
			return notFound(err, "notice")
		}
		_, err = appendAudit(ctx, s.db, tx, "notice.failed", caseObject(caseID), map[string]any{"notice": id, "final": final, "reason": truncate(reason, 200)})
		return err
	})
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// RecordCheck stores a follow-up check; the first that finds the content
// gone closes the takedown and fixes its removal time.
func (s *TakedownService) RecordCheck(ctx context.Context, c *vigie.Check) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO checks (case_id, at, removed, result) VALUES ($1, $2, $3, $4) RETURNING id`,
			c.CaseID, ms(c.At), c.Removed, c.Result).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("insert check: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE takedowns SET last_check_at = $1 WHERE case_id = $2`, ms(c.At), c.CaseID); err != nil {
			return err
		}
		if !c.Removed {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE takedowns SET status = 'removed', removed_at = $1 WHERE case_id = $2 AND removed_at IS NULL`,
			ms(c.At), c.CaseID); err != nil {
			return err
		}
		_, err = appendAudit(ctx, s.db, tx, "takedown.removed", caseObject(c.CaseID), map[string]any{"check": c.ID, "result": c.Result})
		return err
	})
}

// FindChecks returns a case's checks, oldest first.
func (s *TakedownService) FindChecks(ctx context.Context, caseID int64) ([]*vigie.Check, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, case_id, at, removed, result FROM checks WHERE case_id = $1 ORDER BY at, id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("query checks: %w", err)
	}
	defer rows.Close()
	var out []*vigie.Check
	for rows.Next() {
		var c vigie.Check
		var at int64
		if err := rows.Scan(&c.ID, &c.CaseID, &at, &c.Removed, &c.Result); err != nil {
			return nil, err
		}
		c.At = fromMS(at)
		out = append(out, &c)
	}
	return out, rows.Err()
}

// SetTakedownStatus moves a takedown and stores its reminder count.
func (s *TakedownService) SetTakedownStatus(ctx context.Context, caseID int64, st vigie.TakedownStatus, reminders int) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE takedowns SET status = $1, reminders = $2 WHERE case_id = $3`, string(st), reminders, caseID); err != nil {
			return err
		}
		_, err := appendAudit(ctx, s.db, tx, "takedown.status", caseObject(caseID), map[string]any{"status": st, "reminders": reminders})
		return err
	})
}
