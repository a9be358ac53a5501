package fetch_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-hotline/vigie/fetch"
)

func TestExtractLinks(t *testing.T) {
	base, _ := url.Parse("http://site.test/gallery/page.html")
	page := `<!doctype html><html><head>
<meta property="og:image" content="/og.jpg">
<meta name="twitter:image" content="https://cdn.site.test/tw.png">
<meta property="og:title" content="not an image">
<link rel="image_src" href="rel.webp">
</head><body>
<img src="a.jpg"><img src="a.jpg#dup"><IMG SRC=" b.png ">
<img src="data:image/png;base64,AAAA"><img src="javascript:alert(1)">
<img srcset="s1.jpg 1x, s2.jpg 2x" data-src="lazy.jpg">
<img src="https://other.test/x.gif">
<picture><source srcset="p1.avif 100w, p2.avif 200w"><img src="p.jpg"></picture>
<video src="v.mp4" poster="poster.jpg"><source src="v.webm" type="video/webm"></video>
<audio><source src="song.mp3"></audio>
<a href="full.JPEG">full</a><a href="/next?page=2">next</a><a href="#top">top</a>
<a href="mailto:x@site.test">mail</a><a href="next2.html#frag">n2</a>
<img src="&#x6a;.jpg"><img src="new
line.jpg">
</body></html>`
	links := fetch.ExtractLinks(base, strings.NewReader(page), 100)
	wantMedia := []string{
		"http://site.test/og.jpg",
		"https://cdn.site.test/tw.png",
		"http://site.test/gallery/rel.webp",
		"http://site.test/gallery/a.jpg",
		"http://site.test/gallery/b.png",
		"http://site.test/gallery/lazy.jpg",
		"http://site.test/gallery/s1.jpg",
		"http://site.test/gallery/s2.jpg",
		"https://other.test/x.gif",
		"http://site.test/gallery/p1.avif",
		"http://site.test/gallery/p2.avif",
		"http://site.test/gallery/p.jpg",
		"http://site.test/gallery/v.mp4",
		"http://site.test/gallery/poster.jpg",
		"http://site.test/gallery/v.webm",
		"http://site.test/gallery/full.JPEG",
		"http://site.test/gallery/j.jpg",
		"http://site.test/gallery/newline.jpg",
	}
	if !slices.Equal(links.Media, wantMedia) {
		t.Errorf("Media=\n%s\nwant\n%s", strings.Join(links.Media, "\n"), strings.Join(wantMedia, "\n"))
	}
	wantPages := []string{
		"http://site.test/next?page=2",
		"http://site.test/gallery/page.html",
		"http://site.test/gallery/next2.html",
	}
	if !slices.Equal(links.Pages, wantPages) {
		t.Errorf("Pages=%q, want %q", links.Pages, wantPages)
	}
	if links.Truncated {
		t.Errorf("Truncated=true, want false")
	}
}

func TestExtractLinks_Base(t *testing.T) {
	base, _ := url.Parse("http://site.test/a/page.html")
	page := `<base href="http://img.site.test/b/"><base href="http://ignored.test/"><img src="x.png">`
	links := fetch.ExtractLinks(base, strings.NewReader(page), 10)
	if got, want := links.Media, []string{"http://img.site.test/b/x.png"}; !slices.Equal(got, want) {
		t.Fatalf("Media=%q, want %q", got, want)
	}
}

func TestExtractLinks_Limit(t *testing.T) {
	base, _ := url.Parse("http://site.test/")
	var b strings.Builder
	for i := 0; i < 1000; i++ {
		b.WriteString(`<img src="/` + strings.Repeat("i", i%7+1) + string(rune('a'+i%26)) + `.jpg">`)
		b.WriteString(`<img src="/n` + strings.Repeat("x", i) + `.png">`)
	}
	links := fetch.ExtractLinks(base, strings.NewReader(b.String()), 25)
	if got, want := len(links.Media), 25; got != want {
		t.Fatalf("len(Media)=%d, want %d", got, want)
	}
	if !links.Truncated {
		t.Fatal("Truncated=false, want true")
	}
}

func TestExtractLinks_HugeToken(t *testing.T) {
	// One attribute larger than the tokenizer's limit ends extraction
	// cleanly, keeping what came before.
	base, _ := url.Parse("http://site.test/")
	page := `<img src="/a.jpg"><img alt="` + strings.Repeat("x", 2<<20) + `" src="/b.jpg">`
	links := fetch.ExtractLinks(base, strings.NewReader(page), 10)
	if got, want := links.Media, []string{"http://site.test/a.jpg"}; !slices.Equal(got, want) {
		t.Fatalf("Media=%q, want %q", got, want)
	}
}

func FuzzExtractLinks(f *testing.F) {
	for _, s := range []string{
		`<img src="a.jpg" srcset="b.jpg 1x, c.jpg 2x">`,
		`<meta property="og:image" content="//x.test/i.png"><base href="../">`,
		`<video poster="p.jpg"><source src="v.mp4"></video><a href="z.webp">`,
		`<img srcset="data:image/png;base64,AA==, x.jpg (max-width: 1px, 2px) 2w,">`,
		`<a href="http://[::1]:80/%zz">`,
	} {
		f.Add(s)
	}
	base, _ := url.Parse("http://site.test/dir/page")
	f.Fuzz(func(t *testing.T, page string) {
		const limit = 8
		links := fetch.ExtractLinks(base, strings.NewReader(page), limit)
		if len(links.Media) > limit || len(links.Pages) > limit {
			t.Fatalf("%d media and %d pages, want at most %d each", len(links.Media), len(links.Pages), limit)
		}
		seen := make(map[string]bool)
		for _, s := range append(links.Media, links.Pages...) {
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
				t.Fatalf("link %q is not an absolute http(s) URL without fragment", s)
			}
			if seen[s] {
				t.Fatalf("link %q twice", s)
			}
			seen[s] = true
		}
	})
}
