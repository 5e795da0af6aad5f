package reliability

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// The attacker here holds one or more genuine deliveries, captured from a
// log, a proxy or a replay of their own, but none of the secrets. Each test
// tries one way to make the Handler run something it should not, against
// every store backend, through HTTP.

// runs records which function ran on which body.
type runs struct {
	mu  sync.Mutex
	got []string
}

func (r *runs) on(name string) webhooks.EventFunc {
	return func(_ context.Context, e *webhooks.Event) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, name+":"+string(e.Data))
		return nil
	}
}

func (r *runs) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

// post sends a captured delivery, with its headers as the attacker changed
// them, and returns the status.
func postDelivery(t *testing.T, srv *httptest.Server, body []byte, h http.Header) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/hook", strings.NewReader(string(body)))
	require.NoError(t, err)
	req.Header = h.Clone()
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// headerProvider is a provider that signs the body but sends the event's
// ID and type in unsigned headers.
type headerProvider struct {
	name     string
	verifier func(t *testing.T) webhooks.Verifier
	sign     func(body []byte, typ, id string) http.Header
	idHeader []string
	typ      string // a type the body has
	other    string // a registered type the body is not
	body     func(n int) []byte
}

const (
	attackGitHubSecret  = "github-attack-secret"
	attackShopifySecret = "shopify-attack-secret"
)

func headerProviders() []headerProvider {
	return []headerProvider{
		{
			name: "github",
			verifier: func(t *testing.T) webhooks.Verifier {
				v, err := webhooks.NewGitHub(attackGitHubSecret)
				require.NoError(t, err)
				return v
			},
			sign: func(body []byte, typ, id string) http.Header {
				return webhookstest.SignGitHub(body, attackGitHubSecret, typ, id)
			},
			idHeader: []string{"X-GitHub-Delivery"},
			typ:      "push", other: "pull_request",
			body: func(n int) []byte {
				return []byte(`{"ref":"refs/heads/main","before":"a","after":"b` + string(rune('0'+n)) + `","commits":[],"repository":{"id":1}}`)
			},
		},
		{
			name: "shopify",
			verifier: func(t *testing.T) webhooks.Verifier {
				v, err := webhooks.NewShopify(attackShopifySecret)
				require.NoError(t, err)
				return v
			},
			sign: func(body []byte, typ, id string) http.Header {
				return webhookstest.SignShopify(body, attackShopifySecret, typ, id, time.Now())
			},
			idHeader: []string{"X-Shopify-Event-Id", "X-Shopify-Webhook-Id"},
			typ:      "orders/create", other: "products/update",
			body: func(n int) []byte {
				return []byte(`{"id":10` + string(rune('0'+n)) + `,"admin_graphql_api_id":"gid://shopify/Order/10` + string(rune('0'+n)) + `","total_price":"9.00"}`)
			},
		},
	}
}

// forEachHeaderProvider runs fn for every header-identified provider on
// every store, with a Handler that registers both test types.
func forEachHeaderProvider(t *testing.T, fn func(t *testing.T, p headerProvider, srv *httptest.Server, r *runs)) {
	for _, b := range backends() {
		for _, p := range headerProviders() {
			t.Run(b.name+"/"+p.name, func(t *testing.T) {
				sink := newLogSink(t)
				h, err := webhooks.NewHandler(p.verifier(t), webhooks.WithStore(b.open(t)), webhooks.WithLogger(sink.logger()))
				require.NoError(t, err)
				r := &runs{}
				h.On(p.typ, r.on(p.typ))
				h.On(p.other, r.on(p.other))
				srv := httptest.NewServer(h)
				t.Cleanup(srv.Close)
				fn(t, p, srv, r)
				sink.check(t)
			})
		}
	}
}

// A signed body already processed never runs again, whatever new delivery
// ID the attacker gives it.
func TestAttackReplayWithNewIDIsADuplicate(t *testing.T) {
	forEachHeaderProvider(t, func(t *testing.T, p headerProvider, srv *httptest.Server, r *runs) {
		body := p.body(1)
		h := p.sign(body, p.typ, "genuine-id")
		require.Equal(t, http.StatusOK, postDelivery(t, srv, body, h))
		for i, id := range []string{"replayed-1", "replayed-2", strings.Repeat("x", 300), ""} {
			for _, name := range p.idHeader {
				h.Set(name, id)
			}
			want := http.StatusOK // acknowledged as a duplicate
			if id == "" {
				want = http.StatusBadRequest // no ID header at all
			}
			require.Equal(t, want, postDelivery(t, srv, body, h), "replay %d", i)
		}
		require.Len(t, r.list(), 1, "the body ran once")
	})
}

// An ID sent in advance with another captured body never suppresses the
// genuine delivery that later carries it.
func TestAttackPreSentIDNeverSuppressesAGenuineBody(t *testing.T) {
	forEachHeaderProvider(t, func(t *testing.T, p headerProvider, srv *httptest.Server, r *runs) {
		old := p.body(1)
		require.Equal(t, http.StatusOK, postDelivery(t, srv, old, p.sign(old, p.typ, "old-id")))
		// The attacker expects the next delivery's ID and sends the old
		// body under it first.
		require.Equal(t, http.StatusOK, postDelivery(t, srv, old, p.sign(old, p.typ, "expected-id")))
		fresh := p.body(2)
		require.Equal(t, http.StatusOK, postDelivery(t, srv, fresh, p.sign(fresh, p.typ, "expected-id")))
		require.Equal(t, []string{p.typ + ":" + string(old), p.typ + ":" + string(fresh)}, r.list())
	})
}

// Rewriting the unsigned type header never makes another registered
// function run on a body: before the body ran, the shape check refuses the
// type; after, the body is a duplicate.
func TestAttackTypeRewriteRunsNoOtherFunction(t *testing.T) {
	forEachHeaderProvider(t, func(t *testing.T, p headerProvider, srv *httptest.Server, r *runs) {
		body := p.body(3)
		// Sent first under the wrong type: refused as not matching the body.
		require.Equal(t, http.StatusBadRequest, postDelivery(t, srv, body, p.sign(body, p.other, "x1")))
		require.Empty(t, r.list())
		require.Equal(t, http.StatusOK, postDelivery(t, srv, body, p.sign(body, p.typ, "x2")))
		// Replayed under the other type after it ran: still refused.
		require.Equal(t, http.StatusBadRequest, postDelivery(t, srv, body, p.sign(body, p.other, "x3")))
		require.Equal(t, []string{p.typ + ":" + string(body)}, r.list())
	})
}

// A signature Twilio made over one request's parameters never verifies a
// request with another body, through the Handler: the attacker texts the
// number a message whose body spells a bodySHA256 query for their own
// JSON, moves the signed form fields into the URL and sends that JSON.
func TestAttackTwilioFormSignatureReusedAsJSON(t *testing.T) {
	const token = "twilio-attack-token"
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			sink := newLogSink(t)
			r := &runs{}
			var h *webhooks.Handler
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { h.ServeHTTP(w, req) }))
			defer srv.Close()
			public := srv.URL + "/hook?tenant=1"
			v, err := webhooks.NewTwilio(token, webhooks.WithPublicURL(public))
			require.NoError(t, err)
			h, err = webhooks.NewHandler(v, webhooks.WithStore(b.open(t)), webhooks.WithLogger(sink.logger()))
			require.NoError(t, err)
			h.Fallback(r.on("any"))

			evil := []byte(`{"MessageSid":"SMevil","MessageStatus":"delivered"}`)
			sum := sha256.Sum256(evil)
			form := url.Values{"AccountSid": {"AC1"}, "Body": {"x&bodySHA256=" + hex.EncodeToString(sum[:]) + "&z="},
				"From": {"+15550001"}, "MessageSid": {"SM1"}, "SmsStatus": {"received"}}
			sig, formBody := webhookstest.SignTwilio(public, form, token)
			var moved strings.Builder
			for _, k := range []string{"AccountSid", "Body", "From", "MessageSid", "SmsStatus"} {
				moved.WriteString(url.QueryEscape(k + form.Get(k)))
			}
			forged := sig.Clone()
			forged.Set("Content-Type", "application/json")
			req, err := http.NewRequest(http.MethodPost, public+moved.String(), strings.NewReader(string(evil)))
			require.NoError(t, err)
			req.Header = forged
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			_ = resp.Body.Close()
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			require.Empty(t, r.list())

			// The genuine form delivery still runs, once.
			for range 2 {
				req, err := http.NewRequest(http.MethodPost, public, strings.NewReader(string(formBody)))
				require.NoError(t, err)
				req.Header = sig.Clone()
				resp, err := srv.Client().Do(req)
				require.NoError(t, err)
				_ = resp.Body.Close()
				require.Equal(t, http.StatusOK, resp.StatusCode)
			}
			require.Len(t, r.list(), 1)
			sink.check(t)
		})
	}
}

// Two Standard Webhooks senders sharing one store: the second sender's
// event with the same message ID is skipped without namespaces (which is
// why WithNamespace exists) and processed with them.
func TestAttackNamespaceKeepsSendersApart(t *testing.T) {
	secretA := "whsec_" + "c2VuZGVyLWEtc2VjcmV0LTAxMjM0NTY3ODk="
	secretB := "whsec_" + "c2VuZGVyLWItc2VjcmV0LTAxMjM0NTY3ODk="
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			store := b.open(t)
			serve := func(secret, ns string, r *runs) *httptest.Server {
				v, err := webhooks.NewStandardWebhooks(secret)
				require.NoError(t, err)
				opts := []webhooks.HandlerOption{webhooks.WithStore(store)}
				if ns != "" {
					opts = append(opts, webhooks.WithNamespace(ns))
				}
				h, err := webhooks.NewHandler(v, opts...)
				require.NoError(t, err)
				h.Fallback(r.on(ns))
				srv := httptest.NewServer(h)
				t.Cleanup(srv.Close)
				return srv
			}
			send := func(srv *httptest.Server, secret, id, body string) {
				h, err := webhookstest.SignStandardWebhooks([]byte(body), secret, id, time.Now())
				require.NoError(t, err)
				require.Equal(t, http.StatusOK, postDelivery(t, srv, []byte(body), h))
			}
			// Without namespaces sender B, choosing A's message ID, is
			// skipped: the collision the option exists for.
			plainA, plainB := &runs{}, &runs{}
			a, bsrv := serve(secretA, "", plainA), serve(secretB, "", plainB)
			send(a, secretA, "msg_same_"+randomName(), `{"type":"a"}`)
			id := "msg_shared_" + randomName()
			send(a, secretA, id, `{"type":"invoice.paid"}`)
			send(bsrv, secretB, id, `{"type":"order.shipped"}`)
			require.Empty(t, plainB.list(), "without namespaces the second sender is skipped")

			nsA, nsB := &runs{}, &runs{}
			a, bsrv = serve(secretA, "sender-a", nsA), serve(secretB, "sender-b", nsB)
			id = "msg_shared_" + randomName()
			send(a, secretA, id, `{"type":"invoice.paid"}`)
			send(bsrv, secretB, id, `{"type":"order.shipped"}`)
			require.Len(t, nsA.list(), 1)
			require.Len(t, nsB.list(), 1)
			_ = idempotency.ErrLeaseLost
		})
	}
}
