package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
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
		raw, err := localeFS.ReadFile("locales/" + lang + ".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("locales/%s.json: %w", lang, err)
		}
		c[lang] = m
	}
	return c, c.check()
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
