package fetch

import (
	"io"
	"net/url"
	"path"
	"strings"

	"golang.org/x/net/html"
)

// maxTokenBytes bounds one HTML token, so a page that is one giant
// attribute cannot make the tokenizer buffer grow past it.
const maxTokenBytes = 1 << 20

// Links are the URLs found in one HTML page, absolute, without fragments,
// deduplicated, in document order.
type Links struct {
	Media     []string // images and videos
	Pages     []string // other http(s) links from <a href>, for deeper crawls
	Truncated bool     // more links were found than the limit allowed
}

// ExtractLinks reads the HTML page r, whose address is base, and returns at
// most limit media links and limit page links. Media links come from img
// src, srcset and the usual lazy-loading attributes, picture and video
// sources, video src and poster, og:image, og:video and twitter:image
// metadata, link rel=image_src, and a href whose path ends in an image or
// video extension. A <base href> is honoured. Only http and https links
// are kept. Broken markup yields whatever could be read; it never fails.
func ExtractLinks(base *url.URL, r io.Reader, limit int) *Links {
	c := &linkCollector{base: base, limit: limit, seen: make(map[string]bool), links: &Links{}}
	z := html.NewTokenizer(r)
	z.SetMaxBuf(maxTokenBytes)
	for {
		switch z.Next() {
		case html.ErrorToken:
			return c.links
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			c.startTag(string(name), readAttrs(z, hasAttr))
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "video" {
				c.inVideo = false
			}
		}
	}
}

// linkCollector accumulates the links of one page.
type linkCollector struct {
	base    *url.URL
	baseSet bool // only the first <base href> counts, as in browsers
	inVideo bool // <source src> is media only inside <video>, not <audio>
	limit   int
	seen    map[string]bool
	links   *Links
}

// readAttrs returns the first value of each attribute; the tokenizer has
// already lower-cased the names.
func readAttrs(z *html.Tokenizer, more bool) map[string]string {
	attrs := make(map[string]string)
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		if _, dup := attrs[string(k)]; !dup {
			attrs[string(k)] = string(v)
		}
	}
	return attrs
}

// startTag collects the links that one start tag carries.
func (c *linkCollector) startTag(name string, a map[string]string) {
	switch name {
	case "base":
		c.setBase(a["href"])
	case "img":
		c.media(a["src"], a["data-src"], a["data-original"], a["data-lazy-src"])
		c.srcset(a["srcset"], a["data-srcset"])
	case "video":
		c.inVideo = true
		c.media(a["src"], a["poster"])
	case "source":
		if c.inVideo {
			c.media(a["src"])
		}
		c.srcset(a["srcset"])
	case "meta":
		if isMediaMeta(a["property"]) || isMediaMeta(a["name"]) {
			c.media(a["content"])
		}
	case "link":
		if strings.Contains(" "+strings.ToLower(a["rel"])+" ", " image_src ") {
			c.media(a["href"])
		}
	case "a":
		c.anchor(a["href"])
	}
}

// isMediaMeta reports whether a meta property names the page's image or video.
func isMediaMeta(p string) bool {
	switch strings.ToLower(strings.TrimSpace(p)) {
	case "og:image", "og:image:url", "og:image:secure_url", "og:video", "og:video:url",
		"og:video:secure_url", "twitter:image", "twitter:image:src", "twitter:player:stream":
		return true
	}
	return false
}

// setBase applies the first <base href>, resolved against the page URL.
func (c *linkCollector) setBase(href string) {
	if c.baseSet || href == "" {
		return
	}
	c.baseSet = true
	if u, err := c.base.Parse(cleanRef(href)); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		c.base = u
	}
}

// anchor files an <a href> as media if its path looks like an image or a
// video, and as a page otherwise.
func (c *linkCollector) anchor(href string) {
	u := c.resolve(href)
	if u == nil {
		return
	}
	if hasMediaExt(u.Path) {
		c.add(&c.links.Media, u.String())
	} else {
		c.add(&c.links.Pages, u.String())
	}
}

func (c *linkCollector) media(refs ...string) {
	for _, ref := range refs {
		if u := c.resolve(ref); u != nil {
			c.add(&c.links.Media, u.String())
		}
	}
}

func (c *linkCollector) srcset(sets ...string) {
	for _, s := range sets {
		c.media(parseSrcset(s)...)
	}
}

// add appends s to list unless it was seen or the list is full.
func (c *linkCollector) add(list *[]string, s string) {
	if c.seen[s] {
		return
	}
	if len(*list) >= c.limit {
		c.links.Truncated = true
		return
	}
	c.seen[s] = true
	*list = append(*list, s)
}

// resolve returns ref as an absolute http(s) URL without fragment, or nil.
func (c *linkCollector) resolve(ref string) *url.URL {
	ref = cleanRef(ref)
	if ref == "" || len(ref) > maxURLLength {
		return nil
	}
	u, err := c.base.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	u.Fragment, u.RawFragment = "", ""
	// Go resolves some references ("//::0") to URLs whose text it then
	// refuses to parse; such a link could never be fetched.
	if s := u.String(); len(s) > maxURLLength {
		return nil
	} else if _, err := url.Parse(s); err != nil {
		return nil
	}
	return u
}

// cleanRef trims a URL from an attribute the way browsers do: surrounding
// whitespace goes, and tabs and newlines anywhere are removed.
func cleanRef(ref string) string {
	ref = strings.TrimSpace(ref)
	if strings.ContainsAny(ref, "\t\n\r") {
		ref = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(ref)
	}
	return ref
}

// parseSrcset returns the URLs of a srcset attribute: comma-separated
// candidates, each a URL followed by optional width or density descriptors.
// A URL may itself contain commas, so a candidate's URL ends at whitespace,
// and only trailing commas are stripped from it.
func parseSrcset(s string) []string {
	var urls []string
	for s != "" {
		s = strings.TrimLeft(s, " \t\n\r\f,")
		end := strings.IndexAny(s, " \t\n\r\f")
		if end < 0 {
			end = len(s)
		}
		u := s[:end]
		s = s[end:]
		if trimmed := strings.TrimRight(u, ","); trimmed != u {
			u = trimmed // "a.jpg," has no descriptors
		} else {
			s = skipDescriptors(s)
		}
		if u != "" {
			urls = append(urls, u)
		}
	}
	return urls
}

// skipDescriptors drops the descriptors after a srcset URL, up to and
// including the comma that ends the candidate; commas inside parentheses
// do not end it.
func skipDescriptors(s string) string {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				return s[i+1:]
			}
		}
	}
	return ""
}

// hasMediaExt reports whether a URL path ends in an image or video extension.
func hasMediaExt(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff",
		".avif", ".heic", ".heif", ".jxl", ".mp4", ".m4v", ".webm", ".mov", ".avi", ".mkv", ".3gp":
		return true
	}
	return false
}
