package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"

	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/jobs"
	"github.com/vigie-hotline/vigie/sqldb"
)

// CLI is the command line. Global flags come first; each command is a
// struct with a Run method.
type CLI struct {
	Data     string `help:"Folder for Vigie's data: the embedded database, keys and quarantine." default:"./vigie-data" env:"VIGIE_DATA" placeholder:"DIR"`
	DB       string `name:"db" help:"PostgreSQL URL (postgres://user:pass@host:5432/vigie). Empty: an embedded SQLite database in the data folder." env:"VIGIE_DB" placeholder:"URL"`
	Config   string `help:"Configuration file of 'key = value' lines, keys named like the long flags (addr = 0.0.0.0:8080)." env:"VIGIE_CONFIG" type:"path" placeholder:"FILE"`
	LogLevel string `help:"Log level: debug, info, warn or error." default:"info" env:"VIGIE_LOG_LEVEL" enum:"debug,info,warn,error"`

	Serve    ServeCmd    `cmd:"" help:"Run the web service and the background work."`
	Migrate  MigrateCmd  `cmd:"" help:"Create or update the database schema, then exit."`
	User     UserCmd     `cmd:"" help:"Manage accounts: add, list, passwd, disable, enable, role, reset-totp."`
	APIKey   APIKeyCmd   `cmd:"" name:"apikey" help:"Manage partner API keys: add, list, revoke."`
	Audit    AuditCmd    `cmd:"" help:"Read and verify the hash-chained audit log."`
	Bank     BankCmd     `cmd:"" help:"Manage hash banks: create, list, show, disable, enable, import, export."`
	Match    MatchCmd    `cmd:"" help:"Look images or hashes up in the banks and print every match."`
	Scrub    ScrubCmd    `cmd:"" help:"Remove location and device metadata (GPS, camera, XMP, IPTC) from JPEG, PNG and WebP photos without re-encoding them."`
	Guardian GuardianCmd `cmd:"" help:"Parents' tools: fingerprint photos on this computer into a file to submit on the /guardian page."`
	Provider ProviderCmd `cmd:"" help:"Hosting provider directory (abuse contacts): import a CSV, list."`
	Partner  PartnerCmd  `cmd:"" help:"Partner hotlines abroad: import a CSV, list."`
	IPDB     IPDBCmd     `cmd:"" name:"ipdb" help:"IP databases for hosting traces: import the open ASN data, trace a URL."`
	Bench    BenchCmd    `cmd:"" help:"Built-in benchmarks."`
	Version  VersionCmd  `cmd:"" help:"Print the version."`
	Hash     HashCmd     `cmd:"" help:"Print the PDQ, MD5, SHA-1 and SHA-256 of image files or folders."`
}

// dsn returns the database to open: --db, or the SQLite file in --data.
func (c *CLI) dsn() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.Data, "vigie.db")
}

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints the version.
func (c *VersionCmd) Run(m *Main) error {
	fmt.Fprintf(m.Stdout, "vigie %s\n", vigie.Version)
	return nil
}

// MigrateCmd applies the migrations.
type MigrateCmd struct{}

// Run applies the migrations and prints the schema version.
func (c *MigrateCmd) Run(m *Main) error {
	if err := m.openDB(); err != nil {
		return err
	}
	cur, _, err := m.DB.SchemaVersion(m.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "database schema at version %d (%s)\n", cur, m.DB.Dialect())
	return nil
}

// openDB opens and migrates the database, and the job tables with it, so
// that every command works on a fresh data folder.
func (m *Main) openDB() error {
	db := sqldb.NewDB(m.CLI.dsn())
	db.Logger = m.Logger.With("component", "sqldb")
	if err := db.Open(m.ctx); err != nil {
		return err
	}
	m.DB = db
	m.onClose(db.Close)
	if _, err := db.Migrate(m.ctx); err != nil {
		return err
	}
	m.Jobs = jobs.NewRunner(db.WriteDB(), m.postgresDSN())
	m.Jobs.Logger = m.Logger.With("component", "jobs")
	return m.Jobs.Migrate(m.ctx)
}

func (m *Main) postgresDSN() string {
	if m.DB.Dialect() == sqldb.Postgres {
		return m.CLI.DB
	}
	return ""
}

// cliActor names the person at the terminal in the audit log.
func cliActor() string {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	host, _ := os.Hostname()
	return "cli:" + name + "@" + host
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }
