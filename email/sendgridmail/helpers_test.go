package sendgridmail

import "github.com/switchboard-go/switchboard/email"

const testKey = "SG.test-key-must-never-leak"

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
			{Filename: "receipt.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 test")},
			{Filename: "logo.png", ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G'}, ContentID: "logo"},
		},
		Headers:  map[string]string{"X-Order-Id": "1042", "List-Unsubscribe": "<mailto:unsub@acme.example>"},
		Tags:     []string{"receipt", "shop"},
		Metadata: map[string]string{"order_id": "1042", "customer": "ada"},
	}
}
