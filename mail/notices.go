package mail

import (
	"fmt"

	vigie "github.com/vigie-hotline/vigie"
)

var _ vigie.NoticeComposer = (*Notices)(nil)

// Notices writes the messages of notice-and-takedown from the templates
// notice, forward, reminder and escalation.
type Notices struct {
	Templates *Templates
	// Hotline is the sender's name ("Point de Contact"), Contact its
	// address for questions, Country its country code.
	Hotline string
	Contact string
	Country string
	// PublicURL is where Vigie answers, for links in escalations.
	PublicURL string
}

// noticeData is what the templates receive.
type noticeData struct {
	Hotline, Contact, Country string
	Reference                 string
	Kind                      vigie.NoticeKind
	CaseURL                   string
	Items                     []noticeItem
	Host, CDN, HostCountry    string
	ASN                       uint32
	FirstNotice               string
	CaseLink                  string
	Illegal                   string // the strongest classification, in words
}

type noticeItem struct {
	URL, SHA256, Classification string
}

// Compose writes the message for n. Every notice carries what the EU
// Digital Services Act (Article 16) asks of one: the exact URLs, why the
// content is illegal, who sends it and how to reach them, a statement of
// good faith, and a reference to quote.
func (m *Notices) Compose(n *vigie.Notice, c *vigie.Case, items []*vigie.Item, t *vigie.Takedown) (*vigie.Email, error) {
	d := noticeData{Hotline: m.Hotline, Contact: m.Contact, Country: m.Country, Reference: n.Reference, Kind: n.Kind,
		CaseURL: c.URL, Host: t.Host, CDN: t.CDN, HostCountry: t.Country, ASN: t.ASN,
		CaseLink: fmt.Sprintf("%s/cases/%d", m.PublicURL, c.ID)}
	if t.FirstNoticeAt != nil {
		d.FirstNotice = t.FirstNoticeAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	for _, it := range items {
		if !it.Classification.Illegal() {
			continue
		}
		d.Items = append(d.Items, noticeItem{URL: it.URL, SHA256: it.SHA256, Classification: string(it.Classification)})
		if d.Illegal == "" || it.Classification == vigie.ClassBaseline {
			d.Illegal = string(it.Classification)
		}
	}
	e, err := m.Templates.Render(string(n.Kind), n.Lang, d)
	if err != nil {
		return nil, err
	}
	e.MessageID = ""
	return e, nil
}
