// Package sqldb stores Vigie's data in SQLite (embedded, the default) or in
// PostgreSQL, from one code path: every statement is written once, with
// numbered placeholders that both drivers understand.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	vigie "github.com/vigie-hotline/vigie"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Dialect names the database engine behind a DB.
type Dialect string

// Dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. On SQLite, writes go through a single connection
// (SQLite allows one writer at a time, and a shared connection avoids
// SQLITE_BUSY) while reads use a pool; on PostgreSQL both are one pool.
type DB struct {
	// DSN is a postgres:// URL, or the path of the SQLite file.
	DSN string
	// ReadConns is the size of the SQLite read pool. Default 4.
	ReadConns int
	// ConnectTimeout bounds the first connection to PostgreSQL. Default 10 s.
	ConnectTimeout time.Duration
	Logger         *slog.Logger
	// Now returns the current time; tests replace it.
	Now func() time.Time

	dialect Dialect
	write   *sql.DB
	read    *sql.DB
	stmts   sync.Map // query → *sql.Stmt prepared on write
	rstmts  sync.Map // query → *sql.Stmt prepared on read
}

// NewDB returns a DB for dsn with defaults filled in; call Open next.
func NewDB(dsn string) *DB {
	return &DB{
		DSN:            dsn,
		ReadConns:      4,
		ConnectTimeout: 10 * time.Second,
		Logger:         slog.New(slog.DiscardHandler),
		Now:            time.Now,
	}
}

// IsPostgresDSN reports whether dsn names a PostgreSQL database.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to the database. It does not migrate: call Migrate.
func (db *DB) Open(ctx context.Context) error {
	if IsPostgresDSN(db.DSN) {
		return db.openPostgres(ctx)
	}
	return db.openSQLite(ctx)
}

func (db *DB) openSQLite(ctx context.Context) error {
	db.dialect = SQLite
	if dir := filepath.Dir(db.DSN); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create data folder: %w", err)
		}
	}
	// busy_timeout comes first so that the pragmas after it wait too.
	dsn := "file:" + db.DSN + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	// The writer gets a larger page cache and keeps statement journals in
	// memory: a bank import inserts random hashes into two indexes, and
	// with SQLite's 2 MiB default it reread and rewrote index pages for
	// every row; a multi-row INSERT also copies each page it changes to a
	// statement journal, a temporary file otherwise. The cache is an upper
	// bound, filled only by pages written.
	writeDSN := dsn + "&_pragma=cache_size(-262144)&_pragma=temp_store(MEMORY)"
	var err error
	if db.write, err = sql.Open("sqlite", writeDSN); err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("open sqlite %s: %w", db.DSN, err)
	}
	if db.read, err = sql.Open("sqlite", dsn+"&_pragma=query_only(1)"); err != nil {
		return fmt.Errorf("open sqlite reader: %w", err)
	}
	db.read.SetMaxOpenConns(db.ReadConns)
	db.read.SetMaxIdleConns(db.ReadConns)
	return nil
}

func (db *DB) openPostgres(ctx context.Context) error {
	db.dialect = Postgres
	cfg, err := pgx.ParseConfig(db.DSN)
	if err != nil {
		return vigie.Errorf(vigie.EINVALID, "invalid PostgreSQL URL: %v", err)
	}
	if db.write, err = sql.Open("pgx", db.DSN); err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	db.write.SetMaxOpenConns(20)
	db.read = db.write
	ctx, cancel := context.WithTimeout(ctx, db.ConnectTimeout)
	defer cancel()
	if err := db.write.PingContext(ctx); err != nil {
		db.write.Close()
		addr := net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port))
		return vigie.Errorf(vigie.EUNAVAILABLE, "cannot reach PostgreSQL at %s (database %q): %s",
			addr, cfg.Database, connectReason(err))
	}
	return nil
}

// connectReason shortens a driver's connection error to its cause.
func connectReason(err error) string {
	var netErr *net.OpError
	switch {
	case errors.As(err, &netErr):
		return netErr.Err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// Close closes the connections.
func (db *DB) Close() error {
	var errs []error
	for _, m := range []*sync.Map{&db.stmts, &db.rstmts} {
		m.Range(func(_, s any) bool {
			errs = append(errs, s.(*sql.Stmt).Close())
			return true
		})
	}
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// Dialect returns the engine, once Open has succeeded.
func (db *DB) Dialect() Dialect { return db.dialect }

// WriteDB returns the pool that writes go through. On SQLite it holds a
// single connection: share it (the job queue does) but never hold a
// transaction on it while waiting for another.
func (db *DB) WriteDB() *sql.DB { return db.write }

// ReadDB returns the pool for reads.
func (db *DB) ReadDB() *sql.DB { return db.read }

// BeginTx starts a write transaction.
func (db *DB) BeginTx(ctx context.Context) (*sql.Tx, error) {
	return db.write.BeginTx(ctx, nil)
}

// inTx runs fn in a write transaction and commits if it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// prepare prepares queries on the write pool, once each, and keeps them
// until Close; stmt then hands them to transactions. SQLite parses an
// unprepared statement on every run, and for the short statements of
// report intake parsing costs about as much as running them. Call it
// outside any transaction: on SQLite it needs the single writer.
func (db *DB) prepare(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		if _, ok := db.stmts.Load(q); ok {
			continue
		}
		s, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		if _, loaded := db.stmts.LoadOrStore(q, s); loaded {
			s.Close()
		}
	}
	return nil
}

// readStmt returns query prepared on the read pool, preparing it the first
// time. database/sql prepares it again on each connection of the pool that
// runs it, once. Only for a fixed set of queries: each is kept until Close.
func (db *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.rstmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if prev, loaded := db.rstmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// txStmts is a queryer that runs the statements prepared by DB.prepare as
// statements of tx, and any other query as tx would.
type txStmts struct {
	db *DB
	tx *sql.Tx
}

func (q txStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s, ok := q.db.stmts.Load(query); ok {
		return q.tx.StmtContext(ctx, s.(*sql.Stmt)).QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

func (q txStmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s, ok := q.db.stmts.Load(query); ok {
		return q.tx.StmtContext(ctx, s.(*sql.Stmt)).QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}

func (q txStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s, ok := q.db.stmts.Load(query); ok {
		return q.tx.StmtContext(ctx, s.(*sql.Stmt)).ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

// now returns the current time truncated to the stored precision.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Millisecond) }

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// isUniqueViolation reports whether err is a unique-constraint failure on
// either engine.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505")
}
