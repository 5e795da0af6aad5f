package logsms_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/logsms"
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

// markHandler records whether each message line was written on the
// send's observed context.
type markHandler struct {
	slog.Handler
	nested *[]bool
}

func (h markHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "sms message (written to the log, not sent)" {
		*h.nested = append(*h.nested, ctx.Value(markKey{}) != nil)
	}
	return nil
}

func TestNewRefusesNilObserver(t *testing.T) {
	s, err := logsms.New(slog.New(slog.DiscardHandler), logsms.WithObserver(nil))
	require.Nil(t, s)
	require.ErrorIs(t, err, sms.ErrInvalidConfig)
	require.Contains(t, err.Error(), "WithObserver")
}

func TestObserverSeesEverySend(t *testing.T) {
	var rec recorder
	var logNested []bool
	s, err := logsms.New(slog.New(markHandler{Handler: slog.NewTextHandler(io.Discard, nil), nested: &logNested}),
		logsms.WithFrom("SHOP"), logsms.WithObserver(rec.observer()))
	require.NoError(t, err)
	ctx := context.Background()
	const to, body = "+233241234567", "PLANTED body of the text"
	steps := []struct {
		name                   string
		msg                    *sms.Message
		outcome, etype, status string
	}{
		{"Sent", &sms.Message{To: to, Body: body, IdempotencyKey: "order-7"}, "ok", "", "sent"},
		{"Replayed", &sms.Message{To: to, Body: body, IdempotencyKey: "order-7"}, "replayed", "", "sent"},
		{"Conflict", &sms.Message{To: to, Body: "another text", IdempotencyKey: "order-7"}, "error", "idempotency_conflict", ""},
		{"InvalidNumber", &sms.Message{To: "0241234567", Body: body}, "invalid", "invalid_number", ""},
		{"InvalidBody", &sms.Message{To: to, Body: "nul\x00"}, "invalid", "invalid_message", ""},
		{"Nil", nil, "invalid", "invalid_message", ""},
	}
	for i, st := range steps {
		_, _ = s.Send(ctx, st.msg)
		require.Len(t, rec.results, i+1, "%s: one observation per Send", st.name)
		outcome, etype, status := rec.last(t)
		require.Equal(t, st.outcome, outcome, st.name)
		require.Equal(t, st.etype, etype, st.name)
		require.Equal(t, st.status, status, st.name)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Send(canceled, &sms.Message{To: to, Body: body})
	require.ErrorIs(t, err, sms.ErrTemporary)
	outcome, etype, _ := rec.last(t)
	require.Equal(t, []string{"error", "temporary"}, []string{outcome, etype})
	require.NoError(t, s.Close())
	_, err = s.Send(ctx, &sms.Message{To: to, Body: body})
	require.ErrorIs(t, err, sms.ErrClosed)
	outcome, etype, _ = rec.last(t)
	require.Equal(t, []string{"error", "closed"}, []string{outcome, etype})

	for i, c := range rec.starts {
		require.Equal(t, sms.Call{Component: "sms", Provider: logsms.Name, Operation: "send"}, c)
		require.True(t, rec.nested[i], "End gets the context Start returned")
	}
	require.Equal(t, []bool{true}, logNested, "one message was written, on the send's context")

	seen := fmt.Sprintf("%+v", rec.starts)
	for _, r := range rec.results {
		seen += fmt.Sprintf(" %s %s %+v", r.Outcome, r.ErrorType, r.Attrs)
	}
	for _, secret := range []string{"+233", "0241234567", "PLANTED", "order-", "SHOP"} {
		require.NotContains(t, seen, secret)
	}
}
