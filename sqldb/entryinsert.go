package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	vigie "github.com/vigie-hotline/vigie"
)

// entryColumnCount is the number of values insertEntries binds per entry.
const entryColumnCount = 9

// rowsPerInsert returns how many entries one INSERT carries. Fewer,
// larger statements save a round trip (PostgreSQL) or a statement step
// (SQLite) per row; past these sizes the gain was lost in noise when
// measured (see bench/lookup/README.md). PostgreSQL allows 65,535
// parameters a statement, SQLite 32,766.
func rowsPerInsert(d Dialect) int {
	if d == Postgres {
		return 500
	}
	return 100
}

// entryInsertSQL returns an INSERT of n entries that skips those already in
// their bank and returns the id and seq of each row it inserted. SQLite gets
// anonymous parameters (?): it looks a numbered one ($N) up by a linear
// search on every bind, which made a 50-row statement spend most of its
// time finding its own parameters.
func entryInsertSQL(d Dialect, n int) string {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO bank_entries (bank_id, signal, value, metadata, added_by, added_at, status, seq, updated_at) VALUES `)
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		if d == SQLite {
			sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			continue
		}
		sb.WriteByte('(')
		for c := range entryColumnCount {
			if c > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "$%d", i*entryColumnCount+c+1)
		}
		sb.WriteByte(')')
	}
	sb.WriteString(` ON CONFLICT (bank_id, signal, value) DO NOTHING RETURNING id, seq`)
	return sb.String()
}

// insertEntries inserts entries, skipping those already in the bank, and
// sets BankID, Seq and times on every entry and ID on those inserted. It
// returns how many were inserted. Entries get consecutive sequence numbers
// in their order, reserved in one step; a skipped entry leaves its number
// unused, which followers do not mind.
func (s *BankService) insertEntries(ctx context.Context, tx *sql.Tx, bankID int64, entries []*vigie.BankEntry, now time.Time) (int, error) {
	if len(entries) == 0 {
		return 0, nil
	}
	first, err := nextSeqs(ctx, tx, len(entries))
	if err != nil {
		return 0, err
	}
	for i, e := range entries {
		if e.Status == "" {
			e.Status = vigie.EntryActive
		}
		if e.AddedBy == "" {
			e.AddedBy = vigie.ActorFromContext(ctx)
		}
		e.BankID, e.Seq, e.AddedAt, e.UpdatedAt = bankID, first+int64(i), now, now
	}
	ins := &entryInserter{dialect: s.db.dialect, tx: tx, first: first, entries: entries, stmts: map[int]*sql.Stmt{}}
	defer ins.close()
	added := 0
	for start, per := 0, rowsPerInsert(s.db.dialect); start < len(entries); start += per {
		n, err := ins.insert(ctx, entries[start:min(start+per, len(entries))])
		if err != nil {
			return added, err
		}
		added += n
	}
	return added, nil
}

// entryInserter runs the INSERTs of one insertEntries call. It prepares
// each statement size once (a full one and the tail) and reuses its
// argument slice, since an import runs it millions of times.
type entryInserter struct {
	dialect Dialect
	tx      *sql.Tx
	first   int64 // Seq of entries[0]
	entries []*vigie.BankEntry
	stmts   map[int]*sql.Stmt // by row count
	args    []any
}

// insert stores batch, a slice of ins.entries, in one statement and sets
// the ID of each entry inserted.
func (ins *entryInserter) insert(ctx context.Context, batch []*vigie.BankEntry) (int, error) {
	stmt, err := ins.stmt(ctx, len(batch))
	if err != nil {
		return 0, err
	}
	ins.args = ins.args[:0]
	for _, e := range batch {
		meta, err := encodeMetadata(e.Metadata)
		if err != nil {
			return 0, err
		}
		at := ms(e.AddedAt)
		ins.args = append(ins.args, e.BankID, string(e.Signal), e.Value, meta, e.AddedBy, at, string(e.Status), e.Seq, at)
	}
	rows, err := stmt.QueryContext(ctx, ins.args...)
	if err != nil {
		return 0, fmt.Errorf("insert entries: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return 0, fmt.Errorf("scan inserted entry: %w", err)
		}
		// Seq identifies the entry: values repeated within the batch
		// share a key but not a sequence number.
		if i := seq - ins.first; i >= 0 && i < int64(len(ins.entries)) {
			ins.entries[i].ID = id
		}
		n++
	}
	return n, rows.Err()
}

// stmt returns the INSERT of n rows, prepared in the transaction.
func (ins *entryInserter) stmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if s := ins.stmts[n]; s != nil {
		return s, nil
	}
	s, err := ins.tx.PrepareContext(ctx, entryInsertSQL(ins.dialect, n))
	if err != nil {
		return nil, fmt.Errorf("prepare entry insert: %w", err)
	}
	ins.stmts[n] = s
	return s, nil
}

// close releases the prepared statements.
func (ins *entryInserter) close() {
	for _, s := range ins.stmts {
		s.Close()
	}
}

// encodeMetadata encodes an entry's metadata; most imported entries have
// none, and encoding an empty map costs more than the rest of the row.
func encodeMetadata(m map[string]any) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return "", vigie.Errorf(vigie.EINVALID, "entry metadata: %v", err)
	}
	return string(raw), nil
}

// nextSeqs reserves n sequence numbers and returns the first. The row lock
// on entry_seq, held to commit, orders writers, so sequence order is commit
// order and a follower reading "after N" never skips a late commit.
func nextSeqs(ctx context.Context, tx *sql.Tx, n int) (int64, error) {
	var last int64
	if err := tx.QueryRowContext(ctx, `UPDATE entry_seq SET seq = seq + $1 WHERE id = 1 RETURNING seq`, n).Scan(&last); err != nil {
		return 0, fmt.Errorf("entry sequence: %w", err)
	}
	return last - int64(n) + 1, nil
}
