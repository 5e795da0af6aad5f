package sendgridmail

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
)

func TestBuildRequestGolden(t *testing.T) {
	req, err := buildRequest(fullMessage(), false)
	require.NoError(t, err)
	got, err := json.Marshal(req)
	require.NoError(t, err)
	want, err := os.ReadFile("testdata/full_message.json")
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(got))
}

func TestBuildRequestVariants(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(m *email.Message)
		sand  bool
		check func(t *testing.T, r *mailSend)
	}{
		{
			name: "several reply-to addresses use reply_to_list",
			edit: func(m *email.Message) { m.ReplyTo = []string{"a@example.com", "B <b@example.com>"} },
			check: func(t *testing.T, r *mailSend) {
				require.Nil(t, r.ReplyTo)
				require.Equal(t, []address{{Email: "a@example.com"}, {Email: "b@example.com", Name: "B"}}, r.ReplyToList)
			},
		},
		{
			name: "html only",
			edit: func(m *email.Message) { m.Text = "" },
			check: func(t *testing.T, r *mailSend) {
				require.Equal(t, []content{{Type: "text/html", Value: fullMessage().HTML}}, r.Content)
			},
		},
		{
			name: "text only",
			edit: func(m *email.Message) { m.HTML = "" },
			check: func(t *testing.T, r *mailSend) {
				require.Equal(t, []content{{Type: "text/plain", Value: "Thanks for your order."}}, r.Content)
			},
		},
		{
			name: "sandbox mode",
			sand: true,
			check: func(t *testing.T, r *mailSend) {
				b, err := json.Marshal(r.MailSettings)
				require.NoError(t, err)
				require.JSONEq(t, `{"sandbox_mode":{"enable":true}}`, string(b))
			},
		},
		{
			name: "minimal message omits optional members",
			edit: func(m *email.Message) {
				*m = email.Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Hi", Text: "x"}
			},
			check: func(t *testing.T, r *mailSend) {
				b, err := json.Marshal(r)
				require.NoError(t, err)
				require.JSONEq(t, `{"personalizations":[{"to":[{"email":"b@example.com"}]}],
					"from":{"email":"a@example.com"},"subject":"Hi",
					"content":[{"type":"text/plain","value":"x"}]}`, string(b))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := fullMessage()
			if tt.edit != nil {
				tt.edit(m)
			}
			r, err := buildRequest(m, tt.sand)
			require.NoError(t, err)
			tt.check(t, r)
		})
	}
}

func TestBuildRequestNeedsTo(t *testing.T) {
	m := fullMessage()
	m.To = nil
	_, err := buildRequest(m, false)
	require.ErrorIs(t, err, email.ErrInvalidMessage)
	var ve *email.ValidationError
	require.True(t, errors.As(err, &ve))
	require.Equal(t, "To", ve.Field)
}
