package postmarkmail

import (
	"encoding/base64"
	"encoding/json"
	"net/mail"
	"strings"
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
			email.ErrTemporary:         {Status: 500, Body: bodyServerError},
			email.ErrPermanent:         {Status: 422, Body: bodyInvalidRequest},
			email.ErrRejectedRecipient: {Status: 422, Body: bodyInactive},
			email.ErrAuthentication:    {Status: 401, Body: bodyNoToken},
		},
		testKey))
}

// decodeDelivery reads a /email request body the way Postmark would.
func decodeDelivery(t *testing.T, body []byte) *emailtest.Delivery {
	t.Helper()
	var req message
	require.NoError(t, json.Unmarshal(body, &req))
	list := func(s string) []string {
		if s == "" {
			return nil
		}
		addrs, err := mail.ParseAddressList(s)
		require.NoError(t, err, s)
		out := make([]string, len(addrs))
		for i, a := range addrs {
			out[i] = a.Address
		}
		return out
	}
	d := &emailtest.Delivery{
		To:      list(req.To),
		Cc:      list(req.Cc),
		Bcc:     list(req.Bcc),
		ReplyTo: list(req.ReplyTo),
		Subject: req.Subject,
		Text:    req.TextBody,
		HTML:    req.HTMLBody,
		Headers: map[string][]string{},
	}
	if from := list(req.From); len(from) == 1 {
		d.From = from[0]
	}
	for _, h := range req.Headers {
		d.Headers[h.Name] = append(d.Headers[h.Name], h.Value)
	}
	for _, a := range req.Attachments {
		data, err := base64.StdEncoding.DecodeString(a.Content)
		require.NoError(t, err)
		d.Attachments = append(d.Attachments, email.Attachment{
			Filename: a.Name, ContentType: a.ContentType, Data: data,
			ContentID: strings.TrimPrefix(a.ContentID, "cid:"),
		})
	}
	return d
}
