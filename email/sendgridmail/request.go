package sendgridmail

import (
	"encoding/base64"
	"maps"
	"net/mail"
	"slices"

	"github.com/switchboard-go/switchboard/email"
)

// The types below follow the v3 Mail Send request body
// (POST /v3/mail/send): one personalization carries the recipients,
// content lists text/plain before text/html as the API requires.

type address struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

type personalization struct {
	To  []address `json:"to"`
	Cc  []address `json:"cc,omitempty"`
	Bcc []address `json:"bcc,omitempty"`
}

type content struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type attachment struct {
	Content     string `json:"content"`
	Type        string `json:"type,omitempty"`
	Filename    string `json:"filename"`
	Disposition string `json:"disposition,omitempty"`
	ContentID   string `json:"content_id,omitempty"`
}

type enable struct {
	Enable bool `json:"enable"`
}

type mailSettings struct {
	SandboxMode *enable `json:"sandbox_mode,omitempty"`
}

type mailSend struct {
	Personalizations []personalization `json:"personalizations"`
	From             address           `json:"from"`
	ReplyTo          *address          `json:"reply_to,omitempty"`
	ReplyToList      []address         `json:"reply_to_list,omitempty"`
	Subject          string            `json:"subject"`
	Content          []content         `json:"content,omitempty"`
	Attachments      []attachment      `json:"attachments,omitempty"`
	Headers          map[string]string `json:"headers,omitempty"`
	Categories       []string          `json:"categories,omitempty"`
	CustomArgs       map[string]string `json:"custom_args,omitempty"`
	MailSettings     *mailSettings     `json:"mail_settings,omitempty"`
}

// buildRequest turns a validated message into the Mail Send body.
func buildRequest(m *email.Message, sandbox bool) (*mailSend, error) {
	addrs, err := email.ParseAddresses(m)
	if err != nil {
		return nil, err
	}
	if len(addrs.To) == 0 {
		return nil, &email.ValidationError{Field: "To", Reason: "SendGrid requires at least one To recipient"}
	}
	req := &mailSend{
		Personalizations: []personalization{{
			To:  convert(addrs.To),
			Cc:  convert(addrs.Cc),
			Bcc: convert(addrs.Bcc),
		}},
		From:    address{Email: addrs.From.Address, Name: addrs.From.Name},
		Subject: m.Subject,
	}
	switch replyTo := convert(addrs.ReplyTo); len(replyTo) {
	case 0:
	case 1:
		req.ReplyTo = &replyTo[0]
	default:
		req.ReplyToList = replyTo
	}
	if m.Text != "" {
		req.Content = append(req.Content, content{Type: "text/plain", Value: m.Text})
	}
	if m.HTML != "" {
		req.Content = append(req.Content, content{Type: "text/html", Value: m.HTML})
	}
	for _, a := range m.Attachments {
		att := attachment{
			Content:     base64.StdEncoding.EncodeToString(a.Data),
			Type:        a.ContentType,
			Filename:    a.Filename,
			Disposition: "attachment",
		}
		if a.ContentID != "" {
			att.Disposition = "inline"
			att.ContentID = a.ContentID
		}
		req.Attachments = append(req.Attachments, att)
	}
	if len(m.Headers) > 0 {
		req.Headers = maps.Clone(m.Headers)
	}
	if len(m.Tags) > 0 {
		req.Categories = slices.Clone(m.Tags)
	}
	if len(m.Metadata) > 0 {
		req.CustomArgs = maps.Clone(m.Metadata)
	}
	if sandbox {
		req.MailSettings = &mailSettings{SandboxMode: &enable{Enable: true}}
	}
	return req, nil
}

func convert(in []*mail.Address) []address {
	if len(in) == 0 {
		return nil
	}
	out := make([]address, len(in))
	for i, a := range in {
		out[i] = address{Email: a.Address, Name: a.Name}
	}
	return out
}
