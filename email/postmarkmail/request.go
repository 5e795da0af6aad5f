package postmarkmail

import (
	"encoding/base64"
	"maps"
	"net/mail"
	"strings"

	"github.com/switchboard-go/switchboard/email"
)

// The types below follow the body of POST /email
// (https://postmarkapp.com/developer/api/email-api).

type header struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type attachment struct {
	Name        string `json:"Name"`
	Content     string `json:"Content"`
	ContentType string `json:"ContentType"`
	ContentID   string `json:"ContentID,omitempty"`
}

type message struct {
	From          string            `json:"From"`
	To            string            `json:"To"`
	Cc            string            `json:"Cc,omitempty"`
	Bcc           string            `json:"Bcc,omitempty"`
	ReplyTo       string            `json:"ReplyTo,omitempty"`
	Subject       string            `json:"Subject"`
	HTMLBody      string            `json:"HtmlBody,omitempty"`
	TextBody      string            `json:"TextBody,omitempty"`
	Tag           string            `json:"Tag,omitempty"`
	Headers       []header          `json:"Headers,omitempty"`
	Metadata      map[string]string `json:"Metadata,omitempty"`
	Attachments   []attachment      `json:"Attachments,omitempty"`
	MessageStream string            `json:"MessageStream,omitempty"`
}

// buildRequest turns a validated message into the /email body. Address
// lists are comma-separated; only the first tag is sent, since Postmark
// takes one Tag per message; an inline part's ContentID is "cid:ID".
func buildRequest(m *email.Message, stream string) (*message, error) {
	addrs, err := email.ParseAddresses(m)
	if err != nil {
		return nil, err
	}
	if len(addrs.To) == 0 {
		return nil, &email.ValidationError{Field: "To", Reason: "Postmark requires at least one To recipient"}
	}
	req := &message{
		From:          formatAddress(addrs.From),
		To:            joinAddresses(addrs.To),
		Cc:            joinAddresses(addrs.Cc),
		Bcc:           joinAddresses(addrs.Bcc),
		ReplyTo:       joinAddresses(addrs.ReplyTo),
		Subject:       m.Subject,
		HTMLBody:      m.HTML,
		TextBody:      m.Text,
		MessageStream: stream,
	}
	if len(m.Tags) > 0 {
		req.Tag = m.Tags[0]
	}
	for _, k := range email.SortedKeys(m.Headers) {
		req.Headers = append(req.Headers, header{Name: k, Value: m.Headers[k]})
	}
	if len(m.Metadata) > 0 {
		req.Metadata = maps.Clone(m.Metadata)
	}
	for _, a := range m.Attachments {
		att := attachment{
			Name:        a.Filename,
			Content:     base64.StdEncoding.EncodeToString(a.Data),
			ContentType: a.ContentType,
		}
		if att.ContentType == "" {
			att.ContentType = "application/octet-stream"
		}
		if a.ContentID != "" {
			att.ContentID = "cid:" + a.ContentID
		}
		req.Attachments = append(req.Attachments, att)
	}
	return req, nil
}

// formatAddress writes a bare address when there is no display name and
// the RFC 5322 form (quoted or RFC 2047 encoded name) otherwise, so a name
// holding a comma cannot split a comma-separated list.
func formatAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return a.String()
}

func joinAddresses(list []*mail.Address) string {
	parts := make([]string, len(list))
	for i, a := range list {
		parts[i] = formatAddress(a)
	}
	return strings.Join(parts, ", ")
}
