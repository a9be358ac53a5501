package sqldb

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	vigie "github.com/vigie-hotline/vigie"
)

//go:embed migrations
var migrations embed.FS

func (db *DB) provider() (*goose.Provider, error) {
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
	if db.dialect == Postgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, db.write, fsys)
}

// SchemaVersion returns the version the database is at and the newest
// version this binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, 0, err
	}
	if current, err = p.GetDBVersion(ctx); err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		latest = srcs[len(srcs)-1].Version
	}
	return current, latest, nil
}

// Migrate applies the migrations this binary has and the database lacks. It
// refuses a database whose schema is newer than the binary, which an older
// binary would corrupt.
func (db *DB) Migrate(ctx context.Context) (applied int, err error) {
	current, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	if current > latest {
		return 0, vigie.Errorf(vigie.ECONFLICT,
			"the database schema is at version %d, newer than this vigie binary knows (%d): run a newer vigie, or restore a matching backup", current, latest)
	}
	p, err := db.provider()
	if err != nil {
		return 0, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		db.Logger.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return len(results), nil
}
