package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.BankService = (*BankService)(nil)

// BankService stores hash banks and their entries.
type BankService struct{ db *DB }

// NewBankService returns the banks stored in db.
func NewBankService(db *DB) *BankService { return &BankService{db: db} }

const bankColumns = `id, name, kind, threshold, enabled, source, description, created_at, updated_at`

// CreateBank stores b, sets its ID and audits the creation.
func (s *BankService) CreateBank(ctx context.Context, b *vigie.Bank) error {
	if err := b.Validate(); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		now := s.db.now()
		err := tx.QueryRowContext(ctx, `
			INSERT INTO banks (name, kind, threshold, enabled, source, description, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			b.Name, string(b.Kind), b.Threshold, b.Enabled, b.Source, b.Description, ms(now)).Scan(&b.ID)
		if isUniqueViolation(err) {
			return vigie.Errorf(vigie.ECONFLICT, "a bank named %q already exists", b.Name)
		} else if err != nil {
			return fmt.Errorf("insert bank: %w", err)
		}
		b.CreatedAt, b.UpdatedAt = now, now
		_, err = appendAudit(ctx, s.db, tx, "bank.create", bankObject(b.ID),
			map[string]any{"name": b.Name, "kind": b.Kind, "threshold": b.Threshold, "source": b.Source})
		return err
	})
}

// FindBankByName returns ENOTFOUND if there is no such bank.
func (s *BankService) FindBankByName(ctx context.Context, name string) (*vigie.Bank, error) {
	banks, err := s.FindBanks(ctx, vigie.BankFilter{Name: &name})
	if err != nil {
		return nil, err
	}
	if len(banks) == 0 {
		return nil, vigie.Errorf(vigie.ENOTFOUND, "no bank named %q", name)
	}
	return banks[0], nil
}

// FindBanks returns banks ordered by name.
func (s *BankService) FindBanks(ctx context.Context, f vigie.BankFilter) ([]*vigie.Bank, error) {
	var w filter
	if f.Name != nil {
		w.eq("name = ?", *f.Name)
	}
	if f.Kind != nil {
		w.eq("kind = ?", string(*f.Kind))
	}
	if f.ShareableOnly {
		w.raw("kind <> 'family'")
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+bankColumns+` FROM banks `+w.clause()+" ORDER BY name", w.args...)
	if err != nil {
		return nil, fmt.Errorf("query banks: %w", err)
	}
	defer rows.Close()
	var out []*vigie.Bank
	for rows.Next() {
		var b vigie.Bank
		var created, updated int64
		if err := rows.Scan(&b.ID, &b.Name, &b.Kind, &b.Threshold, &b.Enabled, &b.Source, &b.Description, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan bank: %w", err)
		}
		b.CreatedAt, b.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, &b)
	}
	return out, rows.Err()
}

// UpdateBank stores b's threshold, enabled flag, source and description,
// and audits the change.
func (s *BankService) UpdateBank(ctx context.Context, b *vigie.Bank) error {
	if err := b.Validate(); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		b.UpdatedAt = s.db.now()
		res, err := tx.ExecContext(ctx, `UPDATE banks SET threshold = $1, enabled = $2, source = $3, description = $4, updated_at = $5 WHERE id = $6`,
			b.Threshold, b.Enabled, b.Source, b.Description, ms(b.UpdatedAt), b.ID)
		if err != nil {
			return fmt.Errorf("update bank: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return vigie.Errorf(vigie.ENOTFOUND, "no such bank")
		}
		_, err = appendAudit(ctx, s.db, tx, "bank.update", bankObject(b.ID),
			map[string]any{"threshold": b.Threshold, "enabled": b.Enabled, "source": b.Source})
		return err
	})
}

// entryBatch is how many ids or entries a loop hands to one statement or
// one insertEntries call. SQLite finds a numbered parameter ($N) by a
// linear search on every bind, so a statement's cost grows with the square
// of its parameters. insertEntries sizes its own statements.
const entryBatch = 50

// AddEntries stores entries in one transaction and audits the import as one
// entry (not one per hash: imports run to millions).
func (s *BankService) AddEntries(ctx context.Context, bankID int64, entries []*vigie.BankEntry) (added, duplicates int, err error) {
	for _, e := range entries {
		if e.Value, err = vigie.NormalizeSignal(e.Signal, e.Value); err != nil {
			return 0, 0, err
		}
	}
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		n, err := s.insertEntries(ctx, tx, bankID, entries, s.db.now())
		if err != nil {
			return err
		}
		added, duplicates = n, len(entries)-n
		_, err = appendAudit(ctx, s.db, tx, "bank.entries_add", bankObject(bankID),
			map[string]any{"added": added, "duplicates": duplicates})
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	return added, duplicates, nil
}

// SetEntryStatus changes an entry's status, gives it a new sequence number
// so that followers see the change, and audits it.
func (s *BankService) SetEntryStatus(ctx context.Context, id int64, status vigie.EntryStatus) (*vigie.BankEntry, error) {
	var e *vigie.BankEntry
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		seq, err := nextSeqs(ctx, tx, 1)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE bank_entries SET status = $1, seq = $2, updated_at = $3 WHERE id = $4`,
			string(status), seq, ms(s.db.now()), id)
		if err != nil {
			return fmt.Errorf("update entry: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return vigie.Errorf(vigie.ENOTFOUND, "no bank entry %d", id)
		}
		entries, err := queryEntries(ctx, tx, `WHERE id = $1`, id)
		if err != nil {
			return err
		}
		e = entries[0]
		_, err = appendAudit(ctx, s.db, tx, "bank.entry_status", entryObject(id),
			map[string]any{"bank": bankObject(e.BankID), "status": status})
		return err
	})
	return e, err
}

const entryColumns = `id, bank_id, signal, value, metadata, added_by, added_at, status, seq, updated_at`

// FindEntries returns entries in Seq order.
func (s *BankService) FindEntries(ctx context.Context, f vigie.EntryFilter) ([]*vigie.BankEntry, error) {
	var w filter
	w.eq("seq > ?", f.AfterSeq)
	if f.UpToSeq != 0 {
		w.eq("seq <= ?", f.UpToSeq)
	}
	if f.BankID != 0 {
		w.eq("bank_id = ?", f.BankID)
	}
	if f.Signal != "" {
		w.eq("signal = ?", string(f.Signal))
	}
	if f.Value != "" {
		w.eq("value = ?", f.Value)
	}
	if !f.IncludeInactive {
		w.raw("status = 'active'")
	}
	tail := w.clause() + " ORDER BY seq" + w.limit(f.Limit, 1000)
	if f.NoMetadata {
		return queryEntryHashes(ctx, s.db.read, tail, w.args...)
	}
	return queryEntries(ctx, s.db.read, tail, w.args...)
}

// queryEntryHashes reads entries without their metadata or times: decoding
// JSON for each of millions of rows would dominate loading the index.
func queryEntryHashes(ctx context.Context, q queryer, tail string, args ...any) ([]*vigie.BankEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, bank_id, signal, value, status, seq FROM bank_entries `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("query entries: %w", err)
	}
	defer rows.Close()
	var out []*vigie.BankEntry
	for rows.Next() {
		var e vigie.BankEntry
		if err := rows.Scan(&e.ID, &e.BankID, &e.Signal, &e.Value, &e.Status, &e.Seq); err != nil {
			return nil, fmt.Errorf("scan entry: %w", err)
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

// FindEntriesByID returns the entries with these ids.
func (s *BankService) FindEntriesByID(ctx context.Context, ids []int64) ([]*vigie.BankEntry, error) {
	var out []*vigie.BankEntry
	for start := 0; start < len(ids); start += entryBatch {
		batch := ids[start:min(start+entryBatch, len(ids))]
		marks := make([]string, len(batch))
		args := make([]any, len(batch))
		for i, id := range batch {
			marks[i], args[i] = "$"+strconv.Itoa(i+1), id
		}
		es, err := queryEntries(ctx, s.db.read, `WHERE id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}

func queryEntries(ctx context.Context, q queryer, tail string, args ...any) ([]*vigie.BankEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+entryColumns+` FROM bank_entries `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("query entries: %w", err)
	}
	defer rows.Close()
	var out []*vigie.BankEntry
	for rows.Next() {
		var e vigie.BankEntry
		var meta string
		var added, updated int64
		if err := rows.Scan(&e.ID, &e.BankID, &e.Signal, &e.Value, &meta, &e.AddedBy, &added, &e.Status, &e.Seq, &updated); err != nil {
			return nil, fmt.Errorf("scan entry: %w", err)
		}
		if err := json.Unmarshal([]byte(meta), &e.Metadata); err != nil {
			return nil, fmt.Errorf("entry %d metadata: %w", e.ID, err)
		}
		e.AddedAt, e.UpdatedAt = fromMS(added), fromMS(updated)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// MaxEntrySeq returns the sequence number of the latest change.
func (s *BankService) MaxEntrySeq(ctx context.Context) (int64, error) {
	var seq int64
	err := s.db.read.QueryRowContext(ctx, `SELECT seq FROM entry_seq WHERE id = 1`).Scan(&seq)
	return seq, err
}

func bankObject(id int64) string  { return "bank:" + strconv.FormatInt(id, 10) }
func entryObject(id int64) string { return "entry:" + strconv.FormatInt(id, 10) }

// EntryCount is how many entries of a bank have one signal type and status.
type EntryCount struct {
	Signal vigie.SignalType
	Status vigie.EntryStatus
	N      int
}

// CountEntries returns, per bank id, the number of entries by signal type
// and status.
func (db *DB) CountEntries(ctx context.Context) (map[int64][]EntryCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT bank_id, signal, status, count(*) FROM bank_entries GROUP BY bank_id, signal, status ORDER BY bank_id, signal, status`)
	if err != nil {
		return nil, fmt.Errorf("count entries: %w", err)
	}
	defer rows.Close()
	out := map[int64][]EntryCount{}
	for rows.Next() {
		var id int64
		var c EntryCount
		if err := rows.Scan(&id, &c.Signal, &c.Status, &c.N); err != nil {
			return nil, err
		}
		out[id] = append(out[id], c)
	}
	return out, rows.Err()
}
