package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/vigie-hotline/vigie/fingerprint"
)

// HashCmd is `vigie hash`: it prints the PDQ, MD5, SHA-1 and SHA-256 of
// image files, to compare with other PDQ tools or to build hash lists.
type HashCmd struct {
	JSON     bool     `help:"Print one JSON object per line (keys path, pdq, quality, md5, sha1, sha256, width, height, format) instead of tab-separated values."`
	Dihedral bool     `help:"Add the 8 dihedral PDQ hashes in the reference's order (orig, rot90, rot180, rot270, flipx, flipy, flipplus1, flipminus1): key pdq_dihedral in JSON, 8 columns before the path in TSV."`
	Exact    bool     `help:"Decode JPEGs at full resolution to RGB, as Meta's reference does, instead of straight to reduced luminance."`
	Jobs     int      `short:"j" default:"0" help:"Files hashed in parallel; 0 means one per CPU."`
	Paths    []string `arg:"" name:"path" help:"Files, or folders to walk recursively. Paths are printed as given."`
}

// Run hashes the files and writes one line per file to m.Stdout. Failures
// go to m.Stderr (TSV) or into an "error" key (JSON); the others carry on,
// and Run returns an error if any file failed.
func (c *HashCmd) Run(m *Main) error {
	ctx := m.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	return c.run(ctx, m.Stdout, m.Stderr)
}

// hashLine is one JSON output line.
type hashLine struct {
	Path        string     `json:"path"`
	PDQ         string     `json:"pdq,omitempty"`
	Quality     *int       `json:"quality,omitempty"`
	MD5         string     `json:"md5,omitempty"`
	SHA1        string     `json:"sha1,omitempty"`
	SHA256      string     `json:"sha256,omitempty"`
	Width       int        `json:"width,omitempty"`
	Height      int        `json:"height,omitempty"`
	Format      string     `json:"format,omitempty"`
	PDQDihedral *[8]string `json:"pdq_dihedral,omitempty"`
	Error       string     `json:"error,omitempty"`
}

// hashed is the outcome for the file at index i of the walk.
type hashed struct {
	i    int
	path string
	res  fingerprint.Result
	err  error
}

func (c *HashCmd) run(ctx context.Context, stdout, stderr io.Writer) error {
	paths, walkErrs := collect(c.Paths)
	for _, err := range walkErrs {
		fmt.Fprintf(stderr, "vigie hash: %v\n", err)
	}
	results := c.hashAll(ctx, paths)
	bar := newLazyBar(stderr, len(paths))
	failed := len(walkErrs)
	for r := range inOrder(results) {
		bar.add()
		if r.err != nil {
			failed++
		}
		if err := c.print(stdout, stderr, r); err != nil {
			return err
		}
	}
	bar.finish()
	if failed > 0 {
		return fmt.Errorf("%d of %d files failed", failed, len(paths)+len(walkErrs))
	}
	return nil
}

// collect expands folders into the regular files below them, in lexical
// order, and reports paths that cannot be read.
func collect(args []string) ([]string, []error) {
	var paths []string
	var errs []error
	for _, arg := range args {
		err := filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			if d.Type().IsRegular() {
				paths = append(paths, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return paths, errs
}

// hashAll fingerprints paths on c.Jobs workers, each with its own Hasher.
func (c *HashCmd) hashAll(ctx context.Context, paths []string) <-chan hashed {
	jobs := c.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	todo := make(chan int)
	out := make(chan hashed, jobs)
	go func() {
		defer close(todo)
		for i := range paths {
			todo <- i
		}
	}()
	var wg sync.WaitGroup
	for range jobs {
		wg.Go(func() {
			h := fingerprint.Hasher{Options: fingerprint.Options{Exact: c.Exact}}
			for i := range todo {
				res, err := h.File(ctx, paths[i])
				out <- hashed{i: i, path: paths[i], res: res, err: err}
			}
		})
	}
	go func() { wg.Wait(); close(out) }()
	return out
}

// inOrder re-sequences results by index, so the output follows the walk
// whatever the number of workers.
func inOrder(in <-chan hashed) func(func(hashed) bool) {
	return func(yield func(hashed) bool) {
		pending := map[int]hashed{}
		next := 0
		for r := range in {
			pending[r.i] = r
			for {
				p, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				if !yield(p) {
					for range in { // let the workers finish
					}
					return
				}
			}
		}
	}
}

func (c *HashCmd) print(stdout, stderr io.Writer, r hashed) error {
	if c.JSON {
		return json.NewEncoder(stdout).Encode(c.jsonLine(r))
	}
	if r.err != nil {
		_, err := fmt.Fprintf(stderr, "vigie hash: %s: %v\n", r.path, r.err)
		return err
	}
	cols := []string{r.res.PDQ.String(), fmt.Sprint(r.res.Quality), r.res.MD5, r.res.SHA1, r.res.SHA256}
	if c.Dihedral {
		for _, h := range r.res.Dihedral {
			cols = append(cols, h.String())
		}
	}
	cols = append(cols, r.path)
	_, err := fmt.Fprintln(stdout, strings.Join(cols, "\t"))
	return err
}

func (c *HashCmd) jsonLine(r hashed) hashLine {
	l := hashLine{Path: r.path, MD5: r.res.MD5, SHA1: r.res.SHA1, SHA256: r.res.SHA256, Format: string(r.res.Format)}
	if r.err != nil {
		l.Error = r.err.Error()
		return l
	}
	q := r.res.Quality
	l.PDQ, l.Quality, l.Width, l.Height = r.res.PDQ.String(), &q, r.res.Width, r.res.Height
	if c.Dihedral {
		var d [8]string
		for k, h := range r.res.Dihedral {
			d[k] = h.String()
		}
		l.PDQDihedral = &d
	}
	return l
}

// lazyBar is a progress bar on a terminal's stderr that appears only once
// the work has taken longer than progressDelay, so short runs and pipes stay
// clean (progressbar writes \r frames into pipes otherwise).
type lazyBar struct {
	w     io.Writer
	tty   bool
	total int
	done  int
	start time.Time
	bar   *progressbar.ProgressBar
}

const progressDelay = time.Second

func newLazyBar(w io.Writer, total int) *lazyBar {
	f, ok := w.(*os.File)
	return &lazyBar{w: w, tty: ok && term.IsTerminal(int(f.Fd())), total: total, start: time.Now()}
}

func (b *lazyBar) add() {
	b.done++
	if !b.tty {
		return
	}
	if b.bar == nil && time.Since(b.start) > progressDelay && b.done < b.total {
		b.bar = progressbar.NewOptions(b.total,
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription("hashing"),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
		_ = b.bar.Set(b.done - 1)
	}
	if b.bar != nil {
		_ = b.bar.Add(1)
	}
}

func (b *lazyBar) finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
	}
}
