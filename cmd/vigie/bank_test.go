package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-hotline/vigie/internal/dbtest"
)

// childArgsEnv makes the test binary run vigie itself with the arguments it
// holds (a JSON array): a second, real process for the tests that need two.
const childArgsEnv = "VIGIE_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if raw := os.Getenv(childArgsEnv); raw != "" {
		var args []string
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			panic(err)
		}
		os.Exit(NewMain().Main(context.Background(), args))
	}
	os.Exit(m.Run())
}

// runProcess runs vigie with args in a separate process.
func runProcess(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	raw, _ := json.Marshal(args)
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(raw))
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// writePNG writes a deterministic synthetic image (blocks and noise) and
// returns its path.
func writePNG(t *testing.T, dir string, seed uint64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	img := image.NewRGBA(image.Rect(0, 0, 200, 150))
	for y := range 150 {
		for x := range 200 {
			v := uint8((x/25*37+y/25*91)*int(seed+3)%200) + uint8(rng.IntN(40))
			img.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	p := filepath.Join(dir, fmt.Sprintf("img-%d.png", seed))
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	pdq1 = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	pdq2 = "30a10efd71cc3d429013d48d0ffffc52e34e0e17ada952a9d29685211ea9e5af"
	md51 = "d41d8cd98f00b204e9800998ecf8427e"
)

func TestBankCommands(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		args := dbArgs(t, dsn)
		dir := t.TempDir()
		vigie := func(more ...string) (int, string, string) {
			return run(t, "", append(append([]string{}, args...), more...)...)
		}
		ok := func(code int, out, errs string) string {
			t.Helper()
			if code != 0 {
				t.Fatalf("exit %d: %s%s", code, out, errs)
			}
			return out
		}
		ok(vigie("bank", "create", "ncmec", "--source", "NCMEC"))
		ok(vigie("bank", "create", "copy"))
		ok(vigie("bank", "create", "families", "--kind", "family"))

		list := filepath.Join(dir, "list.txt")
		os.WriteFile(list, []byte("pdq "+pdq1+"\nvideo_md5 "+md51+"\npdq 1234\ntmk "+pdq2+"\npdq "+strings.ToUpper(pdq2)+"\n"), 0o600)
		t.Run("ImportReportsBadLines", func(t *testing.T) {
			code, out, errs := vigie("bank", "import", "ncmec", list)
			if code != 1 {
				t.Fatalf("exit %d, want 1 for bad lines", code)
			}
			if !strings.Contains(out, "3 entries added") || !strings.Contains(out, "2 bad lines") {
				t.Fatalf("summary: %q", out)
			}
			for _, want := range []string{"list.txt:3:", "list.txt:4:"} {
				if !strings.Contains(errs, want) {
					t.Fatalf("stderr %q lacks %q", errs, want)
				}
			}
			show := ok(vigie("bank", "show", "ncmec"))
			if !regexp.MustCompile(`pdq\s+active\s+2`).MatchString(show) || !regexp.MustCompile(`md5\s+active\s+1`).MatchString(show) {
				t.Fatalf("show:\n%s", show)
			}
		})
		for _, format := range []string{"te", "te-csv", "hma-json", "jsonl"} {
			t.Run("RoundTrip/"+format, func(t *testing.T) {
				file := filepath.Join(dir, "export."+format)
				ok(vigie("bank", "export", "ncmec", "--format", format, "-o", file))
				target := "rt-" + strings.ReplaceAll(format, "-", "")
				ok(vigie("bank", "create", target))
				out := ok(vigie("bank", "import", target, file))
				if !strings.Contains(out, "3 entries added") {
					t.Fatalf("re-import: %s", out)
				}
				a := ok(vigie("bank", "export", "ncmec", "--format", "te"))
				b := ok(vigie("bank", "export", target, "--format", "te"))
				if a != b {
					t.Fatalf("round trip through %s changed the list:\n%s\nvs\n%s", format, a, b)
				}
			})
		}
		t.Run("ErrFamilyNeverExported", func(t *testing.T) {
			code, _, errs := vigie("bank", "export", "families", "--format", "te")
			if code != 1 || !strings.Contains(errs, "never exported") {
				t.Fatalf("exit %d: %s", code, errs)
			}
		})
		t.Run("MatchHashes", func(t *testing.T) {
			near := []byte(pdq1)
			near[0] = '0' // f → 0: four bits
			out := ok(vigie("match", string(near), md51, "sha256:"+strings.Repeat("ab", 32)))
			if !regexp.MustCompile(`(?m)^` + string(near) + `\tncmec\t\d+\tpdq\t4\t`).MatchString(out) {
				t.Fatalf("no PDQ match at distance 4:\n%s", out)
			}
			if !strings.Contains(out, md51+"\tncmec") {
				t.Fatalf("no MD5 match:\n%s", out)
			}
		})
		t.Run("MatchImage", func(t *testing.T) {
			img := writePNG(t, dir, 7)
			code, hashOut, _ := vigie("hash", "--json", img)
			var h struct{ PDQ string }
			if code != 0 || json.Unmarshal([]byte(hashOut), &h) != nil {
				t.Fatalf("hash: %d %s", code, hashOut)
			}
			tl := filepath.Join(dir, "img.txt")
			os.WriteFile(tl, []byte("pdq "+h.PDQ+"\n"), 0o600)
			ok(vigie("bank", "import", "copy", tl))
			out := ok(vigie("match", "--json", "--bank", "copy", img))
			var line matchLine
			if err := json.Unmarshal([]byte(out), &line); err != nil || len(line.Matches) != 1 || line.Matches[0].Distance != 0 {
				t.Fatalf("match: %s", out)
			}
		})
	})
}

// TestIndexFollowsOtherProcess serves lookups from one process while
// another process imports a hash list into the same database; the running
// server must match the new entries without a restart.
func TestIndexFollowsOtherProcess(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, dsn string) {
		args := dbArgs(t, dsn)
		for _, cmd := range [][]string{{"bank", "create", "ncmec"}, {"user", "add", "platform", "--role", "partner"}} {
			if code, out, errs := run(t, "", append(args, cmd...)...); code != 0 {
				t.Fatalf("%v: %s%s", cmd, out, errs)
			}
		}
		_, out, _ := run(t, "", append(args, "apikey", "add", "platform", "--name", "test")...)
		key := regexp.MustCompile(`vigie_[a-z0-9]+`).FindString(out)
		m, _ := MustRunServe(t, args...)

		lookup := func() string {
			req, _ := http.NewRequest("GET", m.Server.URL()+"/m/lookup?signal_type=pdq&signal="+pdq2, nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			return buf.String()
		}
		if got := lookup(); got != "{}\n" {
			t.Fatalf("before the import: %q", got)
		}
		list := filepath.Join(t.TempDir(), "l.txt")
		os.WriteFile(list, []byte("pdq "+pdq2+"\n"), 0o600)
		if code, out := runProcess(t, append(args, "bank", "import", "ncmec", list)...); code != 0 {
			t.Fatalf("import in another process: exit %d: %s", code, out)
		}
		deadline := time.Now().Add(15 * time.Second)
		for !strings.Contains(lookup(), `"ncmec":[{"bank_content_id"`) {
			if time.Now().After(deadline) {
				t.Fatalf("the server never matched the entry imported by another process: %q", lookup())
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestDirectoryImport imports a provider CSV with bad lines: the good ones
// are stored, the bad ones reported by line number.
func TestDirectoryImport(t *testing.T) {
	data := t.TempDir()
	f := filepath.Join(t.TempDir(), "providers.csv")
	os.WriteFile(f, []byte("name,asns,domains,abuse_email,lang,country,notes\nExampleHost,AS64500,example.net,abuse@example.net,fr,FR,\nBroken,64501,,nobody,en,DE,\nCDN,13335,,abuse@cdn.example,en,,\n"), 0o600)
	code, out, errs := run(t, "", "--data", data, "provider", "import", f)
	if code != 1 || !strings.Contains(out, "2 entries imported, 1 bad lines") || !strings.Contains(errs, "providers.csv:3:") {
		t.Fatalf("exit %d out %q err %q", code, out, errs)
	}
	_, out, _ = run(t, "", "--data", data, "provider", "list")
	if !strings.Contains(out, "ExampleHost") || !strings.Contains(out, "abuse@cdn.example") || strings.Contains(out, "Broken") {
		t.Fatalf("list:\n%s", out)
	}
	p := filepath.Join(t.TempDir(), "partners.csv")
	os.WriteFile(p, []byte("name,countries,email,endpoint,lang\nHotline DE,DE AT,fw@de.example,,en\n"), 0o600)
	if code, out, errs := run(t, "", "--data", data, "partner", "import", p); code != 0 || !strings.Contains(out, "1 entries imported") {
		t.Fatalf("partners: %d %q %q", code, out, errs)
	}
}

// TestBenchIndex runs the built-in index benchmark small and checks it
// reports full recall against its own brute-force scan.
func TestBenchIndex(t *testing.T) {
	for _, args := range [][]string{{"--radius", "31"}, {"--radius", "52", "--clustered"}} {
		code, out, errs := run(t, "", append([]string{"bench", "index", "--n", "3000", "--queries", "300", "--recall", "100", "--json"}, args...)...)
		var res benchIndexResult
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
			t.Fatalf("exit %d: %s %s", code, out, errs)
		}
		if res.Recall != 1 || res.Checked != 100 || res.Matches < 150 || res.QPS1 <= 0 || res.BytesPerHash <= 0 {
			t.Fatalf("%v: %+v", args, res)
		}
	}
}
