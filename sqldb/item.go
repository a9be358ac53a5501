package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

const itemColumns = `id, case_id, url, evidence, md5, sha1, sha256, pdq, quality, width, height, format, state, priority,
	family, classification, matches, fail_reason, stored, purged_at, created_at, updated_at`

// The statements that the pipeline runs for every page or item, prepared
// once (see DB.prepare) by the methods that run them. Each of the
// pipeline's transactions is short, and SQLite would otherwise spend about
// as long parsing its statements as running them.
var pipelineSQL = []string{caseStateSQL, setCaseStateSQL, hasContactSQL, auditNextSQL, auditInsertSQL, auditHeadSQL,
	insertItemSQL, itemsOfCaseSQL}

const (
	insertItemSQL = `INSERT INTO items (case_id, url, evidence, md5, sha1, sha256, pdq, quality, width, height, format, state,
			priority, family, classification, matches, fail_reason, stored, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) RETURNING id`
	itemsOfCaseSQL = `SELECT ` + itemColumns + ` FROM items WHERE case_id = $1`
	priorSQL       = `SELECT classification FROM items WHERE sha256 = $1 AND state IN ('assessed', 'auto_classified')
		AND classification <> '' AND classification <> 'cannot_assess' ORDER BY id LIMIT 1`
)

func queryItems(ctx context.Context, q queryer, tail string, args ...any) ([]*vigie.Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+itemColumns+` FROM items `+tail, args...)
	return scanItems(rows, err)
}

func scanItems(rows *sql.Rows, err error) ([]*vigie.Item, error) {
	if err != nil {
		return nil, fmt.Errorf("query items: %w", err)
	}
	defer rows.Close()
	var out []*vigie.Item
	for rows.Next() {
		var it vigie.Item
		var purged sql.NullInt64
		var created, updated int64
		if err := rows.Scan(&it.ID, &it.CaseID, &it.URL, &it.Evidence, &it.MD5, &it.SHA1, &it.SHA256, &it.PDQ, &it.Quality,
			&it.Width, &it.Height, &it.Format, &it.State, &it.Priority, &it.Family, &it.Classification, &it.Matches,
			&it.FailReason, &it.Stored, &purged, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan item: %w", err)
		}
		it.PurgedAt, it.CreatedAt, it.UpdatedAt = fromNullMS(purged), fromMS(created), fromMS(updated)
		out = append(out, &it)
	}
	return out, rows.Err()
}

// CreateItem stores a fetched item in one transaction: a pending one with
// its ProcessItemJob, one already processed with its fingerprints, matches
// and outcome (and the audit of an automatic classification, as
// UpdateItem). Its case is not recomputed: the fetch does that once done.
func (s *ReportService) CreateItem(ctx context.Context, it *vigie.Item) error {
	if it.State == "" {
		it.State = vigie.ItemPending
	}
	if err := s.db.prepare(ctx, pipelineSQL...); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		now := s.db.now()
		err := txStmts{s.db, tx}.QueryRowContext(ctx, insertItemSQL,
			it.CaseID, it.URL, orJSON(it.Evidence, "{}"), it.MD5, it.SHA1, it.SHA256, it.PDQ, it.Quality, it.Width, it.Height,
			it.Format, string(it.State), it.Priority, it.Family, string(it.Classification), orJSON(it.Matches, "[]"),
			it.FailReason, it.Stored, ms(now)).Scan(&it.ID)
		if err != nil {
			return fmt.Errorf("insert item: %w", err)
		}
		it.CreatedAt, it.UpdatedAt = now, now
		switch it.State {
		case vigie.ItemPending:
			return s.Jobs.EnqueueTx(ctx, tx, vigie.ProcessItemJob{ItemID: it.ID})
		case vigie.ItemAuto:
			return auditAutoClassify(ctx, s.db, tx, it)
		}
		return nil
	})
}

func orJSON(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// FindItem returns ENOTFOUND if there is no such item.
func (s *ReportService) FindItem(ctx context.Context, id int64) (*vigie.Item, error) {
	return findItem(ctx, s.db.read, id)
}

func findItem(ctx context.Context, q queryer, id int64) (*vigie.Item, error) {
	items, err := queryItems(ctx, q, `WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "no item %d", id)
	}
	return items[0], nil
}

// FindItems returns items by priority, then oldest first.
func (s *ReportService) FindItems(ctx context.Context, f vigie.ItemFilter) ([]*vigie.Item, error) {
	var w filter
	if f.CaseID != 0 {
		w.eq("case_id = ?", f.CaseID)
	}
	if f.SHA256 != "" {
		w.eq("sha256 = ?", f.SHA256)
	}
	if len(f.States) > 0 {
		w.in("state", toAny(f.States))
	}
	query := `SELECT ` + itemColumns + ` FROM items ` + w.clause() + " ORDER BY priority DESC, id" + w.limit(f.Limit, 100)
	if len(f.States) > 0 { // one query text for each number of states: not kept prepared
		return scanItems(s.db.read.QueryContext(ctx, query, w.args...))
	}
	st, err := s.db.readStmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return scanItems(st.QueryContext(ctx, w.args...))
}

// UpdateItem stores what processing found and moves the item's case.
func (s *ReportService) UpdateItem(ctx context.Context, it *vigie.Item) error {
	if err := s.db.prepare(ctx, pipelineSQL...); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		it.UpdatedAt = s.db.now()
		var purged any
		if it.PurgedAt != nil {
			purged = ms(*it.PurgedAt)
		}
		_, err := tx.ExecContext(ctx, `
			UPDATE items SET md5 = $1, sha1 = $2, sha256 = $3, pdq = $4, quality = $5, width = $6, height = $7, format = $8,
				state = $9, priority = $10, family = $11, classification = $12, matches = $13, fail_reason = $14,
				stored = $15, purged_at = $16, updated_at = $17
			WHERE id = $18`,
			it.MD5, it.SHA1, it.SHA256, it.PDQ, it.Quality, it.Width, it.Height, it.Format, string(it.State), it.Priority,
			it.Family, string(it.Classification), orJSON(it.Matches, "[]"), it.FailReason, it.Stored, purged, ms(it.UpdatedAt), it.ID)
		if err != nil {
			return fmt.Errorf("update item: %w", err)
		}
		if it.State == vigie.ItemAuto {
			if err := auditAutoClassify(ctx, s.db, tx, it); err != nil {
				return err
			}
		}
		return s.recomputeCase(ctx, tx, it.CaseID)
	})
}

func auditAutoClassify(ctx context.Context, db *DB, tx *sql.Tx, it *vigie.Item) error {
	_, err := appendAudit(ctx, db, tx, "item.auto_classify", itemObject(it.ID),
		map[string]any{"case": caseObject(it.CaseID), "classification": it.Classification})
	return err
}

// recomputeCase derives a case's state from its items: illegal once any
// item is classified illegal; awaiting while any waits; not illegal once
// all are decided otherwise; unreachable when none could be processed. A
// case without items keeps its state (the fetch decides it).
func (s *ReportService) recomputeCase(ctx context.Context, tx *sql.Tx, caseID int64) error {
	q := txStmts{s.db, tx}
	items, err := scanItems(q.QueryContext(ctx, itemsOfCaseSQL, caseID))
	if err != nil || len(items) == 0 {
		return err
	}
	var illegal, waiting, decided, failed int
	for _, it := range items {
		switch {
		case (it.State == vigie.ItemAssessed || it.State == vigie.ItemAuto) && it.Classification.Illegal():
			illegal++
		case it.State == vigie.ItemPending || it.State == vigie.ItemAwaiting || it.State == vigie.ItemConfirming:
			waiting++
		case it.State == vigie.ItemFailed:
			failed++
		default:
			decided++
		}
	}
	state, reason := vigie.CaseAwaiting, ""
	switch {
	case illegal > 0:
		state = vigie.CaseIllegal
	case waiting > 0:
		state = vigie.CaseAwaiting
	case decided > 0:
		state = vigie.CaseNotIllegal
	default:
		state, reason = vigie.CaseUnreachable, "no item could be processed"
	}
	var cur vigie.CaseState
	if err := q.QueryRowContext(ctx, caseStateSQL, caseID).Scan(&cur); err != nil {
		return err
	}
	if cur == vigie.CaseFetching && state == vigie.CaseAwaiting {
		return nil // still fetching: the crawl moves it on when done
	}
	return s.setCaseState(ctx, tx, caseID, state, reason)
}

// RecomputeCase moves a case to the state its items call for.
func (s *ReportService) RecomputeCase(ctx context.Context, caseID int64) error {
	if err := s.db.prepare(ctx, pipelineSQL...); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error { return s.recomputeCase(ctx, tx, caseID) })
}

// FinishFetch moves a case whose crawl is done from fetching to awaiting,
// then to the state its items call for, in one transaction: both moves are
// audited, as SetCaseState and RecomputeCase would, and a crash leaves the
// case fetching (the retried job crawls again) or in its final state.
func (s *ReportService) FinishFetch(ctx context.Context, caseID int64) error {
	if err := s.db.prepare(ctx, pipelineSQL...); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.setCaseState(ctx, tx, caseID, vigie.CaseAwaiting, ""); err != nil {
			return err
		}
		return s.recomputeCase(ctx, tx, caseID)
	})
}

// PriorClassification returns the final classification of content with
// this SHA-256, if an earlier item was decided.
func (s *ReportService) PriorClassification(ctx context.Context, sha256 string) (vigie.Classification, error) {
	st, err := s.db.readStmt(ctx, priorSQL)
	if err != nil {
		return "", err
	}
	var c string
	err = st.QueryRowContext(ctx, sha256).Scan(&c)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return vigie.Classification(c), err
}

const assessmentColumns = `id, item_id, analyst_id, classification, age_group, content_type, notes, add_to_benign, status,
	confirmed_by, confirmed_at, created_at`

func queryAssessments(ctx context.Context, q queryer, tail string, args ...any) ([]*vigie.Assessment, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+assessmentColumns+` FROM assessments `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("query assessments: %w", err)
	}
	defer rows.Close()
	var out []*vigie.Assessment
	for rows.Next() {
		var a vigie.Assessment
		var by, at sql.NullInt64
		var created int64
		if err := rows.Scan(&a.ID, &a.ItemID, &a.AnalystID, &a.Classification, &a.AgeGroup, &a.ContentType, &a.Notes,
			&a.AddToBenign, &a.Status, &by, &at, &created); err != nil {
			return nil, fmt.Errorf("scan assessment: %w", err)
		}
		a.ConfirmedBy, a.ConfirmedAt, a.CreatedAt = by.Int64, fromNullMS(at), fromMS(created)
		out = append(out, &a)
	}
	return out, rows.Err()
}

// FindAssessments returns an item's assessments, or those with a status.
func (s *ReportService) FindAssessments(ctx context.Context, itemID int64, status vigie.AssessmentStatus) ([]*vigie.Assessment, error) {
	if itemID != 0 {
		return queryAssessments(ctx, s.db.read, `WHERE item_id = $1 ORDER BY id`, itemID)
	}
	return queryAssessments(ctx, s.db.read, `WHERE status = $1 ORDER BY id LIMIT 500`, string(status))
}

// Assess records a decision about an item that waits for one. A decision
// that the content is illegal waits for a second person; any other is
// final at once, and "not illegal" may put the content in the benign bank.
func (s *ReportService) Assess(ctx context.Context, a *vigie.Assessment) error {
	if _, err := vigie.ParseClassification(string(a.Classification)); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		it, err := findItem(ctx, tx, a.ItemID)
		if err != nil {
			return err
		}
		if it.State != vigie.ItemAwaiting {
			return vigie.Errorf(vigie.ECONFLICT, "this item is not waiting for an assessment (it is %s)", it.State)
		}
		a.Status, it.State = vigie.AssessmentFinal, vigie.ItemAssessed
		if a.Classification.Illegal() {
			a.Status, it.State = vigie.AssessmentPending, vigie.ItemConfirming
		} else {
			it.Classification = a.Classification
		}
		if a.Classification == vigie.ClassCannotAssess {
			it.State = vigie.ItemAwaiting // back in the queue for someone else
		}
		if err := s.insertAssessment(ctx, tx, a); err != nil {
			return err
		}
		if err := s.setItemDecision(ctx, tx, it); err != nil {
			return err
		}
		if a.Classification == vigie.ClassNotIllegal && a.AddToBenign {
			if err := s.bankItem(ctx, tx, s.BenignBank, vigie.BankBenign, it, a); err != nil {
				return err
			}
		}
		return s.recomputeCase(ctx, tx, it.CaseID)
	})
}

func (s *ReportService) insertAssessment(ctx context.Context, tx *sql.Tx, a *vigie.Assessment) error {
	a.CreatedAt = s.db.now()
	err := tx.QueryRowContext(ctx, `
		INSERT INTO assessments (item_id, analyst_id, classification, age_group, content_type, notes, add_to_benign, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		a.ItemID, a.AnalystID, string(a.Classification), a.AgeGroup, a.ContentType, a.Notes, a.AddToBenign, string(a.Status), ms(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("insert assessment: %w", err)
	}
	_, err = appendAudit(ctx, s.db, tx, "item.assess", itemObject(a.ItemID), map[string]any{
		"assessment": a.ID, "classification": a.Classification, "age_group": a.AgeGroup,
		"content_type": a.ContentType, "status": a.Status, "add_to_benign": a.AddToBenign})
	return err
}

// setItemDecision stores an item's state and classification. A final
// decision also classifies every other item of the same content still in
// the queue, so that no analyst sees content twice once it is decided.
func (s *ReportService) setItemDecision(ctx context.Context, tx *sql.Tx, it *vigie.Item) error {
	now := ms(s.db.now())
	if _, err := tx.ExecContext(ctx, `UPDATE items SET state = $1, classification = $2, updated_at = $3 WHERE id = $4`,
		string(it.State), string(it.Classification), now, it.ID); err != nil {
		return fmt.Errorf("update item: %w", err)
	}
	if it.State != vigie.ItemAssessed || it.SHA256 == "" || it.Classification == vigie.ClassCannotAssess {
		return nil
	}
	siblings, err := queryItems(ctx, tx, `WHERE sha256 = $1 AND state = 'awaiting' AND NOT family AND id <> $2`, it.SHA256, it.ID)
	if err != nil {
		return err
	}
	for _, sib := range siblings {
		if _, err := tx.ExecContext(ctx, `UPDATE items SET state = 'auto_classified', classification = $1, updated_at = $2 WHERE id = $3`,
			string(it.Classification), now, sib.ID); err != nil {
			return fmt.Errorf("classify same content: %w", err)
		}
		if _, err := appendAudit(ctx, s.db, tx, "item.auto_classify", itemObject(sib.ID),
			map[string]any{"same_content_as": itemObject(it.ID), "classification": it.Classification}); err != nil {
			return err
		}
		if err := s.recomputeCase(ctx, tx, sib.CaseID); err != nil {
			return err
		}
	}
	return nil
}

// Confirm records the second person's view of a pending illegal decision.
// Agreement makes it final and puts the content's hashes in the known-abuse
// bank; disagreement sends the item back to the queue.
func (s *ReportService) Confirm(ctx context.Context, assessmentID, userID int64, agree bool) (*vigie.Assessment, error) {
	var a *vigie.Assessment
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		as, err := queryAssessments(ctx, tx, `WHERE id = $1`, assessmentID)
		if err != nil {
			return err
		}
		if len(as) == 0 {
			return vigie.Errorf(vigie.ENOTFOUND, "no assessment %d", assessmentID)
		}
		a = as[0]
		switch {
		case a.Status != vigie.AssessmentPending:
			return vigie.Errorf(vigie.ECONFLICT, "this assessment is not waiting for confirmation")
		case a.AnalystID == userID:
			return vigie.Errorf(vigie.EFORBIDDEN, "a second person must confirm: you made this assessment")
		}
		return s.decide(ctx, tx, a, userID, agree)
	})
	return a, err
}

func (s *ReportService) decide(ctx context.Context, tx *sql.Tx, a *vigie.Assessment, userID int64, agree bool) error {
	it, err := findItem(ctx, tx, a.ItemID)
	if err != nil {
		return err
	}
	now := s.db.now()
	a.Status, a.ConfirmedBy, a.ConfirmedAt = vigie.AssessmentRejected, userID, &now
	it.State, it.Classification = vigie.ItemAwaiting, ""
	if agree {
		a.Status, it.State, it.Classification = vigie.AssessmentConfirmed, vigie.ItemAssessed, a.Classification
	}
	if _, err := tx.ExecContext(ctx, `UPDATE assessments SET status = $1, confirmed_by = $2, confirmed_at = $3 WHERE id = $4`,
		string(a.Status), userID, ms(now), a.ID); err != nil {
		return fmt.Errorf("update assessment: %w", err)
	}
	if err := s.setItemDecision(ctx, tx, it); err != nil {
		return err
	}
	if _, err := appendAudit(ctx, s.db, tx, "item.confirm", itemObject(it.ID),
		map[string]any{"assessment": a.ID, "agree": agree, "classification": a.Classification}); err != nil {
		return err
	}
	if agree {
		if err := s.bankItem(ctx, tx, s.KnownBank, vigie.BankKnown, it, a); err != nil {
			return err
		}
	}
	return s.recomputeCase(ctx, tx, it.CaseID)
}

// bankItem adds an item's hashes to the named bank, creating the bank the
// first time. The PDQ hash goes in only when its quality can be trusted.
func (s *ReportService) bankItem(ctx context.Context, tx *sql.Tx, name string, kind vigie.BankKind, it *vigie.Item, a *vigie.Assessment) error {
	bankID, err := ensureBank(ctx, s.db, tx, name, kind)
	if err != nil {
		return err
	}
	meta := map[string]any{"classification": a.Classification, "age_group": a.AgeGroup, "content_type": a.ContentType,
		"item": it.ID, "assessment": a.ID}
	var entries []*vigie.BankEntry
	for _, sig := range []vigie.Signal{{Type: vigie.SignalMD5, Value: it.MD5}, {Type: vigie.SignalSHA256, Value: it.SHA256}, {Type: vigie.SignalPDQ, Value: it.PDQ}} {
		if sig.Value == "" || (sig.Type == vigie.SignalPDQ && it.Quality < vigie.MinPDQQuality) {
			continue
		}
		entries = append(entries, &vigie.BankEntry{Signal: sig.Type, Value: sig.Value, Metadata: meta})
	}
	if len(entries) == 0 {
		return nil
	}
	bs := &BankService{db: s.db}
	if _, err := bs.insertEntries(ctx, tx, bankID, entries, s.db.now()); err != nil {
		return err
	}
	raw, _ := json.Marshal(meta)
	_, err = appendAudit(ctx, s.db, tx, "bank.entries_add", bankObject(bankID), map[string]any{"added": len(entries), "from": itemObject(it.ID), "meta": string(raw)})
	return err
}

// ensureBank returns the id of the named bank, creating it with the
// default threshold if it does not exist.
func ensureBank(ctx context.Context, db *DB, tx *sql.Tx, name string, kind vigie.BankKind) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM banks WHERE name = $1`, name).Scan(&id)
	if err != sql.ErrNoRows {
		return id, err
	}
	now := ms(db.now())
	err = tx.QueryRowContext(ctx, `INSERT INTO banks (name, kind, threshold, enabled, source, description, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, name, string(kind), vigie.DefaultPDQThreshold, true, "hotline",
		"Content confirmed by this hotline's analysts.", now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create bank %s: %w", name, err)
	}
	_, err = appendAudit(ctx, db, tx, "bank.create", bankObject(id), map[string]any{"name": name, "kind": kind, "automatic": true})
	return id, err
}

// PurgeCandidates returns stored content whose items were all decided
// before the given time, none in a case under legal hold.
func (s *ReportService) PurgeCandidates(ctx context.Context, decidedBefore time.Time) ([]string, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT i.sha256 FROM items i JOIN cases c ON c.id = i.case_id
		WHERE i.stored = $1 AND i.sha256 <> ''
		GROUP BY i.sha256
		HAVING max(CASE WHEN i.state IN ('assessed', 'auto_classified', 'failed') AND i.updated_at < $2 AND NOT c.legal_hold THEN 0 ELSE 1 END) = 0
		LIMIT 1000`, true, ms(decidedBefore))
	if err != nil {
		return nil, fmt.Errorf("purge candidates: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// MarkPurged records that the bytes of content sha256 are gone.
func (s *ReportService) MarkPurged(ctx context.Context, sha256 string, at time.Time) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE items SET stored = $1, purged_at = $2 WHERE sha256 = $3 AND stored = $4`, false, ms(at), sha256, true)
		if err != nil {
			return fmt.Errorf("mark purged: %w", err)
		}
		n, _ := res.RowsAffected()
		_, err = appendAudit(ctx, s.db, tx, "content.purge", "sha256:"+sha256, map[string]any{"items": n})
		return err
	})
}

// SetLegalHold keeps (or releases) a case's fetched bytes past retention.
func (s *ReportService) SetLegalHold(ctx context.Context, caseID int64, hold bool) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE cases SET legal_hold = $1, updated_at = $2 WHERE id = $3`, hold, ms(s.db.now()), caseID)
		if err != nil {
			return fmt.Errorf("legal hold: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return vigie.Errorf(vigie.ENOTFOUND, "no case %d", caseID)
		}
		_, err = appendAudit(ctx, s.db, tx, "case.legal_hold", caseObject(caseID), map[string]any{"hold": hold})
		return err
	})
}

// CountAssessments returns how many assessments an analyst made since the
// given time.
func (s *ReportService) CountAssessments(ctx context.Context, analystID int64, since time.Time) (int, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx, `SELECT count(*) FROM assessments WHERE analyst_id = $1 AND created_at >= $2`, analystID, ms(since)).Scan(&n)
	return n, err
}
