package otelobserve_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/sendgridmail"
	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/internal/observe"
	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/login/logintest"
	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/localmedia"
	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
)

func TestPaymentsSpansAndMetrics(t *testing.T) {
	hs := newHarness(t)
	p, err := sandboxpay.New(sandboxpay.WithObserver(hs.tel.Calls()))
	require.NoError(t, err)
	ctx := context.Background()
	pay, err := p.CreatePayment(ctx, payments.CreatePaymentParams{Amount: payments.NewMoney(5000, "NGN"),
		CustomerEmail: "PLANTED.customer@example.com", IdempotencyKey: plantedIdemKey, Metadata: map[string]string{"k": "PLANTEDmeta"}})
	require.NoError(t, err)
	p.FailNext(payments.ErrCardDeclined)
	_, err = p.CreatePayment(ctx, payments.CreatePaymentParams{Amount: payments.NewMoney(5000, "NGN"), CustomerEmail: "PLANTED.customer@example.com"})
	require.ErrorIs(t, err, payments.ErrCardDeclined)
	_, err = p.GetPayment(ctx, "pay_missing")
	require.ErrorIs(t, err, payments.ErrNotFound)

	spans := hs.spans("payments.create_payment sandbox")
	require.Len(t, spans, 2)
	a := attrs(spans[0])
	require.Equal(t, "ok", a["switchboard.outcome"])
	require.Equal(t, "NGN", a["switchboard.payments.currency"])
	require.Equal(t, string(pay.Status), a["switchboard.payments.status"])
	require.Equal(t, "sandbox", a["switchboard.provider"])
	require.Equal(t, "create_payment", a["switchboard.operation"])
	a = attrs(spans[1])
	require.Equal(t, "declined", a["switchboard.outcome"])
	require.Equal(t, "card_declined", a["error.type"])
	require.Equal(t, "Error", spans[1].Status().Code.String())
	require.Equal(t, "not_found", attrs(hs.span("payments.get_payment sandbox"))["error.type"])

	rm := hs.collect()
	ops := "switchboard.payments.operations"
	require.EqualValues(t, 1, hs.count(rm, ops, map[string]string{"switchboard.provider": "sandbox", "switchboard.operation": "create_payment",
		"switchboard.outcome": "ok", "switchboard.payments.currency": "NGN"}))
	require.EqualValues(t, 1, hs.count(rm, ops, map[string]string{"switchboard.outcome": "declined", "error.type": "card_declined"}))
	require.EqualValues(t, 3, hs.count(rm, "switchboard.payments.operation.duration", map[string]string{"switchboard.provider": "sandbox"}))
	hs.requireNoSecrets("PLANTED", pay.ID)
}

func TestEmailSpanIsTheParentOfItsHTTPCall(t *testing.T) {
	hs := newHarness(t)
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		w.Header().Set("X-Message-Id", "msg-1")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	const key = "SG.PLANTEDsendgridKEY"
	s, err := sendgridmail.New(key, sendgridmail.WithBaseURL(srv.URL), sendgridmail.WithObserver(hs.tel.Calls()),
		sendgridmail.WithHTTPOptions(httpclient.WithObserver(hs.tel.HTTPClient())))
	require.NoError(t, err)
	msg := &email.Message{From: "PLANTEDsender@example.com", To: []string{"PLANTEDrcpt@example.com"},
		Subject: "PLANTED subject", Text: "PLANTED body"}
	_, err = s.Send(context.Background(), msg)
	require.NoError(t, err)
	require.Equal(t, "Bearer "+key, auth)
	_, err = s.Send(context.Background(), &email.Message{From: "not an address", To: []string{"x@example.com"}, Subject: "s", Text: "t"})
	require.ErrorIs(t, err, email.ErrInvalidMessage)

	sends := hs.spans("email.send sendgrid")
	require.Len(t, sends, 2)
	require.Equal(t, "ok", attrs(sends[0])["switchboard.outcome"])
	require.Equal(t, "invalid", attrs(sends[1])["switchboard.outcome"])
	require.Equal(t, "invalid_message", attrs(sends[1])["error.type"])
	call := hs.spans("POST " + strings.TrimPrefix(srv.URL, "http://"))
	require.Len(t, call, 1)
	require.True(t, parentIs(call[0], sends[0].SpanContext()), "the HTTP call nests under the send")

	rm := hs.collect()
	require.EqualValues(t, 1, hs.count(rm, "switchboard.email.operations", map[string]string{"switchboard.outcome": "ok", "switchboard.provider": "sendgrid"}))
	require.EqualValues(t, 1, hs.count(rm, "switchboard.email.operations", map[string]string{"switchboard.outcome": "invalid"}))
	hs.requireNoSecrets("PLANTED")
}

func TestMediaSpans(t *testing.T) {
	hs := newHarness(t)
	st, err := localmedia.New(t.TempDir(), localmedia.WithBaseURL("http://localhost/media/"),
		localmedia.WithSigningKey([]byte("PLANTEDsigningKEY-0123456789abcdef")), localmedia.WithObserver(hs.tel.Calls()))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = st.Upload(ctx, &media.Upload{Folder: "PLANTEDfolder", Name: "PLANTEDname.txt", Body: strings.NewReader("plain text")})
	require.Error(t, err)
	require.NoError(t, st.Delete(ctx, "public/PLANTEDfolder/none.png"))

	up := hs.span("media.upload local")
	require.Equal(t, "rejected", attrs(up)["switchboard.outcome"])
	require.Equal(t, "ok", attrs(hs.span("media.delete local"))["switchboard.outcome"])
	rm := hs.collect()
	require.EqualValues(t, 1, hs.count(rm, "switchboard.media.operations", map[string]string{"switchboard.operation": "upload", "switchboard.outcome": "rejected"}))
	hs.requireNoSecrets("PLANTED")
}

// fakeProvider signs in at once: its authorization page is the callback.
type fakeProvider struct{ deny bool }

func (fakeProvider) Name() string { return "fake" }
func (f fakeProvider) AuthCodeURL(req *login.AuthRequest) string {
	if f.deny {
		return req.RedirectURL + "?state=" + req.State + "&error=access_denied"
	}
	return req.RedirectURL + "?state=" + req.State + "&code=PLANTEDcode"
}
func (fakeProvider) Exchange(ctx context.Context, req *login.AuthRequest, cb *login.Callback) (*login.Identity, error) {
	return &login.Identity{Subject: "PLANTEDsubject", Email: "PLANTEDuser@example.com", EmailVerified: true}, nil
}

func TestLoginOutcomes(t *testing.T) {
	hs := newHarness(t)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var signedIn int
	onLogin := func(w http.ResponseWriter, r *http.Request, id *login.Identity) error { signedIn++; return nil }
	key := []byte("PLANTEDcookieKEY-0123456789abcdefghijklmnop")
	h, err := login.NewHandler(srv.URL, key, []login.Provider{fakeProvider{}}, onLogin, login.WithObserver(hs.tel.Calls()))
	require.NoError(t, err)
	mux.Handle("/login/", h)
	b := logintest.NewBrowser()
	page := b.Get(t, srv.URL+"/login/fake")
	require.Equal(t, 1, signedIn, "status %d", page.Status)

	denied := http.NewServeMux()
	srv2 := httptest.NewServer(denied)
	defer srv2.Close()
	h2, err := login.NewHandler(srv2.URL, key, []login.Provider{fakeProvider{deny: true}}, onLogin, login.WithObserver(hs.tel.Calls()))
	require.NoError(t, err)
	denied.Handle("/login/", h2)
	logintest.NewBrowser().Get(t, srv2.URL+"/login/fake")

	starts := hs.spans("login.start fake")
	require.Len(t, starts, 2)
	signIns := hs.spans("login.sign_in fake")
	require.Len(t, signIns, 2)
	require.Equal(t, "ok", attrs(signIns[0])["switchboard.outcome"])
	require.Equal(t, "refused", attrs(signIns[1])["switchboard.outcome"])
	require.Equal(t, "access_denied", attrs(signIns[1])["error.type"])
	rm := hs.collect()
	require.EqualValues(t, 1, hs.count(rm, "switchboard.login.operations", map[string]string{"switchboard.operation": "sign_in", "switchboard.outcome": "ok"}))
	require.EqualValues(t, 1, hs.count(rm, "switchboard.login.operations", map[string]string{"switchboard.operation": "sign_in", "error.type": "access_denied"}))
	hs.requireNoSecrets("PLANTED")
}

// A component that does not exist yet (a queue worker) uses the shared
// shape and needs nothing new here: its instruments are made on first
// use, and the trace context its job carried becomes a link.
func TestCallsServeANewComponent(t *testing.T) {
	hs := newHarness(t)
	ctx, op := observe.Begin(context.Background(), hs.tel.Calls(), observe.Call{
		Component: "queue", Provider: "river", Operation: "process", TraceParent: remoteParent})
	op.End(observe.Result{Outcome: "ok", Attrs: []observe.Attr{{Key: "kind", Value: "send_receipt"}}})
	_ = ctx
	s := hs.span("queue.process river")
	require.False(t, s.Parent().IsValid(), "the job's trace context is not the parent")
	require.Len(t, s.Links(), 1)
	require.Equal(t, remoteTraceID, s.Links()[0].SpanContext.TraceID().String())
	require.Equal(t, "send_receipt", attrs(s)["switchboard.queue.kind"])
	rm := hs.collect()
	require.EqualValues(t, 1, hs.count(rm, "switchboard.queue.operations", map[string]string{"switchboard.provider": "river", "switchboard.queue.kind": "send_receipt"}))
	require.EqualValues(t, 1, hs.count(rm, "switchboard.queue.operation.duration", map[string]string{"switchboard.outcome": "ok"}))

	// A component name that cannot name an instrument still gets its span.
	_, op = observe.Begin(context.Background(), hs.tel.Calls(), observe.Call{Component: "Bad Name", Provider: "p", Operation: "o"})
	op.End(observe.Result{Outcome: "ok"})
	hs.span("Bad Name.o p")
}
