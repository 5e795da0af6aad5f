package mailgunmail

import "github.com/switchboard-go/switchboard/email"

const (
	testKey    = "key-test-must-never-leak"
	testDomain = "mg.acme.example"
)

// fullMessage uses every field of email.Message.
func fullMessage() *email.Message {
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
			{Filename: "logo.png", ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G'}, ContentID: "logo"},
			{Filename: "receipt.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 test")},
		},
		Headers:  map[string]string{"X-Order-Id": "1042", "List-Unsubscribe": "<mailto:unsub@acme.example>"},
		Tags:     []string{"receipt", "shop"},
		Metadata: map[string]string{"order_id": "1042", "customer": "ada"},
	}
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
