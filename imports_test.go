package vigie_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/vigie-hotline/vigie"

// adapters implement the domain's interfaces, one dependency each; they
// never import one another, so that only cmd/vigie wires them together.
var adapters = []string{"sqldb", "web", "fetch", "index", "mail", "jobs", "hosting", "guard", "vault"}

// leaves are libraries anyone may use; they import no adapter.
var leaves = []string{"pdq", "media", "urlnorm", "hashlist", "fingerprint", "preview"}

// TestImportRules checks the shape of the house: the domain package imports
// only the standard library, pdq is pure standard library too, adapters do
// not import each other, and leaves import no adapter.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports ","}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, "|")
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		for _, imp := range strings.Split(imports, ",") {
			if imp == "" {
				continue
			}
			if msg := violation(rel, imp); msg != "" {
				t.Errorf("%s imports %s: %s", pkg, imp, msg)
			}
		}
		seen++
	}
	if seen < 5 {
		t.Fatalf("go list returned %d packages; the check is not looking at the module", seen)
	}
}

// violation returns why pkg (relative to the module) may not import imp, or
// "" if it may.
func violation(pkg, imp string) string {
	std := !strings.Contains(strings.Split(imp, "/")[0], ".")
	own := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
	switch {
	case (pkg == "" || pkg == "pdq") && !std:
		return "this package may import only the standard library"
	case !strings.HasPrefix(imp, module):
		return ""
	case contains(adapters, top(pkg)) && contains(adapters, top(own)) && top(own) != top(pkg):
		return "an adapter may not import another adapter"
	case contains(leaves, top(pkg)) && contains(adapters, top(own)):
		return "a leaf package may not import an adapter"
	}
	return ""
}

func top(rel string) string { return strings.Split(rel, "/")[0] }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestViolation(t *testing.T) {
	for _, tc := range []struct {
		pkg, imp string
		bad      bool
	}{
		{"", "context", false},
		{"", "github.com/jackc/pgx/v5", true},
		{"", module + "/sqldb", true},
		{"web", module + "/sqldb", true},
		{"web", module, false},
		{"web", module + "/pdq", false},
		{"sqldb/internal", module + "/web", true},
		{"pdq", "golang.org/x/image/webp", true},
		{"media", module + "/pdq", false},
		{"media", module + "/index", true},
		{"cmd/vigie", module + "/web", false},
	} {
		if got := violation(tc.pkg, tc.imp) != ""; got != tc.bad {
			t.Errorf("violation(%q, %q) = %v, want %v", tc.pkg, tc.imp, got, tc.bad)
		}
	}
}
