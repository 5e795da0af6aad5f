package sendertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/httpsend"
	"github.com/switchboard-go/switchboard/httpclient"
)

// RequireErrorHides fails t if err, in any of its formats, quotes one of
// the secrets. Wrapped *email.SendError values are formatted too.
func RequireErrorHides(t testing.TB, err error, secrets ...string) {
	t.Helper()
	require.Error(t, err)
	out := err.Error() + fmt.Sprintf(" %v %+v %#v", err, err, err)
	var se *email.SendError
	if errors.As(err, &se) {
		out += fmt.Sprintf(" %v %+v %#v", se, se, se)
	}
	for _, secret := range secrets {
		require.NotContains(t, out, secret)
	}
}

// RequireHidden fails t if v formatted with %v, %+v, %#v or %s, or its
// String method, quotes one of the secrets.
func RequireHidden(t testing.TB, v any, secrets ...string) {
	t.Helper()
	outs := []string{fmt.Sprintf("%v %+v %#v %s", v, v, v, v)}
	if s, ok := v.(fmt.Stringer); ok {
		outs = append(outs, s.String())
	}
	for _, out := range outs {
		for _, secret := range secrets {
			require.NotContains(t, out, secret)
		}
	}
}

// SendErrorCase is an error answer of the fake API and what a Send that
// gets it must return.
type SendErrorCase struct {
	Name   string
	Status int
	Body   string
	Kind   error
	Code   string
}

// RunSendErrors answers a Send with each case's status and body and checks
// the error: its kind, that it is a *email.SendError of the provider with
// the case's status and code that still wraps the *httpclient.StatusError,
// that the request was not retried, and that neither the error nor the
// debug log quotes the secret while the log records the failure.
func RunSendErrors(t *testing.T, setup Setup, cases []SendErrorCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			s, srv := setup.Start(t, logger)
			srv.Respond(tt.Status, tt.Body)
			rcpt, err := s.Send(context.Background(), setup.message())
			require.Nil(t, rcpt)
			require.ErrorIs(t, err, tt.Kind)
			require.NotErrorIs(t, err, email.ErrInvalidMessage, "only a *ValidationError is ErrInvalidMessage")
			var se *email.SendError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.Status, se.StatusCode)
			require.Equal(t, setup.Provider, se.Provider)
			require.Equal(t, tt.Code, se.Code)
			var st *httpclient.StatusError
			require.ErrorAs(t, err, &st, "the HTTP error stays reachable")
			require.Equal(t, 1, srv.Hits(), "a POST without idempotency key is never retried")
			RequireErrorHides(t, err, setup.Secret)
			require.NotContains(t, logs.String(), setup.Secret)
			require.Contains(t, logs.String(), "email send failed")
		})
	}
}

// ClassifyCase is an error answer and the *email.SendError a provider's
// classify function must make of it. An empty Message only requires the
// message not to be empty.
type ClassifyCase struct {
	Name    string
	Status  int
	Body    string
	Kind    error
	Code    string
	Message string
}

// RunClassify runs classify on each case with a sentinel cause and checks
// the *email.SendError it returns.
func RunClassify(t *testing.T, provider string, classify httpsend.ClassifyFunc, cases []ClassifyCase) {
	t.Helper()
	cause := errors.New("status error")
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			se := classify(tt.Status, []byte(tt.Body), cause)
			require.ErrorIs(t, se, tt.Kind)
			require.NotErrorIs(t, se, email.ErrInvalidMessage, "only a *ValidationError is ErrInvalidMessage")
			require.ErrorIs(t, se, cause)
			require.Equal(t, provider, se.Provider)
			require.Equal(t, tt.Status, se.StatusCode)
			require.Equal(t, tt.Code, se.Code)
			if tt.Message == "" {
				require.NotEmpty(t, se.Message)
			} else {
				require.Equal(t, tt.Message, se.Message)
			}
			require.Equal(t, tt.Kind == email.ErrTemporary, se.Temporary())
			var asSE *email.SendError
			require.True(t, errors.As(error(se), &asSE))
		})
	}
}

// CheckFuzzedError fails t unless se, made by a classify function from
// arbitrary input, is complete: the provider's name, one of the four send
// kinds, and a short, valid UTF-8 message on one line. It only uses
// t.Fatalf, so it is safe in fuzz targets.
func CheckFuzzedError(t testing.TB, provider string, se *email.SendError) {
	t.Helper()
	if se == nil || se.Kind == nil || se.Provider != provider {
		t.Fatalf("incomplete error %#v", se)
	}
	switch se.Kind {
	case email.ErrTemporary, email.ErrAuthentication, email.ErrRejectedRecipient, email.ErrPermanent:
	default:
		t.Fatalf("unknown kind %v", se.Kind)
	}
	if !utf8.ValidString(se.Message) || len(se.Message) > httpsend.MaxMessage+len("…") {
		t.Fatalf("bad message %q", se.Message)
	}
	if strings.ContainsAny(se.Message, "\r\n") {
		t.Fatalf("control characters in message %q", se.Message)
	}
	_ = se.Error()
}

// RequireConfigError fails t unless err is a configuration error: it
// wraps email.ErrInvalidConfig, names pkg, and quotes none of the secrets.
func RequireConfigError(t testing.TB, err error, pkg string, secrets ...string) {
	t.Helper()
	require.ErrorIs(t, err, email.ErrInvalidConfig)
	require.ErrorContains(t, err, pkg+": ")
	RequireErrorHides(t, err, secrets...)
}
