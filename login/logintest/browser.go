package logintest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Browser is a minimal web browser for sign-in tests: it keeps cookies,
// follows redirects (up to 20) and remembers every URL it visited, so a
// test can walk start route, provider and callback with one Get and then
// replay a step.
type Browser struct {
	// Client is the underlying client; its Jar holds the cookies.
	Client *http.Client

	mu      sync.Mutex
	visited []*url.URL
}

// Page is the answer at the end of a Get.
type Page struct {
	// Status is the final answer's status code.
	Status int
	// URL is the final URL.
	URL *url.URL
	// Header is the final answer's header.
	Header http.Header
	// Body is the final answer's body (up to 1 MiB).
	Body string
}

// NewBrowser returns a Browser with an empty cookie jar.
func NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil) // never fails without options
	b := &Browser{}
	b.Client = &http.Client{
		Jar: jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 20 {
				return http.ErrUseLastResponse
			}
			b.record(req.URL)
			return nil
		},
	}
	return b
}

func (b *Browser) record(u *url.URL) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := *u
	b.visited = append(b.visited, &c)
}

// Get fetches rawURL, following redirects, and returns the last answer.
// It fails the test when the request cannot be sent.
func (b *Browser) Get(t testing.TB, rawURL string) *Page {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("logintest: Browser.Get(%q): %v", rawURL, err)
	}
	b.record(u)
	resp, err := b.Client.Get(rawURL)
	if err != nil {
		t.Fatalf("logintest: Browser.Get(%q): %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return &Page{Status: resp.StatusCode, URL: resp.Request.URL, Header: resp.Header, Body: string(body)}
}

// Visited returns every URL requested so far, in order, redirects
// included.
func (b *Browser) Visited() []*url.URL {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*url.URL, len(b.visited))
	copy(out, b.visited)
	return out
}

// LastVisited returns the last URL visited whose path ends with suffix
// ("/callback"), or nil.
func (b *Browser) LastVisited(suffix string) *url.URL {
	v := b.Visited()
	for i := len(v) - 1; i >= 0; i-- {
		if strings.HasSuffix(v[i].Path, suffix) {
			return v[i]
		}
	}
	return nil
}

// Cookies returns the cookies the browser would send to rawURL.
func (b *Browser) Cookies(rawURL string) []*http.Cookie {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	return b.Client.Jar.Cookies(u)
}

// Authorize plays the user at a provider's authorization page: it GETs
// authURL without following the redirect back to the application and
// returns the URL the provider redirected to (the callback, with code and
// state, or error). It fails the test when the provider does not redirect.
func Authorize(t testing.TB, authURL string) *url.URL {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatalf("logintest: Authorize: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logintest: Authorize: the provider answered %d, not a redirect: %s", resp.StatusCode, body)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("logintest: Authorize: redirect without a usable Location: %v", err)
	}
	return loc
}
