package sendgridmail

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/emailtest"
	"github.com/switchboard-go/switchboard/email/internal/sendertest"
)

func TestConformance(t *testing.T) {
	f := newFakeAPI(t)
	emailtest.Run(t, sendertest.Conformance(f.Server,
		func(t *testing.T) email.Sender { return newTestSender(t, f) },
		func(t *testing.T, last sendertest.Request, _ *email.Message) *emailtest.Delivery {
			return decodeDelivery(t, last.Body)
		},
		map[error]sendertest.Answer{
			email.ErrTemporary:         {Status: 503},
			email.ErrPermanent:         {Status: 400, Body: bodyNoContent},
			email.ErrRejectedRecipient: {Status: 400, Body: bodyInvalidTo},
			email.ErrAuthentication:    {Status: 401, Body: bodyUnauthorized},
		},
		testKey))
}

// decodeDelivery reads a Mail Send request body the way SendGrid would.
func decodeDelivery(t *testing.T, body []byte) *emailtest.Delivery {
	t.Helper()
	var req mailSend
	require.NoError(t, json.Unmarshal(body, &req))
	require.Len(t, req.Personalizations, 1)
	p := req.Personalizations[0]
	d := &emailtest.Delivery{
		From:    req.From.Email,
		To:      emails(p.To),
		Cc:      emails(p.Cc),
		Bcc:     emails(p.Bcc),
		ReplyTo: emails(req.ReplyToList),
		Subject: req.Subject,
		Headers: map[string][]string{},
	}
	if req.ReplyTo != nil {
		d.ReplyTo = []string{req.ReplyTo.Email}
	}
	for _, c := range req.Content {
		switch c.Type {
		case "text/plain":
			d.Text = c.Value
		case "text/html":
			d.HTML = c.Value
		}
	}
	for k, v := range req.Headers {
		d.Headers[k] = []string{v}
	}
	for _, a := range req.Attachments {
		data, err := base64.StdEncoding.DecodeString(a.Content)
		require.NoError(t, err)
		d.Attachments = append(d.Attachments, email.Attachment{
			Filename: a.Filename, ContentType: a.Type, Data: data, ContentID: a.ContentID,
		})
	}
	return d
}

func emails(list []address) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Email)
	}
	return out
}
