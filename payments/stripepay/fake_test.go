package stripepay_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/switchboard-go/switchboard/payments"
)

// fakeStripe is a small stateful Stripe API for the parts of it stripepay
// uses, answering as Stripe documents: PaymentIntents (create, retrieve
// with expand[]=latest_charge, cancel), Refunds (create, retrieve), the
// idempotency layer (the first result for a key is replayed; the same key
// with other parameters is a 400 idempotency_error), 404 resource_missing,
// and injected failures. stripe-mock, being stateless, can do none of
// the stateful parts.
type fakeStripe struct {
	srv   *httptest.Server
	calls atomic.Int64

	mu      sync.Mutex
	seq     int
	intents map[string]*fakeIntent
	refunds map[string]map[string]any
	idem    map[string]idemEntry
	inject  error
}

type fakeIntent struct {
	obj      map[string]any
	charge   map[string]any // nil until the payment succeeds
	refunded int64
}

type idemEntry struct {
	params string
	status int
	body   []byte
}

func newFakeStripe(t *testing.T) *fakeStripe {
	f := &fakeStripe{intents: map[string]*fakeIntent{}, refunds: map[string]map[string]any{}, idem: map[string]idemEntry{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func stripeErr(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	e := map[string]any{"type": typ, "message": msg}
	if code != "" {
		e["code"] = code
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}

func (f *fakeStripe) injectError(kind error) {
	f.mu.Lock()
	f.inject = kind
	f.mu.Unlock()
}

func (f *fakeStripe) serve(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	w.Header().Set("Request-Id", "req_fake"+strconv.FormatInt(f.calls.Load(), 10))
	if err := r.ParseForm(); err != nil {
		stripeErr(w, 400, "invalid_request_error", "", "bad form")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch f.inject {
	case payments.ErrRateLimited:
		stripeErr(w, 429, "invalid_request_error", "rate_limit", "Too many requests hit the API too quickly.")
		return
	case payments.ErrProviderUnavailable:
		w.Header().Set("Stripe-Should-Retry", "false")
		stripeErr(w, 500, "api_error", "", "Something went wrong on Stripe's end.")
		return
	case payments.ErrAuthentication:
		stripeErr(w, 401, "invalid_request_error", "", "Invalid API Key provided: sk_test_****5678")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer sk_test_") {
		stripeErr(w, 401, "invalid_request_error", "", "You did not provide an API key.")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if r.Method == http.MethodPost && key != "" {
		fp := r.URL.Path + "?" + canonical(r.PostForm)
		if e, ok := f.idem[key]; ok {
			if e.params != fp {
				stripeErr(w, 400, "idempotency_error", "",
					"Keys for idempotent requests can only be used with the same parameters they were first used with.")
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(e.status)
			_, _ = w.Write(e.body)
			return
		}
		rec := httptest.NewRecorder()
		f.route(rec, r)
		f.idem[key] = idemEntry{params: fp, status: rec.Code, body: rec.Body.Bytes()}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	f.route(w, r)
}

// canonical encodes a form with its keys sorted, minus expand.
func canonical(v url.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + strings.Join(v[k], ",") + "&")
	}
	return b.String()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeStripe) route(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "payment_intents":
		f.createIntent(w, r)
	case r.Method == http.MethodGet && len(parts) == 3 && parts[1] == "payment_intents":
		pi, ok := f.intents[parts[2]]
		if !ok {
			stripeErr(w, 404, "invalid_request_error", "resource_missing", "No such payment_intent: '"+parts[2]+"'")
			return
		}
		writeJSON(w, f.render(pi, expands(r.Form)))
	case r.Method == http.MethodPost && len(parts) == 4 && parts[1] == "payment_intents" && parts[3] == "cancel":
		pi, ok := f.intents[parts[2]]
		if !ok {
			stripeErr(w, 404, "invalid_request_error", "resource_missing", "No such payment_intent: '"+parts[2]+"'")
			return
		}
		if s := pi.obj["status"]; s == "succeeded" || s == "canceled" {
			stripeErr(w, 400, "invalid_request_error", "payment_intent_unexpected_state",
				fmt.Sprintf("You cannot cancel this PaymentIntent because it has a status of %s.", s))
			return
		}
		pi.obj["status"] = "canceled"
		pi.obj["cancellation_reason"] = "requested_by_customer"
		writeJSON(w, f.render(pi, nil))
	case r.Method == http.MethodPost && len(parts) == 2 && parts[1] == "refunds":
		f.createRefund(w, r)
	case r.Method == http.MethodGet && len(parts) == 3 && parts[1] == "refunds":
		re, ok := f.refunds[parts[2]]
		if !ok {
			stripeErr(w, 404, "invalid_request_error", "resource_missing", "No such refund: '"+parts[2]+"'")
			return
		}
		writeJSON(w, re)
	default:
		stripeErr(w, 404, "invalid_request_error", "", "Unrecognized request URL ("+r.Method+": "+r.URL.Path+").")
	}
}

func (f *fakeStripe) createIntent(w http.ResponseWriter, r *http.Request) {
	amount, err := strconv.ParseInt(r.PostForm.Get("amount"), 10, 64)
	if err != nil || amount <= 0 {
		stripeErr(w, 400, "invalid_request_error", "parameter_invalid_integer", "Invalid positive integer")
		return
	}
	f.seq++
	id := fmt.Sprintf("pi_fake%04d", f.seq)
	md := map[string]any{}
	for k, v := range r.PostForm {
		if strings.HasPrefix(k, "metadata[") && strings.HasSuffix(k, "]") {
			md[k[len("metadata["):len(k)-1]] = v[0]
		}
	}
	obj := map[string]any{
		"id": id, "object": "payment_intent", "amount": amount, "amount_received": 0,
		"currency": r.PostForm.Get("currency"), "status": "requires_payment_method",
		"client_secret": id + "_secret_fake", "metadata": md, "created": 1700000000 + f.seq,
		"description": nilIfEmpty(r.PostForm.Get("description")), "receipt_email": nilIfEmpty(r.PostForm.Get("receipt_email")),
		"last_payment_error": nil, "next_action": nil, "latest_charge": nil, "livemode": false,
		"automatic_payment_methods": map[string]any{"enabled": r.PostForm.Get("automatic_payment_methods[enabled]") == "true"},
	}
	pi := &fakeIntent{obj: obj}
	f.intents[id] = pi
	writeJSON(w, f.render(pi, nil))
}

// expands returns the expand parameters, which stripe-go sends as
// expand[0]=... and other clients as expand[]=....
func expands(v url.Values) []string {
	var out []string
	for k, vals := range v {
		if strings.HasPrefix(k, "expand[") {
			out = append(out, vals...)
		}
	}
	return out
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (f *fakeStripe) render(pi *fakeIntent, expand []string) map[string]any {
	out := make(map[string]any, len(pi.obj))
	for k, v := range pi.obj {
		out[k] = v
	}
	if pi.charge != nil {
		pi.charge["amount_refunded"] = pi.refunded
		pi.charge["refunded"] = pi.refunded == pi.obj["amount"]
		out["latest_charge"] = pi.charge["id"]
		for _, e := range expand {
			if e == "latest_charge" {
				out["latest_charge"] = pi.charge
			}
		}
	}
	return out
}

func (f *fakeStripe) createRefund(w http.ResponseWriter, r *http.Request) {
	id := r.PostForm.Get("payment_intent")
	pi, ok := f.intents[id]
	if !ok {
		stripeErr(w, 404, "invalid_request_error", "resource_missing", "No such payment_intent: '"+id+"'")
		return
	}
	if pi.charge == nil {
		stripeErr(w, 400, "invalid_request_error", "", "This PaymentIntent does not have a successful charge to refund.")
		return
	}
	left := pi.obj["amount"].(int64) - pi.refunded
	if left == 0 {
		stripeErr(w, 400, "invalid_request_error", "charge_already_refunded", "Charge "+pi.charge["id"].(string)+" has already been refunded.")
		return
	}
	amount := left
	if s := r.PostForm.Get("amount"); s != "" {
		amount, _ = strconv.ParseInt(s, 10, 64)
		if amount > left {
			stripeErr(w, 400, "invalid_request_error", "amount_too_large",
				fmt.Sprintf("Refund amount (%d) is greater than unrefunded amount on charge (%d)", amount, left))
			return
		}
	}
	pi.refunded += amount
	f.seq++
	rid := fmt.Sprintf("re_fake%04d", f.seq)
	re := map[string]any{
		"id": rid, "object": "refund", "amount": amount, "currency": pi.obj["currency"], "status": "succeeded",
		"payment_intent": id, "charge": pi.charge["id"], "reason": nilIfEmpty(r.PostForm.Get("reason")),
		"metadata": map[string]any{}, "created": 1700000000 + f.seq,
	}
	f.refunds[rid] = re
	writeJSON(w, re)
}

// succeed plays a customer paying: the intent succeeds with one charge.
func (f *fakeStripe) succeed(t *testing.T, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pi, ok := f.intents[id]
	if !ok {
		t.Fatalf("fake stripe: no intent %s", id)
	}
	pi.obj["status"] = "succeeded"
	pi.obj["amount_received"] = pi.obj["amount"]
	pi.charge = map[string]any{"id": "ch_" + strings.TrimPrefix(id, "pi_"), "object": "charge",
		"amount": pi.obj["amount"], "amount_captured": pi.obj["amount"], "currency": pi.obj["currency"],
		"payment_intent": id, "status": "succeeded", "paid": true}
}

// fail plays a declined card.
func (f *fakeStripe) fail(t *testing.T, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pi, ok := f.intents[id]
	if !ok {
		t.Fatalf("fake stripe: no intent %s", id)
	}
	pi.obj["status"] = "requires_payment_method"
	pi.obj["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined",
		"decline_code": "insufficient_funds", "message": "Your card has insufficient funds."}
}

// requireAction plays a card that needs 3-D Secure.
func (f *fakeStripe) requireAction(t *testing.T, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pi, ok := f.intents[id]
	if !ok {
		t.Fatalf("fake stripe: no intent %s", id)
	}
	pi.obj["status"] = "requires_action"
	pi.obj["next_action"] = map[string]any{"type": "use_stripe_sdk", "use_stripe_sdk": map[string]any{"type": "three_d_secure_redirect"}}
}
