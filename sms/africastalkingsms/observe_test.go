package africastalkingsms_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/africastalkingsms"
	"github.com/switchboard-go/switchboard/sms/internal/smskit"
	"github.com/switchboard-go/switchboard/sms/smstest"
)

// recorder is an sms.Observer that keeps what it is given.
type recorder struct {
	mu      sync.Mutex
	starts  []sms.Call
	results []sms.Result
	nested  []bool // End got the context Start returned
}

type markKey struct{}

func (r *recorder) observer() *sms.Observer {
	return &sms.Observer{
		Start: func(ctx context.Context, c sms.Call) context.Context {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.starts = append(r.starts, c)
			return context.WithValue(ctx, markKey{}, len(r.starts))
		},
		End: func(ctx context.Context, c sms.Call, res sms.Result) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.results = append(r.results, res)
			r.nested = append(r.nested, ctx.Value(markKey{}) == len(r.results))
		},
	}
}

// last returns the outcome, error type and status detail of the last
// observation.
func (r *recorder) last(t *testing.T) (outcome, errorType, status string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.results)
	res := r.results[len(r.results)-1]
	for _, a := range res.Attrs {
		if a.Key == "status" {
			status = a.Value
		}
	}
	return res.Outcome, res.ErrorType, status
}

func TestNewRefusesNilObserver(t *testing.T) {
	s, err := africastalkingsms.New("shop", apiKey, africastalkingsms.WithObserver(nil))
	require.Nil(t, s)
	require.ErrorIs(t, err, sms.ErrInvalidConfig)
	require.Contains(t, err.Error(), "WithObserver")
}

func TestObserverSeesEverySend(t *testing.T) {
	srv := smstest.NewAfricasTalkingServer(t)
	store, err := memstore.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	var rec recorder
	var httpNested []bool
	httpObs := &httpclient.Observer{CallStart: func(ctx context.Context, _ httpclient.CallInfo) context.Context {
		httpNested = append(httpNested, ctx.Value(markKey{}) != nil)
		return ctx
	}}
	s, err := africastalkingsms.New(srv.Username, srv.APIKey, africastalkingsms.WithBaseURL(srv.URL), africastalkingsms.WithStore(store),
		africastalkingsms.WithObserver(rec.observer()), africastalkingsms.WithHTTPOptions(httpclient.WithObserver(httpObs)))
	require.NoError(t, err)
	ctx := context.Background()
	const to, body = "+254711082300", "PLANTED body of the text"
	const (
		blacklisted = "+254711000001"
		broke       = "+254711000002"
		invalid     = "+254711000003"
		dnd         = "+254711000004"
	)
	srv.Refuse(blacklisted, smstest.ATUserInBlacklist)
	srv.Refuse(broke, smstest.ATInsufficientBalance)
	srv.Refuse(invalid, smstest.ATInvalidPhoneNumber)
	srv.Refuse(dnd, smstest.ATDoNotDisturb)
	srv.RefuseSender("NOTOURS")

	steps := []struct {
		name                   string
		prepare                func() func()
		msg                    sms.Message
		outcome, etype, status string
	}{
		{name: "Sent", msg: sms.Message{To: to, Body: body, IdempotencyKey: "order-7"}, outcome: "ok", status: "sent"},
		{name: "Replayed", msg: sms.Message{To: to, Body: body, IdempotencyKey: "order-7"}, outcome: "replayed", status: "sent"},
		{name: "InvalidNumber", msg: sms.Message{To: "0711082300", Body: body}, outcome: "invalid", etype: "invalid_number"},
		{name: "InvalidMedia", msg: sms.Message{To: to, Body: body, MediaURLs: []string{"https://example.com/a.png"}}, outcome: "invalid", etype: "invalid_message"},
		{name: "Blacklisted", msg: sms.Message{To: blacklisted, Body: body}, outcome: "unsubscribed", etype: "unsubscribed"},
		{name: "DoNotDisturb", msg: sms.Message{To: dnd, Body: body}, outcome: "unsubscribed", etype: "unsubscribed"},
		{name: "ProviderRefusedNumber", msg: sms.Message{To: invalid, Body: body}, outcome: "rejected", etype: "invalid_number"},
		{name: "SenderRejected", msg: sms.Message{To: to, From: "NOTOURS", Body: body}, outcome: "rejected", etype: "sender_rejected"},
		{name: "InsufficientFunds", msg: sms.Message{To: broke, Body: body}, outcome: "error", etype: "insufficient_funds"},
		{name: "Conflict", msg: sms.Message{To: to, Body: "another text", IdempotencyKey: "order-7"}, outcome: "error", etype: "idempotency_conflict"},
		{name: "RateLimited", prepare: func() func() { return srv.Fail(429) }, msg: sms.Message{To: to, Body: body}, outcome: "error", etype: "temporary"},
		{name: "Unauthorized", prepare: func() func() { return srv.Fail(401) }, msg: sms.Message{To: to, Body: body}, outcome: "error", etype: "authentication"},
		{name: "AnswerLost", prepare: srv.Drop, msg: sms.Message{To: to, Body: body, IdempotencyKey: "order-8"}, outcome: "error", etype: "unknown_outcome"},
		{name: "UnknownReplayed", msg: sms.Message{To: to, Body: body, IdempotencyKey: "order-8"}, outcome: "error", etype: "unknown_outcome"},
		{name: "Garbled", prepare: srv.Garble, msg: sms.Message{To: to, Body: body}, outcome: "error", etype: "unknown_outcome"},
		{name: "InProgress", prepare: func() func() {
			m := &sms.Message{To: to, Body: body, IdempotencyKey: "order-9"}
			_, err := store.Claim(ctx, smskit.KeyPrefix+m.IdempotencyKey, smskit.Fingerprint(m), time.Minute)
			require.NoError(t, err)
			return func() {}
		}, msg: sms.Message{To: to, Body: body, IdempotencyKey: "order-9"}, outcome: "error", etype: "in_progress"},
	}
	for i, st := range steps {
		if st.prepare != nil {
			clear := st.prepare()
			_, _ = s.Send(ctx, &st.msg)
			clear()
		} else {
			_, _ = s.Send(ctx, &st.msg)
		}
		require.Len(t, rec.results, i+1, "%s: one observation per Send", st.name)
		outcome, etype, status := rec.last(t)
		require.Equal(t, st.outcome, outcome, st.name)
		require.Equal(t, st.etype, etype, st.name)
		require.Equal(t, st.status, status, st.name)
	}
	require.NoError(t, s.Close())
	_, err = s.Send(ctx, &sms.Message{To: to, Body: body})
	require.ErrorIs(t, err, sms.ErrClosed)
	outcome, etype, _ := rec.last(t)
	require.Equal(t, []string{"error", "closed"}, []string{outcome, etype})

	for i, c := range rec.starts {
		require.Equal(t, sms.Call{Component: "sms", Provider: africastalkingsms.Name, Operation: "send"}, c)
		require.True(t, rec.nested[i], "End gets the context Start returned")
	}
	require.NotEmpty(t, httpNested)
	for _, n := range httpNested {
		require.True(t, n, "the HTTP call runs on the send's context")
	}

	// Nothing observed names a number, the body, a key or a credential.
	seen := fmt.Sprintf("%+v", rec.starts)
	for _, r := range rec.results {
		seen += fmt.Sprintf(" %s %s %+v", r.Outcome, r.ErrorType, r.Attrs)
	}
	for _, secret := range []string{"+254", "0711082300", "PLANTED", "order-", "NOTOURS", srv.APIKey, srv.Username} {
		require.NotContains(t, seen, secret)
	}
}

// A Sender built without WithObserver reports nowhere, beside one that
// reports.
func TestUnsetObserverObservesNothing(t *testing.T) {
	srv := smstest.NewAfricasTalkingServer(t)
	var rec recorder
	observed, err := africastalkingsms.New(srv.Username, srv.APIKey, africastalkingsms.WithBaseURL(srv.URL), africastalkingsms.WithObserver(rec.observer()))
	require.NoError(t, err)
	defer observed.Close()
	unset, err := africastalkingsms.New(srv.Username, srv.APIKey, africastalkingsms.WithBaseURL(srv.URL))
	require.NoError(t, err)
	defer unset.Close()
	m := &sms.Message{To: "+254711082300", Body: "hi"}
	_, err = unset.Send(context.Background(), m)
	require.NoError(t, err)
	require.Empty(t, rec.starts)
	_, err = observed.Send(context.Background(), m)
	require.NoError(t, err)
	require.Len(t, rec.results, 1)
}
