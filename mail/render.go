package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"

	vigie "github.com/vigie-hotline/vigie"
)

//go:embed templates
var templateFS embed.FS

// Templates renders Vigie's messages. Each message NAME exists per language
// as templates/NAME.LANG.txt (first line "Subject: …", a blank line, then the
// text) and optionally templates/NAME.LANG.html; both receive the same data.
type Templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// LoadTemplates parses every template, failing at start on a broken one, and
// checks that every text message exists in French and English.
func LoadTemplates() (*Templates, error) {
	t := &Templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	names, err := fs.Glob(templateFS, "templates/*")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		raw, err := templateFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		key := strings.TrimPrefix(name, "templates/")
		switch {
		case strings.HasSuffix(key, ".txt"):
			t.text[strings.TrimSuffix(key, ".txt")], err = texttemplate.New(key).Option("missingkey=error").Parse(string(raw))
		case strings.HasSuffix(key, ".html"):
			t.html[strings.TrimSuffix(key, ".html")], err = htmltemplate.New(key).Option("missingkey=error").Parse(string(raw))
		}
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", key, err)
		}
	}
	return t, t.checkLanguages()
}

func (t *Templates) checkLanguages() error {
	for key := range t.text {
		base := key[:strings.LastIndex(key, ".")]
		for _, lang := range []string{"fr", "en"} {
			if _, ok := t.text[base+"."+lang]; !ok {
				return fmt.Errorf("mail template %s has no %s version", base, lang)
			}
		}
	}
	return nil
}

// Render builds the message name in lang (French when lang has no
// version) for data. The recipients are the caller's to set.
func (t *Templates) Render(name, lang string, data any) (*vigie.Email, error) {
	if _, ok := t.text[name+"."+lang]; !ok {
		lang = "fr"
	}
	tt, ok := t.text[name+"."+lang]
	if !ok {
		return nil, fmt.Errorf("no mail template %s", name)
	}
	var buf bytes.Buffer
	if err := tt.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render %s.%s: %w", name, lang, err)
	}
	head, body, ok := strings.Cut(buf.String(), "\n\n")
	subject, found := strings.CutPrefix(head, "Subject: ")
	if !ok || !found {
		return nil, fmt.Errorf("mail template %s.%s must start with a Subject line and a blank line", name, lang)
	}
	e := &vigie.Email{Subject: strings.TrimSpace(subject), Text: body, Lang: lang}
	if ht, ok := t.html[name+"."+lang]; ok {
		var hb bytes.Buffer
		if err := ht.Execute(&hb, data); err != nil {
			return nil, fmt.Errorf("render %s.%s.html: %w", name, lang, err)
		}
		e.HTML = hb.String()
	}
	return e, nil
}
