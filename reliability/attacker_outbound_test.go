package reliability

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/mailgunmail"
	"github.com/switchboard-go/switchboard/email/postmarkmail"
	"github.com/switchboard-go/switchboard/email/sendgridmail"
	"github.com/switchboard-go/switchboard/httpclient"
)

// The attacker tests of outbound calls: an upstream that redirects to a
// host the attacker controls, a plain-http downgrade, Location tricks,
// and URLs built to slip a credential into an error or a log line.

// collector is the attacker's server: it records everything it receives.
type collector struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // method, path, headers and body of each request
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b strings.Builder
		b.WriteString(r.Method + " " + r.URL.String() + "\n")
		_ = r.Header.Write(&b)
		b.Write(body)
		c.mu.Lock()
		c.seen = append(c.seen, b.String())
		c.mu.Unlock()
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *collector) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}

// redirectingAPI answers every request with a redirect to target.
func redirectingAPI(t *testing.T, status int, target string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", target)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

var redirectStatuses = []int{
	http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
	http.StatusTemporaryRedirect, http.StatusPermanentRedirect,
}

// TestAttackerRedirectToCollectorFromEmailSenders points each HTTP email
// sender at an API that redirects to the attacker's server with every
// redirect status: the attacker receives nothing (not the credential, not
// the message), the send fails as a permanent failure that names the
// refused redirect, and no credential reaches a log line or an error.
func TestAttackerRedirectToCollectorFromEmailSenders(t *testing.T) {
	const (
		postmarkToken = "pm-token-attacker-3c1f"
		sendgridKey   = "SG.attacker-key-9e2a"
		mailgunKey    = "key-attacker-mailgun-77b0"
	)
	sink := newLogSink(t)
	sink.secret(postmarkToken, sendgridKey, mailgunKey)
	evil := newCollector(t)
	msg := &email.Message{From: "shop@example.com", To: []string{"ada@example.com"}, Subject: "Your receipt",
		HTML: "<p>Card ending 4242</p>"}
	senders := map[string]func(base string) (email.Sender, error){
		"postmark": func(base string) (email.Sender, error) {
			return postmarkmail.New(postmarkToken, postmarkmail.WithBaseURL(base), postmarkmail.WithLogger(sink.logger()))
		},
		"sendgrid": func(base string) (email.Sender, error) {
			return sendgridmail.New(sendgridKey, sendgridmail.WithBaseURL(base), sendgridmail.WithLogger(sink.logger()))
		},
		"mailgun": func(base string) (email.Sender, error) {
			return mailgunmail.New("mg.example.com", mailgunKey, mailgunmail.WithBaseURL(base), mailgunmail.WithLogger(sink.logger()))
		},
	}
	for name, newSender := range senders {
		for _, status := range redirectStatuses {
			api := redirectingAPI(t, status, evil.srv.URL+"/steal?api_key="+mailgunKey)
			s, err := newSender(api.URL)
			require.NoError(t, err)
			// Even a sender told to follow redirects keeps its credential
			// at home.
			_, err = s.Send(context.Background(), msg)
			require.Error(t, err, "%s %d", name, status)
			require.ErrorIs(t, err, httpclient.ErrRedirectRefused, "%s %d", name, status)
			require.ErrorIs(t, err, email.ErrPermanent, "%s %d", name, status)
			require.Contains(t, err.Error(), evil.srv.URL+"/steal?api_key=REDACTED", "%s %d: the error names the refused target", name, status)
			sink.err(err)
		}
	}
	followAll := []func(base string) (email.Sender, error){
		func(base string) (email.Sender, error) {
			return postmarkmail.New(postmarkToken, postmarkmail.WithBaseURL(base),
				postmarkmail.WithHTTPOptions(httpclient.WithMaxRedirects(10)), postmarkmail.WithLogger(sink.logger()))
		},
		func(base string) (email.Sender, error) {
			return sendgridmail.New(sendgridKey, sendgridmail.WithBaseURL(base),
				sendgridmail.WithHTTPOptions(httpclient.WithMaxRedirects(10)), sendgridmail.WithLogger(sink.logger()))
		},
		func(base string) (email.Sender, error) {
			return mailgunmail.New("mg.example.com", mailgunKey, mailgunmail.WithBaseURL(base),
				mailgunmail.WithHTTPOptions(httpclient.WithMaxRedirects(10)), mailgunmail.WithLogger(sink.logger()))
		},
	}
	for i, newSender := range followAll {
		api := redirectingAPI(t, http.StatusTemporaryRedirect, evil.srv.URL+"/steal")
		s, err := newSender(api.URL)
		require.NoError(t, err)
		_, err = s.Send(context.Background(), msg)
		require.ErrorIs(t, err, httpclient.ErrRedirectRefused, "sender %d with redirects allowed", i)
		require.Contains(t, err.Error(), "another origin")
		sink.err(err)
	}
	require.Empty(t, evil.requests(), "the attacker's server received a request")
}

// TestAttackerRedirectWithEveryCredential drives a client that
// follows redirects, carrying each kind of credential, through every
// redirect status to the attacker's server, directly and after a hop
// within the origin: nothing reaches the attacker.
func TestAttackerRedirectWithEveryCredential(t *testing.T) {
	const secret = "attacker-wants-this-5d71"
	sink := newLogSink(t)
	sink.secret(secret)
	evil := newCollector(t)
	creds := map[string]struct {
		opts  []httpclient.Option
		ropts []httpclient.RequestOption
		url   string
	}{
		"Authorization":           {opts: []httpclient.Option{httpclient.WithBearerToken(secret)}},
		"X-Api-Key":               {opts: []httpclient.Option{httpclient.WithHeader("X-Api-Key", secret)}},
		"X-Postmark-Server-Token": {opts: []httpclient.Option{httpclient.WithHeader("X-Postmark-Server-Token", secret)}},
		"custom header":           {opts: []httpclient.Option{httpclient.WithHeader("X-Tenant-Secret", secret)}},
		"Idempotency-Key":         {ropts: []httpclient.RequestOption{httpclient.WithIdempotencyKey(secret)}},
		"Cookie":                  {ropts: []httpclient.RequestOption{httpclient.WithRequestHeader("Cookie", "sid="+secret)}},
		"user information":        {url: "//" + secret + "@"},
		"query secret":            {url: "?access_token=" + secret},
	}
	for _, status := range redirectStatuses {
		for name, c := range creds {
			for _, hop := range []bool{false, true} {
				api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if hop && r.URL.Path == "/v1/first" {
						http.Redirect(w, r, "/v1/second", status)
						return
					}
					w.Header().Set("Location", evil.srv.URL+"/collect")
					w.WriteHeader(status)
				}))
				target := api.URL + "/v1/first"
				switch {
				case strings.HasPrefix(c.url, "//"):
					target = strings.Replace(api.URL, "://", "://"+secret+"@", 1) + "/v1/first"
				case c.url != "":
					target += c.url
				}
				cl, err := httpclient.New(append([]httpclient.Option{httpclient.WithMaxRedirects(10),
					httpclient.WithLogger(sink.logger())}, c.opts...)...)
				require.NoError(t, err)
				_, err = cl.Get(context.Background(), target, c.ropts...)
				require.ErrorIs(t, err, httpclient.ErrRedirectRefused, "%d %s hop=%v", status, name, hop)
				sink.err(err)
				api.Close()
			}
		}
	}
	require.Empty(t, evil.requests(), "the attacker's server received a request")
}

// TestAttackerLocationTricks: Locations built to look like the origin
// while naming another host (user information before the real host, a
// scheme-relative URL, a backslash, another port, a downgrade) are all
// another origin; only a Location that really is the origin (case and
// default port aside) is followed with credentials.
func TestAttackerLocationTricks(t *testing.T) {
	const token = "sk_live_location_tricks_2b9"
	sink := newLogSink(t)
	sink.secret(token)
	evil := newCollector(t)
	evilURL, err := url.Parse(evil.srv.URL)
	require.NoError(t, err)
	var mu sync.Mutex
	var location string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/landing" {
			_, _ = io.WriteString(w, "landed")
			return
		}
		mu.Lock()
		loc := location
		mu.Unlock()
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusTemporaryRedirect)
	}))
	t.Cleanup(api.Close)
	apiURL, err := url.Parse(api.URL)
	require.NoError(t, err)
	cl, err := httpclient.New(httpclient.WithBaseURL(api.URL), httpclient.WithBearerToken(token),
		httpclient.WithMaxRedirects(5), httpclient.WithLogger(sink.logger()))
	require.NoError(t, err)

	for _, loc := range []string{
		"http://" + apiURL.Host + "@" + evilURL.Host + "/x",  // the origin as user information
		"//" + evilURL.Host + "/x",                           // scheme-relative
		"http://" + evilURL.Host + "\\@" + apiURL.Host + "/", // backslash confusion
		"http://localhost:" + evilURL.Port() + "/x",          // another name and port
		"https://" + apiURL.Host + "/x",                      // another scheme
	} {
		mu.Lock()
		location = loc
		mu.Unlock()
		_, err := cl.Post(context.Background(), "/v1/charges", map[string]int{"amount": 100})
		require.Error(t, err, loc)
		sink.err(err)
	}
	require.Empty(t, evil.requests(), "the attacker's server received a request")

	// The origin itself, spelt differently, is followed.
	mu.Lock()
	location = "HTTP://" + strings.ToUpper(apiURL.Hostname()) + ":" + apiURL.Port() + "/landing"
	mu.Unlock()
	resp, err := cl.Post(context.Background(), "/v1/charges", map[string]int{"amount": 100})
	require.NoError(t, err)
	require.Equal(t, "landed", string(resp.Body))
}

// TestAttackerDowngradeToPlainHTTP: a TLS API redirecting to plain http on
// the same host (a stripping proxy, a misconfigured load balancer) never
// gets the Authorization header sent in the clear.
func TestAttackerDowngradeToPlainHTTP(t *testing.T) {
	const token = "sk_live_downgrade_attacker_8c2"
	sink := newLogSink(t)
	sink.secret(token)
	plain := newCollector(t)
	plainURL, err := url.Parse(plain.srv.URL)
	require.NoError(t, err)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:"+plainURL.Port()+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	t.Cleanup(secure.Close)
	for _, opts := range [][]httpclient.Option{
		{httpclient.WithBearerToken(token)},
		{httpclient.WithBasicAuth(token, "")},
		{httpclient.WithHeader("X-Api-Key", token)},
	} {
		cl, err := httpclient.New(append([]httpclient.Option{httpclient.WithBaseURL(secure.URL),
			httpclient.WithHTTPClient(secure.Client()), httpclient.WithMaxRedirects(10),
			httpclient.WithLogger(sink.logger())}, opts...)...)
		require.NoError(t, err)
		_, err = cl.Get(context.Background(), "/v1/balance")
		require.ErrorIs(t, err, httpclient.ErrRedirectRefused)
		require.Contains(t, err.Error(), "http://127.0.0.1:"+plainURL.Port()+"/v1/balance")
		sink.err(err)
	}
	require.Empty(t, plain.requests(), "a request went out in plain http")
}

// TestAttackerURLSecretsInErrorsAndLogs calls URLs whose credentials sit
// where the redactor used to miss them (a user name alone, a URL that
// does not parse, query names beyond the obvious, ';' separators) against
// a dead host and an answering one, with debug logging: no secret reaches
// an error string or a log line.
func TestAttackerURLSecretsInErrorsAndLogs(t *testing.T) {
	sink := newLogSink(t)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusForbidden)
	}))
	t.Cleanup(up.Close)
	dead := deadAddr(t)
	var urls []string
	secretOf := func(name string) string { return "sec-" + strings.ToLower(name) + "-4f1e" }
	for _, host := range []string{strings.TrimPrefix(up.URL, "http://"), dead} {
		u := "sk_live_user_only_" + strings.ReplaceAll(host, ":", "_")
		sink.secret(u)
		urls = append(urls, "http://"+u+"@"+host+"/v1/me")
		for _, name := range []string{"pass", "passwd", "jwt", "private", "sig", "signature", "client_secret",
			"access_token", "api_key", "apikey", "auth", "token", "key", "password", "X-Amz-Credential", "code"} {
			sink.secret(secretOf(name))
			urls = append(urls, "http://"+host+"/v1/me?page=2&"+name+"="+secretOf(name),
				"http://"+host+"/v1/me?page=2;"+strings.ToUpper(name)+"="+secretOf(name))
		}
		// URLs that do not parse are never echoed.
		sink.secret("unparsable-pw-0a9", "unparsable-user-0a9")
		urls = append(urls, "http://unparsable-user-0a9:unparsable-pw-0a9@"+host+"/%zz",
			"http://"+host+"/v1/\x7f?token=unparsable-pw-0a9",
			"http://127.0.0.1:unparsable-pw-0a9/v1/me")
	}
	cl, err := httpclient.New(httpclient.WithRetries(0), httpclient.WithLogger(sink.logger()))
	require.NoError(t, err)
	for _, u := range urls {
		_, err := cl.Get(context.Background(), u)
		require.Error(t, err, u)
		sink.err(err)
		var re *httpclient.RequestError
		var se *httpclient.StatusError
		switch {
		case errors.As(err, &se):
			sink.err(errors.New(se.URL))
		case errors.As(err, &re):
			sink.err(errors.New(re.URL))
		}
		sink.err(errors.New(httpclient.RedactURLString(u)))
	}
	require.NotEmpty(t, sink.text())
}
