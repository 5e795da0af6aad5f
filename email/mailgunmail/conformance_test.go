package mailgunmail

import (
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
		func(t *testing.T, _ sendertest.Request, m *email.Message) *emailtest.Delivery {
			return decodeDelivery(t, f.lastForm(), m)
		},
		map[error]sendertest.Answer{
			email.ErrTemporary:         {Status: 429, Body: bodyRateLimited},
			email.ErrPermanent:         {Status: 404, Body: bodyDomainMissing},
			email.ErrRejectedRecipient: {Status: 400, Body: bodyInvalidTo},
			email.ErrAuthentication:    {Status: 401, Body: bodyForbidden},
		},
		testKey))
}

// decodeDelivery reads the form fields of a messages request the way
// Mailgun would. Mailgun names an inline part after its Content-ID (the
// file name is the cid), so the recipient sees the Content-ID as the file
// name; to compare content and type with what was sent, the inline part's
// file name is looked up in m by Content-ID.
func decodeDelivery(t *testing.T, form []formPart, m *email.Message) *emailtest.Delivery {
	t.Helper()
	d := &emailtest.Delivery{Headers: map[string][]string{}}
	bare := func(s string) string {
		a, err := mail.ParseAddress(s)
		require.NoError(t, err, s)
		return a.Address
	}
	for _, p := range form {
		switch {
		case p.Name == "from":
			d.From = bare(p.Value)
		case p.Name == "to":
			d.To = append(d.To, bare(p.Value))
		case p.Name == "cc":
			d.Cc = append(d.Cc, bare(p.Value))
		case p.Name == "bcc":
			d.Bcc = append(d.Bcc, bare(p.Value))
		case p.Name == "subject":
			d.Subject = p.Value
		case p.Name == "text":
			d.Text = p.Value
		case p.Name == "html":
			d.HTML = p.Value
		case p.Name == "h:Reply-To":
			list, err := mail.ParseAddressList(p.Value)
			require.NoError(t, err)
			for _, a := range list {
				d.ReplyTo = append(d.ReplyTo, a.Address)
			}
		case strings.HasPrefix(p.Name, "h:"):
			d.Headers[strings.TrimPrefix(p.Name, "h:")] = []string{p.Value}
		case p.Name == "attachment":
			d.Attachments = append(d.Attachments, email.Attachment{Filename: p.Filename, ContentType: p.ContentType, Data: []byte(p.Value)})
		case p.Name == "inline":
			a := email.Attachment{Filename: p.Filename, ContentType: p.ContentType, Data: []byte(p.Value), ContentID: p.Filename}
			for _, sent := range m.Attachments {
				if sent.ContentID == p.Filename {
					a.Filename = sent.Filename
				}
			}
			d.Attachments = append(d.Attachments, a)
		}
	}
	return d
}
