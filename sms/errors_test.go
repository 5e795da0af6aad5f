package sms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms"
)

func TestErrorKinds(t *testing.T) {
	cause := context.DeadlineExceeded
	e := &sms.Error{Kind: sms.ErrTemporary, Provider: "twilio", StatusCode: 504, Code: "20504", Message: "gateway timeout",
		RequestID: "RQ1", OutcomeUnknown: true, Err: cause}
	require.ErrorIs(t, e, sms.ErrTemporary)
	require.ErrorIs(t, e, sms.ErrUnknownOutcome)
	require.ErrorIs(t, e, context.DeadlineExceeded)
	require.True(t, e.Temporary())
	require.Equal(t, "twilio: sms: temporary failure (HTTP 504) [20504]: gateway timeout (the provider may have accepted the message) [request RQ1]", e.Error())

	require.ErrorIs(t, sms.ErrInProgress, sms.ErrTemporary, "ErrInProgress is temporary")
	require.NotErrorIs(t, sms.ErrTemporary, sms.ErrInProgress)
	require.Equal(t, sms.ErrInProgress, sms.KindOf(&sms.Error{Kind: sms.ErrInProgress}))
	require.Equal(t, sms.ErrUnknownOutcome, sms.KindOf(e))
	require.Equal(t, sms.ErrUnsubscribed, sms.KindOf(&sms.Error{Kind: sms.ErrUnsubscribed}))
	require.Nil(t, sms.KindOf(errors.New("other")))

	var ve error = &sms.ValidationError{Field: "To", Reason: "bad", Number: true}
	require.ErrorIs(t, ve, sms.ErrInvalidNumber)
	require.Equal(t, sms.ErrInvalidNumber, sms.KindOf(ve))

	cfg := sms.ConfigError("twilio", "WithBaseURL", "must be absolute")
	require.ErrorIs(t, cfg, sms.ErrInvalidConfig)
	require.Equal(t, "sms: invalid configuration: twilio: WithBaseURL: must be absolute", cfg.Error())
}

func TestCloneIsDeep(t *testing.T) {
	m := &sms.Message{To: "+1", MediaURLs: []string{"a"}, Metadata: map[string]string{"k": "v"}}
	c := m.Clone()
	c.MediaURLs[0], c.Metadata["k"] = "b", "w"
	require.Equal(t, "a", m.MediaURLs[0])
	require.Equal(t, "v", m.Metadata["k"])
	require.Nil(t, (*sms.Message)(nil).Clone())
	r := &sms.Receipt{Cost: &sms.Cost{Amount: "1"}, Metadata: map[string]string{"k": "v"}}
	rc := r.Clone()
	rc.Cost.Amount, rc.Metadata["k"] = "2", "w"
	require.Equal(t, "1", r.Cost.Amount)
	require.Equal(t, "v", r.Metadata["k"])
}
