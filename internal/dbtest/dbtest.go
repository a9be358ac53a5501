// Package dbtest opens throwaway databases for tests: a SQLite file in a
// temporary folder, and, when VIGIE_TEST_POSTGRES holds the URL of a
// PostgreSQL server, a fresh database on it that is dropped afterwards.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigie-hotline/vigie/sqldb"
)

// PostgresEnv is the variable that holds the URL of a PostgreSQL server for
// tests. The test command sets it; storage tests then run on both engines.
const PostgresEnv = "VIGIE_TEST_POSTGRES"

// Backend is a database engine a test body runs against.
type Backend struct {
	Name string
	// DSN returns a new, empty database's DSN for each call.
	DSN func(tb testing.TB) string
}

// Backends returns SQLite, and PostgreSQL when VIGIE_TEST_POSTGRES is set.
func Backends() []Backend {
	bs := []Backend{{Name: "sqlite", DSN: SQLiteDSN}}
	if os.Getenv(PostgresEnv) != "" {
		bs = append(bs, Backend{Name: "postgres", DSN: PostgresDSN})
	}
	return bs
}

// Run runs fn as a subtest once per backend.
func Run(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.DSN(t)) })
	}
}

// SQLiteDSN returns the path of a new SQLite file in a temporary folder.
func SQLiteDSN(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(tb.TempDir(), "vigie.db")
}

// PostgresDSN creates an empty database on the server named by
// VIGIE_TEST_POSTGRES and returns its URL; the database is dropped when the
// test ends.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		tb.Fatalf("%s is not set", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	name := "vigie_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// MustOpenDB opens and migrates a database at dsn, closed when the test ends.
func MustOpenDB(tb testing.TB, dsn string) *sqldb.DB {
	tb.Helper()
	db := sqldb.NewDB(dsn)
	if err := db.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}
