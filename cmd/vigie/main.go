// Command vigie runs Vigie: the web service and its background work
// (`vigie serve`), and the administration commands around it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
	vigie "github.com/vigie-hotline/vigie"
	"github.com/vigie-hotline/vigie/jobs"
	"github.com/vigie-hotline/vigie/sqldb"
	"github.com/vigie-hotline/vigie/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	os.Exit(m.Main(ctx, os.Args[1:]))
}

// Main is the program. Tests build one, call ParseFlags and Run with their
// own arguments, and Close it, so they exercise the real wiring.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	CLI            CLI

	// Set up by the commands that need them.
	Logger *slog.Logger
	DB     *sqldb.DB
	Jobs   *jobs.Runner
	Server *web.Server

	ctx    context.Context
	kctx   *kong.Context
	closed []func() error
}

// NewMain returns a Main that talks to the process's standard streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// UsageError is a mistake in the command line or the configuration; the
// program exits with status 2 for it.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// errHelp reports that --help printed the help and nothing else is to run.
var errHelp = errors.New("help printed")

// exitPanic carries kong's request to exit out of its parser.
type exitPanic int

// ParseFlags reads the command line, the environment and the configuration
// file. Mistakes in any of them are returned as *UsageError.
func (m *Main) ParseFlags(ctx context.Context, args []string) (err error) {
	m.ctx = ctx
	resolver, err := configResolver(args, os.Getenv)
	if err != nil {
		return &UsageError{Err: err}
	}
	opts := []kong.Option{
		kong.Name("vigie"),
		kong.Description("Vigie helps hotlines find, assess and remove child sexual abuse material on the web.\n\nStart with `vigie serve`: it creates ./vigie-data, an embedded database and an administrator account."),
		kong.Writers(m.Stdout, m.Stderr),
		kong.Exit(func(code int) { panic(exitPanic(code)) }),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, Summary: true}),
		kong.Vars{"version": vigie.Version},
	}
	if resolver != nil {
		opts = append(opts, kong.Resolvers(resolver))
	}
	parser, err := kong.New(&m.CLI, opts...)
	if err != nil {
		return err
	}
	defer func() {
		if v := recover(); v != nil {
			code, ok := v.(exitPanic)
			if !ok {
				panic(v)
			}
			if code == 0 {
				err = errHelp
			} else if err == nil {
				err = &UsageError{Err: errors.New("invalid command line")}
			}
		}
	}()
	m.kctx, err = parser.Parse(args)
	if err != nil {
		return &UsageError{Err: err}
	}
	return nil
}

// Run runs the chosen command. For `serve` it returns once the server is
// listening; Close stops it.
func (m *Main) Run(ctx context.Context) error {
	m.ctx = ctx
	m.Logger = newLogger(m.Stderr, m.CLI.LogLevel)
	return m.kctx.Run(m)
}

// Close releases what Run opened, in reverse order.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closed) - 1; i >= 0; i-- {
		errs = append(errs, m.closed[i]())
	}
	m.closed = nil
	return errors.Join(errs...)
}

func (m *Main) onClose(fn func() error) { m.closed = append(m.closed, fn) }

// Main runs the program with args and returns the exit status: 0 on
// success, 1 when the command failed, 2 for a usage mistake.
func (m *Main) Main(ctx context.Context, args []string) int {
	if err := m.ParseFlags(ctx, args); errors.Is(err, errHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintf(m.Stderr, "vigie: %v\n", err)
		var ue *UsageError
		if errors.As(err, &ue) {
			fmt.Fprintln(m.Stderr, "Run `vigie --help` for usage.")
			return 2
		}
		return 1
	}
	err := m.Run(ctx)
	if err == nil && m.Server != nil {
		<-ctx.Done() // serve until interrupted
		fmt.Fprintln(m.Stderr, "vigie: stopping")
	}
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(m.Stderr, "vigie: %s\n", errorText(err))
		return 1
	}
	return 0
}

// errorText is what the person at the terminal reads: the safe message of a
// domain error, or the error itself (no stack trace, ever).
func errorText(err error) string {
	var e *vigie.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
