package sendertest

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
)

// FullMessage returns a message that uses every field of email.Message,
// with a regular attachment followed by an inline image.
func FullMessage() *email.Message {
	return &email.Message{
		From:    "Acme Receipts <receipts@acme.example>",
		To:      []string{"Ada Lovelace <ada@example.com>", "bob@example.com"},
		Cc:      []string{"Carol <carol@example.com>"},
		Bcc:     []string{"audit@acme.example"},
		ReplyTo: []string{"Support <support@acme.example>"},
		Subject: "Your receipt #1042",
		Text:    "Thanks for your order.",
		HTML:    `<p>Thanks for your order.</p><img src="cid:logo">`,
		Attachments: []email.Attachment{
			{Filename: "receipt.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 test")},
			{Filename: "logo.png", ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G'}, ContentID: "logo"},
		},
		Headers:  map[string]string{"X-Order-Id": "1042", "List-Unsubscribe": "<mailto:unsub@acme.example>"},
		Tags:     []string{"receipt", "shop"},
		Metadata: map[string]string{"order_id": "1042", "customer": "ada"},
	}
}

// InvalidCase is a message a sender must refuse with a
// *email.ValidationError before it makes any request. Edit changes a full
// message into the invalid one; a nil Edit stands for a nil message.
type InvalidCase struct {
	Name string
	Edit func(m *email.Message)
}

// InvalidMessages returns the hostile or invalid messages every HTTP sender
// must refuse: header injection through the subject, addresses or header
// values, malformed addresses, no recipient at all, and a nil message.
// Callers append the cases their provider adds.
func InvalidMessages() []InvalidCase {
	return []InvalidCase{
		{"CRLF in subject", func(m *email.Message) { m.Subject = "Hi\r\nBcc: victim@example.com" }},
		{"LF in subject", func(m *email.Message) { m.Subject = "Hi\nX-Evil: 1" }},
		{"bad to address", func(m *email.Message) { m.To = []string{"not an address"} }},
		{"CRLF in to address", func(m *email.Message) { m.To = []string{"a@example.com\r\nBcc: x@example.com"} }},
		{"bad from", func(m *email.Message) { m.From = "Acme <acme>" }},
		{"CRLF in header value", func(m *email.Message) { m.Headers = map[string]string{"X-A": "1\r\nBcc: x@example.com"} }},
		{"no recipient", func(m *email.Message) { m.To, m.Cc, m.Bcc = nil, nil, nil }},
		{"nil message", nil},
	}
}

// Setup connects the runners of this package to one provider's sender.
type Setup struct {
	// Provider is the provider name the sender puts in receipts and
	// errors, such as "sendgrid".
	Provider string

	// Secret is the credential the sender is built with; it must never
	// show in an error or a log line.
	Secret string

	// Message returns a fresh, valid message for the provider. Nil means
	// FullMessage.
	Message func() *email.Message

	// Start starts a fresh fake API and returns a sender talking to it
	// that logs to logger (nil: nowhere).
	Start func(t *testing.T, logger *slog.Logger) (email.Sender, *Server)
}

func (s Setup) message() *email.Message {
	if s.Message != nil {
		return s.Message()
	}
	return FullMessage()
}

// RunInvalidMessages checks that each case is refused with
// email.ErrInvalidMessage, as a *email.ValidationError naming a field, and
// that nothing reaches the API.
func RunInvalidMessages(t *testing.T, setup Setup, cases []InvalidCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			s, srv := setup.Start(t, nil)
			var m *email.Message
			if tt.Edit != nil {
				m = setup.message()
				tt.Edit(m)
			}
			_, err := s.Send(context.Background(), m)
			require.ErrorIs(t, err, email.ErrInvalidMessage)
			var ve *email.ValidationError
			require.ErrorAs(t, err, &ve)
			require.NotEmpty(t, ve.Field)
			require.Zero(t, srv.Hits(), "nothing may reach the API")
		})
	}
}

// RunTransportFailure checks that a Send to a closed server fails as a
// temporary *email.SendError that does not quote the secret.
func RunTransportFailure(t *testing.T, setup Setup) {
	t.Helper()
	s, srv := setup.Start(t, nil)
	srv.Close()
	_, err := s.Send(context.Background(), setup.message())
	require.ErrorIs(t, err, email.ErrTemporary)
	var se *email.SendError
	require.ErrorAs(t, err, &se)
	require.True(t, se.Temporary())
	RequireErrorHides(t, err, setup.Secret)
}

// RunContextCanceled checks that a Send with a canceled context fails as
// context.Canceled and email.ErrTemporary.
func RunContextCanceled(t *testing.T, setup Setup) {
	t.Helper()
	s, _ := setup.Start(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Send(ctx, setup.message())
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, email.ErrTemporary)
}
