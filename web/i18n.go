package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFS embed.FS

// Languages the interface speaks; the first is the fallback.
var languages = []string{"fr", "en"}

// catalog maps language → key → message.
type catalog map[string]map[string]string

func loadCatalog() (catalog, error) {
	c := catalog{}
	for _, lang := range languages {
		c[lang] = map[string]string{}
	}
	// A language's messages are locales/LANG.json plus any
	// locales/PART.LANG.json, so that each part of Vigie keeps its own file.
	names, err := fs.Glob(localeFS, "locales/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		parts := strings.Split(strings.TrimSuffix(path.Base(name), ".json"), ".")
		lang := parts[len(parts)-1]
		if !validLang(lang) {
			return nil, fmt.Errorf("%s: unknown language %q", name, lang)
		}
		if err := c.load(name, lang); err != nil {
			return nil, err
		}
	}
	return c, c.check()
}

func (c catalog) load(name, lang string) error {
	raw, err := localeFS.ReadFile(name)
	if err != nil {
		return err
	}
	m := map[string]string{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for k, v := range m {
		if _, dup := c[lang][k]; dup {
			return fmt.Errorf("%s: message %q is defined twice", name, k)
		}
		c[lang][k] = v
	}
	return nil
}

// check fails when a message exists in one language and not in another, so
// that no page falls back to a key or a foreign language.
func (c catalog) check() error {
	var missing []string
	for _, a := range languages {
		for key := range c[a] {
			for _, b := range languages {
				if _, ok := c[b][key]; !ok {
					missing = append(missing, b+":"+key)
				}
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("messages missing a translation: %s", strings.Join(missing, ", "))
	}
	return nil
}

// T returns the message for key in lang, formatted with args; an unknown
// key shows itself in brackets so that it is noticed.
func (c catalog) T(lang, key string, args ...any) string {
	msg, ok := c[lang][key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

var matcher = language.NewMatcher([]language.Tag{language.French, language.English})

// langCookie holds a language the person chose explicitly.
const langCookie = "vigie_lang"

// requestLang picks the interface language: a choice saved in the cookie
// wins, then the browser's Accept-Language, then French.
func requestLang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && validLang(c.Value) {
		return c.Value
	}
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return languages[0]
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return languages[0]
	}
	return languages[i]
}

func validLang(s string) bool {
	for _, l := range languages {
		if s == l {
			return true
		}
	}
	return false
}
