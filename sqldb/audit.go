package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	vigie "github.com/vigie-hotline/vigie"
)

// Ensure the service implements the interface.
var _ vigie.AuditService = (*AuditService)(nil)

// AuditService is the audit log stored in the database.
type AuditService struct{ db *DB }

// NewAuditService returns the audit log of db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

// AppendAudit writes one entry in its own transaction.
func (s *AuditService) AppendAudit(ctx context.Context, action, object string, details map[string]any) (*vigie.AuditEntry, error) {
	var e *vigie.AuditEntry
	err := s.db.inTx(ctx, func(tx *sql.Tx) (err error) {
		e, err = appendAudit(ctx, s.db, tx, action, object, details)
		return err
	})
	return e, err
}

// The statements of appendAudit, prepared with those of the pipeline (see
// pipelineSQL): every change writes an entry.
const (
	auditNextSQL   = `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`
	auditInsertSQL = `INSERT INTO audit_log (id, at, actor, action, object, details, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	auditHeadSQL = `UPDATE audit_head SET hash = $1 WHERE id = 1`
)

// appendAudit chains a new entry inside tx. Every service that changes data
// calls it in the same transaction as the change, so no change is committed
// without its entry. Bumping audit_head first takes its row lock, which
// orders concurrent writers on PostgreSQL as SQLite's single writer does.
func appendAudit(ctx context.Context, db *DB, tx *sql.Tx, action, object string, details map[string]any) (*vigie.AuditEntry, error) {
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return nil, fmt.Errorf("audit details: %w", err)
	}
	e := &vigie.AuditEntry{
		At:      db.now(),
		Actor:   vigie.ActorFromContext(ctx),
		Action:  action,
		Object:  object,
		Details: string(raw),
	}
	q := txStmts{db, tx}
	if err := q.QueryRowContext(ctx, auditNextSQL).Scan(&e.ID, &e.PrevHash); err != nil {
		return nil, fmt.Errorf("audit head: %w", err)
	}
	e.Hash = e.ComputeHash()
	if _, err := q.ExecContext(ctx, auditInsertSQL,
		e.ID, ms(e.At), e.Actor, e.Action, e.Object, e.Details, e.PrevHash, e.Hash); err != nil {
		return nil, fmt.Errorf("insert audit entry: %w", err)
	}
	if _, err := q.ExecContext(ctx, auditHeadSQL, e.Hash); err != nil {
		return nil, fmt.Errorf("audit head: %w", err)
	}
	return e, nil
}

// FindAuditEntries returns entries in ID order.
func (s *AuditService) FindAuditEntries(ctx context.Context, f vigie.AuditFilter) ([]*vigie.AuditEntry, error) {
	var w filter
	w.eq("id > ?", f.AfterID)
	if f.Action != "" {
		w.eq("action = ?", f.Action)
	}
	if f.Object != "" {
		w.eq("object = ?", f.Object)
	}
	q := `SELECT id, at, actor, action, object, details, prev_hash, hash FROM audit_log ` +
		w.clause() + " ORDER BY id" + w.limit(f.Limit, 100)
	return queryAudit(ctx, s.db.read, q, w.args...)
}

func queryAudit(ctx context.Context, q queryer, query string, args ...any) ([]*vigie.AuditEntry, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query audit log: %w", err)
	}
	defer rows.Close()
	var out []*vigie.AuditEntry
	for rows.Next() {
		var e vigie.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Object, &e.Details, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// VerifyAudit walks the chain in pages and returns the first break: an entry
// whose stored hash is not the hash of its content, whose previous hash is
// not the one before it, or a gap in the numbering (a deleted entry). The
// head row must also point at the last entry, which catches a truncated tail.
func (s *AuditService) VerifyAudit(ctx context.Context) (int, *vigie.AuditBreak, error) {
	var lastID int64
	prevHash, checked := "", 0
	for {
		page, err := queryAudit(ctx, s.db.read, `SELECT id, at, actor, action, object, details, prev_hash, hash
			FROM audit_log WHERE id > $1 ORDER BY id LIMIT 1000`, lastID)
		if err != nil {
			return checked, nil, err
		}
		for _, e := range page {
			if brk := checkEntry(e, lastID, prevHash); brk != nil {
				return checked, brk, nil
			}
			lastID, prevHash = e.ID, e.Hash
			checked++
		}
		if len(page) < 1000 {
			break
		}
	}
	var headSeq int64
	var headHash string
	if err := s.db.read.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return checked, nil, fmt.Errorf("read audit head: %w", err)
	}
	if headSeq != lastID || headHash != prevHash {
		return checked, &vigie.AuditBreak{ID: lastID + 1, Reason: fmt.Sprintf("entries after %d are missing (the log's head is at %d)", lastID, headSeq)}, nil
	}
	return checked, nil, nil
}

func checkEntry(e *vigie.AuditEntry, lastID int64, prevHash string) *vigie.AuditBreak {
	switch {
	case e.ID != lastID+1:
		return &vigie.AuditBreak{ID: lastID + 1, Reason: fmt.Sprintf("entry %d is missing", lastID+1)}
	case e.PrevHash != prevHash:
		return &vigie.AuditBreak{ID: e.ID, Reason: "its previous-entry hash does not match the entry before it"}
	case e.ComputeHash() != e.Hash:
		return &vigie.AuditBreak{ID: e.ID, Reason: "its content does not match its hash (the entry was edited)"}
	}
	return nil
}

// AuditHead returns the id and hash of the newest audit entry, 0 and "" if
// the log is empty. With AuditHash it names a state of the database's
// history (index snapshots use it to recognise their database).
func (s *AuditService) AuditHead(ctx context.Context) (int64, string, error) {
	var id int64
	var hash string
	if err := s.db.read.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&id, &hash); err != nil {
		return 0, "", fmt.Errorf("read audit head: %w", err)
	}
	return id, hash, nil
}

// AuditHash returns the hash of the audit entry id, or "" if there is none.
func (s *AuditService) AuditHash(ctx context.Context, id int64) (string, error) {
	var hash string
	err := s.db.read.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE id = $1`, id).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read audit entry: %w", err)
	}
	return hash, nil
}
