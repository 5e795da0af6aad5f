package emailtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
)

// Harness connects the conformance suite to one Sender and to the backend
// it talks to: an SMTP server, or an httptest server standing in for an
// HTTP API. Run calls its functions from one goroutine at a time, except
// that NewSender's Sender is used concurrently in the "Concurrent" case.
type Harness struct {
	// NewSender returns the Sender under test, configured to talk to the
	// harness's backend. Required. Run calls it once per case.
	NewSender func(t *testing.T) email.Sender

	// Delivered returns what the backend received for the message m that
	// was accepted with receipt r, decoded into a Delivery. Required.
	//
	// For SMTP this is the delivered message (read back from mailpit's API
	// or from an in-process server); for an HTTP API it is the last request
	// the test server captured, decoded from the provider's JSON or form
	// fields. The suite puts a unique token in every subject, so looking a
	// message up by subject or by the receipt's id both work.
	Delivered func(t *testing.T, r *email.Receipt, m *email.Message) *Delivery

	// Requests returns how many times the Sender reached the backend so
	// far (HTTP requests, SMTP connections or transactions: any counter
	// that grows when something goes over the network). Required. The
	// suite checks it does not move when a message fails validation.
	Requests func(t *testing.T) int

	// Fail arranges for the next Send to fail the way a provider reports a
	// failure of the given kind: email.ErrTemporary (SMTP 4xx, HTTP 429 or
	// 5xx), email.ErrPermanent, email.ErrRejectedRecipient or
	// email.ErrAuthentication. It returns a function that restores normal
	// behaviour, or nil when the backend cannot produce that failure (the
	// case is then skipped). Optional: nil skips every failure case.
	Fail func(t *testing.T, kind error) (restore func())

	// NoInlineContentID says the backend does not report inline parts'
	// Content-IDs, so the suite does not compare them.
	NoInlineContentID bool

	// Secrets are strings (passwords, API keys) that must never appear
	// in an error's text.
	Secrets []string
}

// Delivery is a backend's view of one delivered message, for comparison
// with what was sent. Addresses are bare ("ada@example.com"), without
// display names.
type Delivery struct {
	// From is the sender's address.
	From string
	// To and Cc are the addresses in the message's To and Cc headers (or
	// the API's to and cc fields).
	To, Cc []string
	// Bcc are the recipients who got the message without being named in
	// To or Cc: SMTP envelope recipients missing from the headers, or an
	// API's bcc field.
	Bcc []string
	// ReplyTo are the Reply-To addresses, if the backend reports them.
	ReplyTo []string
	// Subject, Text and HTML are the decoded subject and bodies. The suite
	// compares bodies after trimming white space and turning CRLF into LF.
	Subject, Text, HTML string
	// Headers are the headers the recipients see, when the backend can
	// report them exactly; nil means unknown and skips the header checks
	// (for example when the SMTP server adds headers of its own). For an
	// HTTP API, give the custom headers object of the request.
	Headers map[string][]string
	// Attachments are the attachments and inline parts, in any order.
	// ContentType may carry parameters; only the media type is compared.
	Attachments []email.Attachment
}

// FromMessage builds the Delivery that m describes: bare addresses, its
// subject and bodies, its custom headers and attachments. An HTTP
// harness can decode the captured request back into an email.Message and
// return FromMessage of it. It returns nil when m's addresses do not
// parse.
func FromMessage(m *email.Message) *Delivery {
	addrs, err := email.ParseAddresses(m)
	if err != nil {
		return nil
	}
	d := &Delivery{
		From:        addrs.From.Address,
		Subject:     m.Subject,
		Text:        m.Text,
		HTML:        m.HTML,
		Headers:     make(map[string][]string, len(m.Headers)),
		Attachments: m.Clone().Attachments,
	}
	for _, a := range addrs.To {
		d.To = append(d.To, a.Address)
	}
	for _, a := range addrs.Cc {
		d.Cc = append(d.Cc, a.Address)
	}
	for _, a := range addrs.Bcc {
		d.Bcc = append(d.Bcc, a.Address)
	}
	for _, a := range addrs.ReplyTo {
		d.ReplyTo = append(d.ReplyTo, a.Address)
	}
	for k, v := range m.Headers {
		d.Headers[k] = []string{v}
	}
	return d
}

// Header returns the first value of the header name (case-insensitive).
func (d *Delivery) Header(name string) string {
	for k, v := range d.Headers {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// Run runs the conformance suite against h. Every Sender in this module
// passes it; a new Sender is done when it does too. The cases:
//
//   - Send: a message with named From, several To, Cc, Reply-To, subject,
//     text, HTML and a custom header arrives intact and the receipt has a
//     provider and a message id;
//   - HTMLOnly: a message with only an HTML body arrives;
//   - Bcc: Bcc recipients get the message but appear in no header;
//   - Attachments: a file attachment and an inline image with a
//     Content-ID arrive byte for byte;
//   - InvalidBeforeNetwork: hostile or invalid messages (header injection
//     through the subject, a header, an address or a file name; bad
//     addresses; no recipient; no body) fail with a *email.ValidationError
//     naming the field, and Requests does not move;
//   - Failures: each kind Fail can produce surfaces as an *email.SendError
//     matching that kind with errors.Is, Temporary only for ErrTemporary,
//     without any of the Secrets in its text;
//   - Concurrent: parallel sends all succeed with distinct ids;
//   - CanceledContext: a canceled context fails the send with an error
//     wrapping context.Canceled.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.NewSender, "Harness.NewSender is required")
	require.NotNil(t, h.Delivered, "Harness.Delivered is required")
	require.NotNil(t, h.Requests, "Harness.Requests is required")

	t.Run("Send", func(t *testing.T) { testSend(t, h) })
	t.Run("HTMLOnly", func(t *testing.T) { testHTMLOnly(t, h) })
	t.Run("Bcc", func(t *testing.T) { testBcc(t, h) })
	t.Run("Attachments", func(t *testing.T) { testAttachments(t, h) })
	t.Run("InvalidBeforeNetwork", func(t *testing.T) { testInvalid(t, h) })
	t.Run("Failures", func(t *testing.T) { testFailures(t, h) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, h) })
	t.Run("CanceledContext", func(t *testing.T) { testCanceled(t, h) })
}

func token() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func send(t *testing.T, h Harness, s email.Sender, m *email.Message) (*email.Receipt, *Delivery) {
	t.Helper()
	r, err := s.Send(context.Background(), m)
	require.NoError(t, err)
	require.NotNil(t, r)
	assert.NotEmpty(t, r.Provider, "receipt provider")
	assert.NotEmpty(t, r.MessageID, "receipt message id")
	d := h.Delivered(t, r, m)
	require.NotNil(t, d, "Harness.Delivered returned nil")
	return r, d
}

func bare(t *testing.T, addrs []string) []string {
	t.Helper()
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		p, err := mail.ParseAddress(a)
		require.NoError(t, err)
		out = append(out, strings.ToLower(p.Address))
	}
	slices.Sort(out)
	return out
}

func lower(addrs []string) []string {
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, strings.ToLower(a))
	}
	slices.Sort(out)
	return out
}

func body(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

func testSend(t *testing.T, h Harness) {
	s := h.NewSender(t)
	tok := token()
	m := &email.Message{
		From:    "Switchboard Tests <sender-" + tok + "@example.com>",
		To:      []string{"Ada Lovelace <ada-" + tok + "@example.com>", "grace-" + tok + "@example.org"},
		Cc:      []string{"Carol <carol-" + tok + "@example.net>"},
		ReplyTo: []string{"replies-" + tok + "@example.com"},
		Subject: "Conformance send " + tok + " – ünïcode",
		Text:    "Hello Ada,\nyour order is ready.",
		HTML:    "<p>Hello <b>Ada</b>,</p><p>your order is ready.</p>",
		Headers: map[string]string{"X-Conformance": tok},
	}
	_, d := send(t, h, s, m)
	assert.Equal(t, "sender-"+tok+"@example.com", strings.ToLower(d.From))
	assert.Equal(t, bare(t, m.To), lower(d.To))
	assert.Equal(t, bare(t, m.Cc), lower(d.Cc))
	assert.Empty(t, d.Bcc)
	if d.ReplyTo != nil {
		assert.Equal(t, bare(t, m.ReplyTo), lower(d.ReplyTo))
	}
	assert.Equal(t, m.Subject, d.Subject)
	assert.Equal(t, body(m.Text), body(d.Text))
	assert.Equal(t, body(m.HTML), body(d.HTML))
	if d.Headers != nil {
		assert.Equal(t, tok, d.Header("X-Conformance"))
	}
}

func testHTMLOnly(t *testing.T, h Harness) {
	s := h.NewSender(t)
	tok := token()
	m := &email.Message{
		From:    "sender-" + tok + "@example.com",
		To:      []string{"user-" + tok + "@example.com"},
		Subject: "Conformance html " + tok,
		HTML:    "<h1>Welcome!</h1><p>Your account is ready.</p>",
	}
	_, d := send(t, h, s, m)
	assert.Equal(t, body(m.HTML), body(d.HTML))
	assert.Equal(t, m.Subject, d.Subject)
}

func testBcc(t *testing.T, h Harness) {
	s := h.NewSender(t)
	tok := token()
	hidden := []string{"hidden1-" + tok + "@example.com", "Hidden Two <hidden2-" + tok + "@example.org>"}
	m := &email.Message{
		From:    "sender-" + tok + "@example.com",
		To:      []string{"visible-" + tok + "@example.com"},
		Bcc:     hidden,
		Subject: "Conformance bcc " + tok,
		Text:    "Only some of you can see the others.",
	}
	_, d := send(t, h, s, m)
	assert.Equal(t, bare(t, m.To), lower(d.To))
	assert.Empty(t, d.Cc)
	assert.Equal(t, bare(t, hidden), lower(d.Bcc), "Bcc recipients must receive the message")
	if d.Headers != nil {
		for k, vs := range d.Headers {
			assert.NotEqual(t, "bcc", strings.ToLower(k), "a Bcc header was delivered")
			for _, v := range vs {
				assert.NotContains(t, strings.ToLower(v), "hidden", "header %s reveals a Bcc recipient", k)
			}
		}
	}
}

func testAttachments(t *testing.T, h Harness) {
	s := h.NewSender(t)
	tok := token()
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0, 1, 2, 0xff, '\r', '\n'}, 200)...)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 100)...)
	m := &email.Message{
		From:    "sender-" + tok + "@example.com",
		To:      []string{"user-" + tok + "@example.com"},
		Subject: "Conformance attachments " + tok,
		Text:    "Your invoice is attached.",
		HTML:    `<p>Your invoice is attached.</p><img src="cid:logo-` + tok + `@example.com" alt="logo">`,
		Attachments: []email.Attachment{
			{Filename: "invoice-" + tok + ".pdf", ContentType: "application/pdf", Data: pdf},
			{Filename: "logo.png", ContentType: "image/png", Data: png, ContentID: "logo-" + tok + "@example.com"},
		},
	}
	_, d := send(t, h, s, m)
	require.Len(t, d.Attachments, len(m.Attachments))
	for _, want := range m.Attachments {
		var got *email.Attachment
		for i := range d.Attachments {
			if d.Attachments[i].Filename == want.Filename {
				got = &d.Attachments[i]
			}
		}
		require.NotNil(t, got, "attachment %s not delivered", want.Filename)
		mt, _, err := mime.ParseMediaType(got.ContentType)
		require.NoError(t, err, "content type %q", got.ContentType)
		assert.Equal(t, want.ContentType, mt, want.Filename)
		assert.True(t, bytes.Equal(want.Data, got.Data), "%s: content differs (%d vs %d bytes)", want.Filename, len(want.Data), len(got.Data))
		if !h.NoInlineContentID {
			assert.Equal(t, want.ContentID, strings.Trim(got.ContentID, "<>"), want.Filename)
		}
	}
}

func testInvalid(t *testing.T, h Harness) {
	s := h.NewSender(t)
	valid := func() *email.Message {
		return &email.Message{
			From:    "sender@example.com",
			To:      []string{"user@example.com"},
			Subject: "Hello",
			Text:    "Hi",
		}
	}
	cases := []struct {
		name  string
		edit  func(m *email.Message)
		field string
	}{
		{"SubjectInjection", func(m *email.Message) { m.Subject = "Hi\r\nBcc: victim@example.com" }, "Subject"},
		{"SubjectLF", func(m *email.Message) { m.Subject = "Hi\nX-Evil: 1" }, "Subject"},
		{"SubjectNUL", func(m *email.Message) { m.Subject = "Hi\x00there" }, "Subject"},
		{"HeaderValueInjection", func(m *email.Message) {
			m.Headers = map[string]string{"X-Tag": "a\r\nBcc: victim@example.com"}
		}, "Headers[X-Tag]"},
		{"HeaderNameInjection", func(m *email.Message) {
			m.Headers = map[string]string{"X-Tag: a\r\nBcc": "victim@example.com"}
		}, `Headers["X-Tag: a\r\nBcc"]`},
		{"HeaderNameColon", func(m *email.Message) { m.Headers = map[string]string{"X:Y": "1"} }, `Headers["X:Y"]`},
		{"ReservedHeader", func(m *email.Message) { m.Headers = map[string]string{"bcc": "victim@example.com"} }, "Headers[bcc]"},
		{"FromInjection", func(m *email.Message) { m.From = "a@example.com\r\nBcc: victim@example.com" }, "From"},
		{"FromMissing", func(m *email.Message) { m.From = "" }, "From"},
		{"FromInvalid", func(m *email.Message) { m.From = "not an address" }, "From"},
		{"ToInjection", func(m *email.Message) {
			m.To = []string{"user@example.com", "b@example.com\nBcc: victim@example.com"}
		}, "To[1]"},
		{"ToTwoInOne", func(m *email.Message) { m.To = []string{"a@example.com, b@example.com"} }, "To[0]"},
		{"CcInvalid", func(m *email.Message) { m.Cc = []string{"@example.com"} }, "Cc[0]"},
		{"BccInvalid", func(m *email.Message) { m.Bcc = []string{"user@"} }, "Bcc[0]"},
		{"ReplyToInjection", func(m *email.Message) { m.ReplyTo = []string{"r@example.com\r\n"} }, "ReplyTo[0]"},
		{"NoRecipient", func(m *email.Message) { m.To = nil }, "To"},
		{"NoBody", func(m *email.Message) { m.Text = "" }, "Text"},
		{"AttachmentNameInjection", func(m *email.Message) {
			m.Attachments = []email.Attachment{{Filename: "a.txt\r\nContent-Type: text/html", Data: []byte("x")}}
		}, "Attachments[0].Filename"},
		{"AttachmentTypeInjection", func(m *email.Message) {
			m.Attachments = []email.Attachment{{Filename: "a.txt", ContentType: "text/plain\r\nX-Evil: 1", Data: []byte("x")}}
		}, "Attachments[0].ContentType"},
		{"ContentIDInjection", func(m *email.Message) {
			m.Attachments = []email.Attachment{{Filename: "a.png", ContentID: "a>\r\nX-Evil: <b", Data: []byte("x")}}
		}, "Attachments[0].ContentID"},
		{"TagInjection", func(m *email.Message) { m.Tags = []string{"ok", "bad\r\ntag"} }, "Tags[1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := valid()
			tc.edit(m)
			before := h.Requests(t)
			r, err := s.Send(context.Background(), m)
			require.Error(t, err)
			assert.Nil(t, r)
			assert.ErrorIs(t, err, email.ErrInvalidMessage)
			var ve *email.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.NotContains(t, err.Error(), "\r")
			assert.NotContains(t, err.Error(), "\n")
			assert.Equal(t, before, h.Requests(t), "an invalid message reached the backend")
		})
	}
}

var failureKinds = []struct {
	name string
	kind error
}{
	{"Temporary", email.ErrTemporary},
	{"Permanent", email.ErrPermanent},
	{"RejectedRecipient", email.ErrRejectedRecipient},
	{"Authentication", email.ErrAuthentication},
}

func testFailures(t *testing.T, h Harness) {
	if h.Fail == nil {
		t.Skip("Harness.Fail is nil: the backend cannot inject failures")
	}
	for _, fk := range failureKinds {
		t.Run(fk.name, func(t *testing.T) {
			s := h.NewSender(t)
			restore := h.Fail(t, fk.kind)
			if restore == nil {
				t.Skipf("backend cannot produce %v", fk.kind)
			}
			defer restore()
			tok := token()
			_, err := s.Send(context.Background(), &email.Message{
				From:    "sender-" + tok + "@example.com",
				To:      []string{"user-" + tok + "@example.com"},
				Subject: "Conformance failure " + tok,
				Text:    "This one fails.",
			})
			require.Error(t, err)
			assert.ErrorIs(t, err, fk.kind)
			for _, other := range failureKinds {
				if other.kind != fk.kind {
					assert.NotErrorIs(t, err, other.kind)
				}
			}
			assert.NotErrorIs(t, err, email.ErrInvalidMessage)
			var se *email.SendError
			require.ErrorAs(t, err, &se)
			assert.NotEmpty(t, se.Provider)
			assert.Equal(t, fk.kind == email.ErrTemporary, se.Temporary())
			for _, secret := range h.Secrets {
				if secret != "" {
					assert.NotContains(t, err.Error(), secret, "error text leaks a secret")
				}
			}
		})
	}
	t.Run("RecoversAfterFailure", func(t *testing.T) {
		s := h.NewSender(t)
		restore := h.Fail(t, email.ErrTemporary)
		if restore == nil {
			t.Skip("backend cannot produce a temporary failure")
		}
		m := &email.Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Conformance retry " + token(), Text: "x"}
		_, err := s.Send(context.Background(), m)
		restore()
		require.ErrorIs(t, err, email.ErrTemporary)
		send(t, h, s, m)
	})
}

func testConcurrent(t *testing.T, h Harness) {
	s := h.NewSender(t)
	const n = 4
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Send(context.Background(), &email.Message{
				From: "sender@example.com", To: []string{"user@example.com"},
				Subject: "Conformance concurrent " + token(), Text: "x",
			})
			errs[i] = err
			if r != nil {
				ids[i] = r.MessageID
			}
		}()
	}
	wg.Wait()
	seen := make(map[string]bool)
	for i := range n {
		require.NoError(t, errs[i])
		assert.False(t, seen[ids[i]], "duplicate message id %q", ids[i])
		seen[ids[i]] = true
	}
}

func testCanceled(t *testing.T, h Harness) {
	s := h.NewSender(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Send(ctx, &email.Message{
		From: "sender@example.com", To: []string{"user@example.com"},
		Subject: "Conformance canceled " + token(), Text: "x",
	})
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "error %v does not wrap context.Canceled", err)
}
