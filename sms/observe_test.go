package sms_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms"
)

// recording is an Observer that keeps what it is given.
type recording struct {
	mu     sync.Mutex
	starts []sms.Call
	ends   []ended
}

type ended struct {
	call   sms.Call
	result sms.Result
	marked bool // End got the context Start returned
}

type markKey struct{}

func (r *recording) observer() *sms.Observer {
	return &sms.Observer{
		Start: func(ctx context.Context, c sms.Call) context.Context {
			r.mu.Lock()
			r.starts = append(r.starts, c)
			r.mu.Unlock()
			return context.WithValue(ctx, markKey{}, true)
		},
		End: func(ctx context.Context, c sms.Call, res sms.Result) {
			r.mu.Lock()
			r.ends = append(r.ends, ended{call: c, result: res, marked: ctx.Value(markKey{}) == true})
			r.mu.Unlock()
		},
	}
}

func TestObservationOutcomes(t *testing.T) {
	provider := func(kind error) error {
		return &sms.Error{Kind: kind, Provider: "twilio", StatusCode: 400, Code: "1", Message: "refused"}
	}
	cases := []struct {
		name           string
		receipt        *sms.Receipt
		err            error
		outcome, etype string
		status         string
	}{
		{"Sent", &sms.Receipt{Provider: "twilio", MessageID: "SM1", Status: sms.StatusQueued}, nil, "ok", "", "queued"},
		{"Replayed", &sms.Receipt{Provider: "twilio", MessageID: "SM1", Status: sms.StatusSent, Replayed: true}, nil, "replayed", "", "sent"},
		{"NoStatus", &sms.Receipt{Provider: "twilio", MessageID: "SM1"}, nil, "ok", "", ""},
		{"ValidationNumber", nil, &sms.ValidationError{Field: "To", Reason: "not E.164", Number: true}, "invalid", "invalid_number", ""},
		{"ValidationBody", nil, &sms.ValidationError{Field: "Body", Reason: "empty"}, "invalid", "invalid_message", ""},
		{"Unsubscribed", nil, provider(sms.ErrUnsubscribed), "unsubscribed", "unsubscribed", ""},
		{"ProviderRefusedNumber", nil, provider(sms.ErrInvalidNumber), "rejected", "invalid_number", ""},
		{"Unverified", nil, provider(sms.ErrUnverifiedRecipient), "rejected", "unverified_recipient", ""},
		{"Unreachable", nil, provider(sms.ErrUnreachable), "rejected", "unreachable", ""},
		{"SenderRejected", nil, provider(sms.ErrSenderRejected), "rejected", "sender_rejected", ""},
		{"Rejected", nil, provider(sms.ErrRejected), "rejected", "rejected", ""},
		{"InProgress", nil, &sms.Error{Kind: sms.ErrInProgress, Provider: "twilio"}, "error", "in_progress", ""},
		{"UnknownFirst", nil, &sms.Error{Kind: sms.ErrTemporary, Provider: "twilio", OutcomeUnknown: true}, "error", "unknown_outcome", ""},
		{"UnknownReplayed", nil, &sms.Error{Kind: sms.ErrUnknownOutcome, Provider: "twilio"}, "error", "unknown_outcome", ""},
		{"UnknownMalformed", nil, &sms.Error{Kind: sms.ErrUnknownOutcome, OutcomeUnknown: true, Err: sms.ErrMalformedResponse}, "error", "unknown_outcome", ""},
		{"UnknownRejected", nil, &sms.Error{Kind: sms.ErrRejected, OutcomeUnknown: true}, "error", "unknown_outcome", ""},
		{"Temporary", nil, &sms.Error{Kind: sms.ErrTemporary, Provider: "twilio", StatusCode: 429}, "error", "temporary", ""},
		{"TemporaryCanceled", nil, &sms.Error{Kind: sms.ErrTemporary, Err: context.Canceled}, "error", "temporary", ""},
		{"Authentication", nil, provider(sms.ErrAuthentication), "error", "authentication", ""},
		{"Funds", nil, provider(sms.ErrInsufficientFunds), "error", "insufficient_funds", ""},
		{"Conflict", nil, &sms.Error{Kind: sms.ErrIdempotencyConflict}, "error", "idempotency_conflict", ""},
		{"Malformed4xx", nil, &sms.Error{Kind: sms.ErrMalformedResponse}, "error", "malformed_response", ""},
		{"Closed", nil, &sms.Error{Kind: sms.ErrClosed}, "error", "closed", ""},
		{"Config", nil, sms.ConfigError("twilio", "WithFrom", "bad"), "error", "invalid_config", ""},
		{"Canceled", nil, fmt.Errorf("send: %w", context.Canceled), "error", "canceled", ""},
		{"Deadline", nil, context.DeadlineExceeded, "error", "timeout", ""},
		{"Other", nil, errors.New("boom"), "error", "_OTHER", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rec recording
			ctx, ob := sms.StartObservation(context.Background(), rec.observer(), "twilio", "send")
			require.Equal(t, true, ctx.Value(markKey{}), "the send goes on with the context Start returned")
			ob.EndReceipt(tc.receipt, tc.err)
			require.Equal(t, []sms.Call{{Component: "sms", Provider: "twilio", Operation: "send"}}, rec.starts)
			require.Len(t, rec.ends, 1, "one End per send")
			e := rec.ends[0]
			require.True(t, e.marked, "End gets the context Start returned")
			require.Equal(t, rec.starts[0], e.call)
			require.Equal(t, tc.outcome, e.result.Outcome)
			require.Equal(t, tc.etype, e.result.ErrorType)
			require.Equal(t, tc.err, e.result.Err)
			require.GreaterOrEqual(t, e.result.Duration, time.Duration(0))
			if tc.status == "" {
				require.Empty(t, e.result.Attrs)
			} else {
				require.Equal(t, []sms.Attr{{Key: "status", Value: tc.status}}, e.result.Attrs)
			}
		})
	}
}

func TestObservationEndWithoutReceipt(t *testing.T) {
	var rec recording
	_, ob := sms.StartObservation(context.Background(), rec.observer(), "log", "send")
	ob.End(nil)
	_, ob = sms.StartObservation(context.Background(), rec.observer(), "log", "send")
	ob.End(&sms.Error{Kind: sms.ErrUnsubscribed})
	require.Len(t, rec.ends, 2)
	require.Equal(t, "ok", rec.ends[0].result.Outcome)
	require.Empty(t, rec.ends[0].result.Attrs)
	require.Equal(t, "unsubscribed", rec.ends[1].result.Outcome)
}

// The words are what dashboards and alerts are written against: every
// one is a fixed snake_case word, never text of the error.
func TestObservationWordsAreFixed(t *testing.T) {
	var rec recording
	secret := &sms.Error{Kind: sms.ErrRejected, Provider: "twilio", Message: "+233241234567 refused: PLANTED"}
	_, ob := sms.StartObservation(context.Background(), rec.observer(), "twilio", "send")
	ob.EndReceipt(nil, secret)
	r := rec.ends[0].result
	require.Equal(t, "rejected", r.Outcome)
	require.Equal(t, "rejected", r.ErrorType)
	require.NotContains(t, fmt.Sprint(rec.starts, r.Outcome, r.ErrorType, r.Attrs), "PLANTED")
}

func TestObservationUnsetCostsNothing(t *testing.T) {
	ctx := context.Background()
	r := &sms.Receipt{Provider: "log", MessageID: "log-1", Status: sms.StatusSent, Replayed: true}
	err := &sms.Error{Kind: sms.ErrTemporary}
	for name, o := range map[string]*sms.Observer{"Nil": nil, "NoFunctions": {}} {
		t.Run(name, func(t *testing.T) {
			got, ob := sms.StartObservation(ctx, o, "log", "send")
			require.Equal(t, ctx, got, "an unset observer leaves the context alone")
			require.Equal(t, sms.Observation{}, ob, "and returns the zero Observation")
			allocs := testing.AllocsPerRun(100, func() {
				c, ob := sms.StartObservation(ctx, o, "log", "send")
				ob.EndReceipt(r, nil)
				ob.EndReceipt(nil, err)
				ob.End(err)
				_ = c
			})
			require.Zero(t, allocs)
		})
	}
	// The zero Observation observes nothing either.
	var zero sms.Observation
	zero.EndReceipt(r, nil)
	zero.End(err)
}

// An Observer with only End still gets the send's outcome and duration.
func TestObservationEndOnly(t *testing.T) {
	var got []sms.Result
	o := &sms.Observer{End: func(_ context.Context, _ sms.Call, r sms.Result) { got = append(got, r) }}
	_, ob := sms.StartObservation(context.Background(), o, "log", "send")
	time.Sleep(time.Millisecond)
	ob.EndReceipt(&sms.Receipt{Status: sms.StatusSent}, nil)
	require.Len(t, got, 1)
	require.Equal(t, "ok", got[0].Outcome)
	require.Positive(t, got[0].Duration)
}
