// Command pdq-bench compares `vigie hash` with Meta's reference
// pdq-photo-hasher on a generated, deterministic, photo-like JPEG corpus: CPU
// time per image (one thread each, in the same run) and the Hamming distance
// between their hashes. See README.md.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"image/jpeg"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vigie-hotline/vigie/pdq"
	"github.com/vigie-hotline/vigie/pdq/pdqtest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pdq-bench:", err)
		os.Exit(1)
	}
}

// corpus is one set of generated JPEGs.
type corpus struct {
	name string
	w, h int
}

// tool is a hasher under test: a command line and a parser for its output.
type tool struct {
	name  string
	args  []string
	env   []string
	parse func(io.Reader) (map[string]hashQ, error)
}

type hashQ struct {
	hash    pdq.Hash
	quality int
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pdq-bench", flag.ContinueOnError)
	work := fs.String("work", "bench/pdq/work", "folder for the corpus (reused when present)")
	n := fs.Int("n", 50, "images per size")
	quality := fs.Int("quality", 85, "JPEG quality of the corpus")
	vigies := fs.String("vigie", "", "comma-separated name=path of vigie binaries to time")
	ref := fs.String("ref", os.Getenv("PDQ_REF"), "path to the reference pdq-photo-hasher (default $PDQ_REF)")
	exact := fs.Bool("exact", false, "also time each vigie binary with --exact")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sets := []corpus{{"4000x3000", 4000, 3000}, {"1024x768", 1024, 768}}
	tools := vigieTools(*vigies, *exact)
	if *ref != "" {
		tools = append([]tool{refTool(*ref)}, tools...)
	}
	for _, c := range sets {
		files, err := generate(filepath.Join(*work, c.name), c, *n, *quality)
		if err != nil {
			return err
		}
		if err := compare(stdout, c, files, tools); err != nil {
			return err
		}
	}
	return nil
}

// generate writes n deterministic JPEGs of the set's size, or reuses them.
func generate(dir string, c corpus, n, q int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for i := range n {
		path := filepath.Join(dir, fmt.Sprintf("photo-%03d-q%d.jpg", i, q))
		files = append(files, path)
		if _, err := os.Stat(path); err == nil {
			continue
		}
		var b bytes.Buffer
		if err := jpeg.Encode(&b, pdqtest.Photo(uint64(1000+i), c.w, c.h), &jpeg.Options{Quality: q}); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			return nil, err
		}
	}
	return files, nil
}

func refTool(path string) tool {
	return tool{
		name: "reference",
		args: []string{path},
		// One thread: ImageMagick (run by the reference for each file)
		// would otherwise use OpenMP threads.
		env:   []string{"MAGICK_THREAD_LIMIT=1", "OMP_NUM_THREADS=1"},
		parse: parseRef,
	}
}

func vigieTools(spec string, exact bool) []tool {
	var out []tool
	for _, s := range strings.Split(spec, ",") {
		name, path, ok := strings.Cut(s, "=")
		if !ok {
			continue
		}
		out = append(out, tool{name: name, args: []string{path, "hash", "-j", "1"}, env: []string{"GOMAXPROCS=1"}, parse: parseVigie})
		if exact {
			out = append(out, tool{name: name + " --exact", args: []string{path, "hash", "-j", "1", "--exact"}, env: []string{"GOMAXPROCS=1"}, parse: parseVigie})
		}
	}
	return out
}

// compare runs every tool on files and prints one line per tool.
func compare(w io.Writer, c corpus, files []string, tools []tool) error {
	fmt.Fprintf(w, "\n%s, %d JPEGs\n", c.name, len(files))
	fmt.Fprintf(w, "%-22s %10s %10s %8s %14s %14s\n", "tool", "CPU ms/img", "wall ms/img", "speed-up", "mean dist", "max dist")
	var refOut map[string]hashQ
	var refCPU float64
	for i, t := range tools {
		cpu, wall, out, err := timeTool(t, files)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		if len(out) != len(files) {
			return fmt.Errorf("%s hashed %d of %d files", t.name, len(out), len(files))
		}
		perImg := cpu.Seconds() * 1000 / float64(len(files))
		line := fmt.Sprintf("%-22s %10.1f %10.1f", t.name, perImg, wall.Seconds()*1000/float64(len(files)))
		if i == 0 && t.name == "reference" {
			refOut, refCPU = out, perImg
			fmt.Fprintln(w, line)
			continue
		}
		if refOut == nil {
			fmt.Fprintln(w, line)
			continue
		}
		mean, maxd, n := distances(refOut, out)
		fmt.Fprintf(w, "%s %7.1f× %8.2f (n=%d) %8d\n", line, refCPU/perImg, mean, n, maxd)
	}
	return nil
}

// timeTool runs t on files and returns the CPU time (user+system) of the
// process and every descendant it waited for, the wall time and the
// hashes by file.
func timeTool(t tool, files []string) (time.Duration, time.Duration, map[string]hashQ, error) {
	before := childrenCPU()
	start := time.Now()
	cmd := exec.Command(t.args[0], append(t.args[1:], files...)...)
	cmd.Env = append(os.Environ(), t.env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.Output()
	wall := time.Since(start)
	if err != nil {
		return 0, 0, nil, err
	}
	out, err := t.parse(bytes.NewReader(stdout))
	return childrenCPU() - before, wall, out, err
}

func childrenCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// parseRef reads the reference's "hash,quality,file" lines.
func parseRef(r io.Reader) (map[string]hashQ, error) {
	return parseLines(r, func(line string) (string, string, string, bool) {
		parts := strings.SplitN(line, ",", 3)
		if len(parts) != 3 {
			return "", "", "", false
		}
		return parts[2], parts[0], parts[1], true
	})
}

// parseVigie reads `vigie hash` TSV lines: pdq quality md5 sha1 sha256 path.
func parseVigie(r io.Reader) (map[string]hashQ, error) {
	return parseLines(r, func(line string) (string, string, string, bool) {
		cols := strings.Split(line, "\t")
		if len(cols) < 6 {
			return "", "", "", false
		}
		return cols[len(cols)-1], cols[0], cols[1], true
	})
}

func parseLines(r io.Reader, split func(string) (file, hash, q string, ok bool)) (map[string]hashQ, error) {
	out := map[string]hashQ{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		file, hs, qs, ok := split(sc.Text())
		if !ok {
			return nil, fmt.Errorf("unexpected line %q", sc.Text())
		}
		h, err := pdq.ParseHash(hs)
		if err != nil {
			return nil, err
		}
		q, err := strconv.Atoi(qs)
		if err != nil {
			return nil, err
		}
		// Keyed by base name: vigie and the reference may spell the
		// same path differently (relative, absolute).
		out[filepath.Base(file)] = hashQ{h, q}
	}
	return out, sc.Err()
}

// distances returns the mean and maximum distance from the reference over
// the files whose reference quality is at least pdq.MinQuality.
func distances(ref, got map[string]hashQ) (float64, int, int) {
	var ds []int
	for f, r := range ref {
		g, ok := got[f]
		if !ok || r.quality < pdq.MinQuality {
			continue
		}
		ds = append(ds, pdq.Distance(r.hash, g.hash))
	}
	if len(ds) == 0 {
		return 0, 0, 0
	}
	sort.Ints(ds)
	sum := 0
	for _, d := range ds {
		sum += d
	}
	return float64(sum) / float64(len(ds)), ds[len(ds)-1], len(ds)
}
