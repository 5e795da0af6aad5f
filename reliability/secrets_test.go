package reliability

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/smtpmail"
	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/pgstore"
	"github.com/switchboard-go/switchboard/idempotency/redisstore"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// deadAddr returns a loopback address nobody listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// TestSecretsStayOut drives every failure path that holds a secret with
// debug logging on: deliveries signed with the wrong secret, stale or
// tampered ones, upstream errors of an authenticated client, and stores
// and SMTP senders whose URLs carry passwords. No secret, signature or key
// may appear in a log line or an error string. (Every other test in this
// package runs the same check on its own log.)
func TestSecretsStayOut(t *testing.T) {
	sink := newLogSink(t)
	ctx := context.Background()

	t.Run("webhook rejections", func(t *testing.T) {
		h := stripeHandler(t, sink)
		h.On("invoice.paid", func(context.Context, *webhooks.Event) error { return nil })
		body := stripeEvent("evt_secret_check")
		const wrong = "whsec_wrong_secret_for_reliability_9d2"
		sink.secret(wrong)
		cases := map[string]http.Header{
			"wrong secret": webhookstest.SignStripe(body, wrong, time.Now()),
			"stale":        webhookstest.SignStripe(body, stripeSecret, time.Now().Add(-time.Hour)),
			"future":       webhookstest.SignStripe(body, stripeSecret, time.Now().Add(time.Hour)),
		}
		for name, hdr := range cases {
			sig := hdr.Get("Stripe-Signature")
			sink.secret(sig[strings.Index(sig, "v1=")+3:])
			req := httptest.NewRequest(http.MethodPost, hookURL, strings.NewReader(string(body)))
			req.Header = hdr
			rec := serveDirect(t, h, req, name)
			require.Equal(t, http.StatusBadRequest, rec.Code, name)
			sink.err(errFromBody(rec.Body.String()))
		}
		// A tampered body under a valid signature.
		hdr := webhookstest.SignStripe(body, stripeSecret, time.Now())
		sig := hdr.Get("Stripe-Signature")
		sink.secret(sig[strings.Index(sig, "v1=")+3:])
		req := httptest.NewRequest(http.MethodPost, hookURL, strings.NewReader(strings.Replace(string(body), "2000", "9000", 1)))
		req.Header = hdr
		require.Equal(t, http.StatusBadRequest, serveDirect(t, h, req, "tampered").Code)
		v, err := webhooks.NewStripe(stripeSecret)
		require.NoError(t, err)
		_, err = v.Verify(&webhooks.Delivery{Header: hdr, Body: []byte("{}")})
		require.Error(t, err)
		sink.err(err)
	})

	t.Run("httpclient errors", func(t *testing.T) {
		const (
			token = "sk_live_reliability_token_8f3a9b"
			user  = "acct_reliability"
			pass  = "basic-password-reliability-2c4"
			qkey  = "query-api-key-reliability-77e"
		)
		sink.secret(token, pass, qkey)
		up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// An upstream that echoes what it got, as some error pages do.
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"bad credentials"}`)
		}))
		t.Cleanup(up.Close)
		for _, c := range []*httpclient.Client{
			mustClient(t, httpclient.WithBaseURL(up.URL), httpclient.WithBearerToken(token), httpclient.WithLogger(sink.logger())),
			mustClient(t, httpclient.WithBaseURL(up.URL), httpclient.WithBasicAuth(user, pass), httpclient.WithLogger(sink.logger())),
			mustClient(t, httpclient.WithBaseURL("http://"+deadAddr(t)), httpclient.WithBearerToken(token),
				httpclient.WithRetries(1), httpclient.WithBackoff(time.Millisecond, time.Millisecond), httpclient.WithLogger(sink.logger())),
		} {
			_, err := c.Get(ctx, "/v1/me?api_key="+qkey+"&access_token="+qkey)
			require.Error(t, err)
			sink.err(err)
			_, err = c.Post(ctx, "/v1/charges?key="+qkey, map[string]string{"amount": "1"})
			require.Error(t, err)
			sink.err(err)
		}
	})

	t.Run("store URLs with passwords", func(t *testing.T) {
		const pw = "store-password-reliability-5a1"
		sink.secret(pw)
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err := pgstore.Open(cctx, "postgres://switchboard:"+pw+"@"+deadAddr(t)+"/test?sslmode=disable&connect_timeout=2")
		require.Error(t, err)
		sink.err(err)
		_, err = redisstore.Open(cctx, "redis://:"+pw+"@"+deadAddr(t)+"/0")
		require.Error(t, err)
		sink.err(err)
		_, err = idempotency.Open(cctx, "postgres://switchboard:"+pw+"@"+deadAddr(t)+"/test?connect_timeout=2")
		require.Error(t, err)
		sink.err(err)
		_, err = idempotency.Open(cctx, "redis://user:"+pw+"@[::1")
		require.Error(t, err)
		sink.err(err)
	})

	t.Run("SMTP credentials", func(t *testing.T) {
		const pw = "smtp-password-reliability-e93"
		sink.secret(pw)
		host, port, err := net.SplitHostPort(deadAddr(t))
		require.NoError(t, err)
		p, err := strconv.Atoi(port)
		require.NoError(t, err)
		s, err := smtpmail.New(host, p, smtpmail.WithCredentials("mailer", pw),
			smtpmail.WithTimeout(2*time.Second), smtpmail.WithLogger(sink.logger()))
		require.NoError(t, err)
		_, err = s.Send(ctx, &email.Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "x", Text: "y"})
		require.Error(t, err)
		sink.err(err)
		_, err = smtpmail.NewFromURL("smtp://mailer:" + pw + "@" + host + ":bad")
		require.Error(t, err)
		sink.err(err)
	})

	require.NotEmpty(t, sink.text(), "debug logging must have produced lines to check")
}

// errFromBody wraps a response body as an error for the secret check.
func errFromBody(s string) error { return &bodyError{s} }

type bodyError struct{ s string }

func (e *bodyError) Error() string { return e.s }

// TestLogSinkFindsLeaks checks the checker: a registered secret written
// to the log or recorded in an error is found, others are not.
func TestLogSinkFindsLeaks(t *testing.T) {
	s := &logSink{}
	s.secret("hunter2-secret", "sig-abcdef", "")
	s.logger().Debug("request", "header", "Bearer hunter2-secret")
	require.Equal(t, []string{"hunter2-secret"}, s.leaks())
	s.err(errFromBody("bad signature sig-abcdef"))
	require.Equal(t, []string{"hunter2-secret", "sig-abcdef"}, s.leaks())
	require.Empty(t, (&logSink{}).leaks())
}
