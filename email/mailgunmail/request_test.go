package mailgunmail

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
)

// readForm lists the parts of a multipart/form-data body in order.
func readForm(t testing.TB, contentType string, body []byte) []formPart {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	require.NoError(t, err)
	require.Equal(t, "multipart/form-data", mt)
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var parts []formPart
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return parts
		}
		require.NoError(t, err)
		v, err := io.ReadAll(p)
		require.NoError(t, err)
		ct := ""
		if p.FileName() != "" {
			ct = p.Header.Get("Content-Type")
		}
		parts = append(parts, formPart{Name: p.FormName(), Filename: p.FileName(), ContentType: ct, Value: string(v)})
	}
}

func TestBuildFormFull(t *testing.T) {
	body, ct, err := buildForm(fullMessage(), "")
	require.NoError(t, err)
	require.Equal(t, wantFullForm, readForm(t, ct, body))
}

func TestBuildFormGoldenBytes(t *testing.T) {
	m := &email.Message{
		From:    "a@example.com",
		To:      []string{"b@example.com"},
		Subject: "Hi",
		Text:    "x",
		Tags:    []string{"t"},
	}
	body, ct, err := buildForm(m, "BOUNDARY")
	require.NoError(t, err)
	require.Equal(t, "multipart/form-data; boundary=BOUNDARY", ct)
	want := "--BOUNDARY\r\nContent-Disposition: form-data; name=\"from\"\r\n\r\na@example.com\r\n" +
		"--BOUNDARY\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\nb@example.com\r\n" +
		"--BOUNDARY\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nHi\r\n" +
		"--BOUNDARY\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nx\r\n" +
		"--BOUNDARY\r\nContent-Disposition: form-data; name=\"o:tag\"\r\n\r\nt\r\n" +
		"--BOUNDARY--\r\n"
	require.Equal(t, want, string(body))
}

func TestBuildFormVariants(t *testing.T) {
	m := fullMessage()
	m.ReplyTo = []string{"a@example.com", `"Doe, Jane" <jane@example.com>`}
	m.Attachments = []email.Attachment{{Filename: `we"ird.bin`, Data: []byte{1}}}
	body, ct, err := buildForm(m, "")
	require.NoError(t, err)
	parts := readForm(t, ct, body)
	require.Contains(t, parts, formPart{Name: "h:Reply-To", Value: `a@example.com, "Doe, Jane" <jane@example.com>`})
	require.Equal(t, formPart{Name: "attachment", Filename: `we"ird.bin`, ContentType: "application/octet-stream", Value: "\x01"}, parts[len(parts)-1])

	m = fullMessage()
	m.To = nil
	_, _, err = buildForm(m, "")
	var ve *email.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "To", ve.Field)
}
