package otelobserve_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/smstest"
	"github.com/switchboard-go/switchboard/sms/twiliosms"
)

// An SMS send through Calls: a span per send, the parent of its HTTP
// call, counted by outcome, and no number, body, key or credential in
// any attribute.
func TestSMSSpansAndMetrics(t *testing.T) {
	hs := newHarness(t)
	srv := smstest.NewTwilioServer(t)
	mem, err := memstore.New()
	require.NoError(t, err)
	store := idempotency.ObserveStore(mem, hs.tel.Store())
	defer store.Close()
	s, err := twiliosms.New(srv.AccountSID, srv.AuthToken, twiliosms.WithBaseURL(srv.URL), twiliosms.WithStore(store),
		twiliosms.WithFrom(smstest.TwilioValidFrom), twiliosms.WithObserver(hs.tel.Calls()),
		twiliosms.WithHTTPOptions(httpclient.WithObserver(hs.tel.HTTPClient())))
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	const to, body = "+233241234567", "PLANTED text: your code is 424242"
	msg := &sms.Message{To: to, Body: body, IdempotencyKey: plantedIdemKey, Metadata: map[string]string{"order": "PLANTEDorder"}}
	first, err := s.Send(ctx, msg)
	require.NoError(t, err)
	again, err := s.Send(ctx, msg)
	require.NoError(t, err)
	require.True(t, again.Replayed)
	_, err = s.Send(ctx, &sms.Message{To: smstest.TwilioUnsubscribedTo, Body: body})
	require.ErrorIs(t, err, sms.ErrUnsubscribed)
	_, err = s.Send(ctx, &sms.Message{To: "0241234567", Body: body})
	require.ErrorIs(t, err, sms.ErrInvalidNumber)
	require.Equal(t, 2, srv.Calls(), "the replay and the invalid message sent nothing")

	sends := hs.spans("sms.send twilio")
	require.Len(t, sends, 4)
	a := attrs(sends[0])
	require.Equal(t, "twilio", a["switchboard.provider"])
	require.Equal(t, "send", a["switchboard.operation"])
	require.Equal(t, "ok", a["switchboard.outcome"])
	require.Equal(t, "queued", a["switchboard.sms.status"])
	require.NotContains(t, a, "error.type")
	require.Equal(t, "Unset", sends[0].Status().Code.String())
	a = attrs(sends[1])
	require.Equal(t, "replayed", a["switchboard.outcome"])
	require.Equal(t, "queued", a["switchboard.sms.status"])
	a = attrs(sends[2])
	require.Equal(t, "unsubscribed", a["switchboard.outcome"])
	require.Equal(t, "unsubscribed", a["error.type"])
	require.Equal(t, "Error", sends[2].Status().Code.String())
	a = attrs(sends[3])
	require.Equal(t, "invalid", a["switchboard.outcome"])
	require.Equal(t, "invalid_number", a["error.type"])

	host := strings.TrimPrefix(srv.URL, "http://")
	calls := hs.spans("POST " + host)
	require.Len(t, calls, 2, "one HTTP call per message that reached Twilio")
	require.True(t, parentIs(calls[0], sends[0].SpanContext()), "the HTTP call nests under the send")
	require.True(t, parentIs(calls[1], sends[2].SpanContext()))
	names := func(spans []sdktrace.ReadOnlySpan) []string {
		var out []string
		for _, s := range spans {
			out = append(out, s.Name())
		}
		return out
	}
	require.ElementsMatch(t, []string{"claim memstore", "POST " + host, "complete memstore"}, names(hs.children(sends[0])),
		"the store's claim and complete and the HTTP call nest under the send")
	require.Equal(t, []string{"claim memstore"}, names(hs.children(sends[1])), "a replay reads the store and calls nobody")

	rm := hs.collect()
	ops := "switchboard.sms.operations"
	require.EqualValues(t, 1, hs.count(rm, ops, map[string]string{"switchboard.provider": "twilio", "switchboard.operation": "send",
		"switchboard.outcome": "ok", "switchboard.sms.status": "queued"}))
	require.EqualValues(t, 1, hs.count(rm, ops, map[string]string{"switchboard.outcome": "replayed"}))
	require.EqualValues(t, 1, hs.count(rm, ops, map[string]string{"switchboard.outcome": "unsubscribed", "error.type": "unsubscribed"}))
	require.EqualValues(t, 1, hs.count(rm, ops, map[string]string{"switchboard.outcome": "invalid", "error.type": "invalid_number"}))
	require.EqualValues(t, 4, hs.count(rm, "switchboard.sms.operation.duration", map[string]string{"switchboard.provider": "twilio"}))
	require.Equal(t, map[string]bool{"switchboard.provider": true, "switchboard.operation": true, "switchboard.outcome": true,
		"switchboard.sms.status": true, "error.type": true}, hs.metricKeys(rm, ops), "metrics carry words only")

	hs.requireNoSecrets("PLANTED", "424242", to, "+23324", "0241234567", smstest.TwilioUnsubscribedTo, smstest.TwilioValidFrom,
		srv.AuthToken, first.MessageID)
}
