package mailgunmail

import (
	"bytes"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"

	"github.com/switchboard-go/switchboard/email"
)

// buildForm encodes a validated message as the multipart/form-data body of
// POST /v3/{domain}/messages. It returns the body and its Content-Type.
// boundary is for tests; empty picks a random one.
//
// Fields, in order: from, to, cc, bcc (one field per address), subject,
// text, html, h:Reply-To, h:<Name> for each custom header, o:tag per tag,
// v:<key> per metadata entry, then the attachment and inline files. An
// inline file is named after its ContentID, because Mailgun derives the
// part's Content-ID from the file name (HTML refers to it as cid:NAME).
func buildForm(m *email.Message, boundary string) ([]byte, string, error) {
	addrs, err := email.ParseAddresses(m)
	if err != nil {
		return nil, "", err
	}
	if len(addrs.To) == 0 {
		return nil, "", &email.ValidationError{Field: "To", Reason: "Mailgun requires at least one To recipient"}
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if boundary != "" {
		if err := w.SetBoundary(boundary); err != nil {
			return nil, "", err
		}
	}
	f := formWriter{w: w}
	f.field("from", formatAddress(addrs.From))
	for _, list := range []struct {
		name  string
		addrs []*mail.Address
	}{{"to", addrs.To}, {"cc", addrs.Cc}, {"bcc", addrs.Bcc}} {
		for _, a := range list.addrs {
			f.field(list.name, formatAddress(a))
		}
	}
	f.field("subject", m.Subject)
	if m.Text != "" {
		f.field("text", m.Text)
	}
	if m.HTML != "" {
		f.field("html", m.HTML)
	}
	if len(addrs.ReplyTo) > 0 {
		list := make([]string, len(addrs.ReplyTo))
		for i, a := range addrs.ReplyTo {
			list[i] = formatAddress(a)
		}
		f.field("h:Reply-To", strings.Join(list, ", "))
	}
	for _, k := range email.SortedKeys(m.Headers) {
		f.field("h:"+k, m.Headers[k])
	}
	for _, t := range m.Tags {
		f.field("o:tag", t)
	}
	for _, k := range email.SortedKeys(m.Metadata) {
		f.field("v:"+k, m.Metadata[k])
	}
	for _, a := range m.Attachments {
		if a.ContentID == "" {
			f.file("attachment", a.Filename, a.ContentType, a.Data)
		}
	}
	for _, a := range m.Attachments {
		if a.ContentID != "" {
			f.file("inline", a.ContentID, a.ContentType, a.Data)
		}
	}
	if f.err != nil {
		return nil, "", f.err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// formatAddress writes a bare address when there is no display name and
// the RFC 5322 form (quoted or RFC 2047 encoded name) otherwise.
func formatAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return a.String()
}

type formWriter struct {
	w   *multipart.Writer
	err error
}

func (f *formWriter) field(name, value string) {
	if f.err != nil {
		return
	}
	f.err = f.w.WriteField(name, value)
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func (f *formWriter) file(field, filename, contentType string, data []byte) {
	if f.err != nil {
		return
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition",
		`form-data; name="`+quoteEscaper.Replace(field)+`"; filename="`+quoteEscaper.Replace(filename)+`"`)
	h.Set("Content-Type", contentType)
	pw, err := f.w.CreatePart(h)
	if err != nil {
		f.err = err
		return
	}
	_, f.err = pw.Write(data)
}
