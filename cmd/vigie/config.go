package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/alecthomas/kong"
)

// configFile is a parsed configuration file: long flag names and values.
type configFile struct {
	path   string
	values map[string]string
	lines  map[string]int
}

// configResolver finds --config (or VIGIE_CONFIG) before kong parses, since
// the file supplies values for the other flags, and loads it.
func configResolver(args []string, getenv func(string) string) (kong.Resolver, error) {
	path := getenv("VIGIE_CONFIG")
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			path = v
		} else if a == "--config" && i+1 < len(args) {
			path = args[i+1]
		}
	}
	if path == "" {
		return nil, nil
	}
	return loadConfig(path)
}

// loadConfig reads 'key = value' lines; blank lines and lines starting with
// '#' are skipped. Values may be quoted.
func loadConfig(path string) (*configFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	c := &configFile{path: path, values: map[string]string{}, lines: map[string]int{}}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("config file %s line %d: want 'key = value', got %q", path, n, line)
		}
		key, value = strings.TrimSpace(key), strings.Trim(strings.TrimSpace(value), `"`)
		c.values[key], c.lines[key] = value, n
	}
	return c, sc.Err()
}

// Validate fails on a key that names no flag, so that a typo is not
// silently ignored.
func (c *configFile) Validate(app *kong.Application) error {
	known := map[string]bool{}
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			known[f.Name] = true
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(app.Node)
	delete(known, "config")
	delete(known, "help")
	var keys []string
	for k := range c.values {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return c.lines[keys[i]] < c.lines[keys[j]] })
	for _, k := range keys {
		if !known[k] {
			return fmt.Errorf("config file %s line %d: unknown key %q", c.path, c.lines[k], k)
		}
	}
	return nil
}

// Resolve returns the file's value for a flag, if it has one.
func (c *configFile) Resolve(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
	v, ok := c.values[flag.Name]
	if !ok {
		return nil, nil
	}
	return v, nil
}
