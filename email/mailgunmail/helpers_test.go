package mailgunmail

import (
	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/internal/sendertest"
)

const (
	testKey    = "key-test-must-never-leak"
	testDomain = "mg.acme.example"
)

// fullMessage uses every field of email.Message; the inline image comes
// first, to show the form puts regular attachments before inline parts.
func fullMessage() *email.Message {
	m := sendertest.FullMessage()
	m.Attachments[0], m.Attachments[1] = m.Attachments[1], m.Attachments[0]
	return m
}

// formPart is one part of a multipart/form-data body, in order.
type formPart struct {
	Name, Filename, ContentType, Value string
}

// wantFullForm is the form Mailgun documents for fullMessage: one field
// per address, h: headers, o:tag per tag, v: variables, then files.
var wantFullForm = []formPart{
	{Name: "from", Value: `"Acme Receipts" <receipts@acme.example>`},
	{Name: "to", Value: `"Ada Lovelace" <ada@example.com>`},
	{Name: "to", Value: "bob@example.com"},
	{Name: "cc", Value: `"Carol" <carol@example.com>`},
	{Name: "bcc", Value: "audit@acme.example"},
	{Name: "subject", Value: "Your receipt #1042"},
	{Name: "text", Value: "Thanks for your order."},
	{Name: "html", Value: `<p>Thanks for your order.</p><img src="cid:logo">`},
	{Name: "h:Reply-To", Value: `"Support" <support@acme.example>`},
	{Name: "h:List-Unsubscribe", Value: "<mailto:unsub@acme.example>"},
	{Name: "h:X-Order-Id", Value: "1042"},
	{Name: "o:tag", Value: "receipt"},
	{Name: "o:tag", Value: "shop"},
	{Name: "v:customer", Value: "ada"},
	{Name: "v:order_id", Value: "1042"},
	{Name: "attachment", Filename: "receipt.pdf", ContentType: "application/pdf", Value: "%PDF-1.4 test"},
	{Name: "inline", Filename: "logo", ContentType: "image/png", Value: "\x89PNG"},
}
