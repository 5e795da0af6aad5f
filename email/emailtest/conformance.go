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

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
)

// Harness connects the conformance suite to one Sender and to the backend
// it talks to: an SMTP server, or an httptest server standing in for an
// HTTP API. Run calls its functions from one goroutine at a time, except
// that a Sender returned by New is used concurrently in the "Concurrent"
// check.
type Harness struct {
	// New returns the Sender under test, configured to talk to the
	// harness's backend. Required. Run calls it once per check.
	New func(t *testing.T) email.Sender

	// Optional hooks. A nil hook skips the checks that need it, with
	// t.Skip naming the hook.

	// Calls returns how many times Senders reached the backend so far:
	// HTTP requests, SMTP connections, any counter that grows when
	// something goes over the network. The suite checks that it does not
	// move when a message fails validation.
	Calls func() int

	// InjectError makes the backend fail every Send of the calling test as
	// a provider reports a failure of the given kind: email.ErrTemporary
	// (SMTP 4xx, HTTP 429 or 5xx), email.ErrPermanent,
	// email.ErrRejectedRecipient or email.ErrAuthentication. The failure
	// lasts until that test ends: undo it with t.Cleanup. It returns false
	// when the backend cannot fail that way; the check is then skipped.
	InjectError func(t *testing.T, kind error) bool

	// Delivered returns what the backend received for the message m that
	// was accepted with receipt r, decoded into a Delivery.
	//
	// For SMTP this is the delivered message (read back from mailpit's API
	// or from an in-process server); for an HTTP API it is the last request
	// the test server captured, decoded from the provider's JSON or form
	// fields. The suite puts a unique token in every subject, so looking a
	// message up by subject or by the receipt's id both work.
	Delivered func(t *testing.T, r *email.Receipt, m *email.Message) *Delivery

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
// passes it; a new Sender is done when it does too. The checks:
//
//   - Send: a message with named From, several To, Cc, Reply-To, subject,
//     text, HTML and a custom header arrives intact and the receipt has a
//     provider and a message id (needs Delivered);
//   - HTMLOnly: a message with only an HTML body arrives with its HTML and
//     a text/plain part derived from it by email.HTMLToText (needs
//     Delivered);
//   - Bcc: Bcc recipients get the message but appear in no header (needs
//     Delivered);
//   - Attachments: a file attachment and an inline image with a
//     Content-ID arrive byte for byte (needs Delivered);
//   - InvalidBeforeNetwork: hostile or invalid messages (header injection
//     through the subject, a header, an address or a file name; bad
//     addresses; no recipient; no body) fail with a *email.ValidationError
//     naming the field, and nothing reaches the backend (needs Calls);
//   - Failures: each kind InjectError can produce surfaces as an
//     *email.SendError matching that kind with errors.Is, Temporary only
//     for ErrTemporary, without any of the Secrets in its text, and the
//     Sender works again once the failure is gone (needs InjectError);
//   - Concurrent: parallel sends all succeed with distinct ids;
//   - CanceledContext: a canceled context fails the send with an error
//     wrapping context.Canceled.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.New, "Harness.New is required")

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

// needDelivered skips t when the harness cannot show deliveries.
func needDelivered(t *testing.T, h Harness) {
	t.Helper()
	if h.Delivered == nil {
		t.Skip("Harness.Delivered is nil: the delivered content cannot be checked")
	}
}

// send sends m, checks the receipt and returns what was delivered.
func send(t *testing.T, h Harness, s email.Sender, m *email.Message) (*email.Receipt, *Delivery) {
	t.Helper()
	r, err := s.Send(context.Background(), m)
	require.NoError(t, err, "a valid message must be accepted")
	require.NotNil(t, r, "an accepted message must have a receipt")
	require.NotEmpty(t, r.Provider, "the receipt must name the provider")
	require.NotEmpty(t, r.MessageID, "the receipt must carry a message id")
	if h.Delivered == nil {
		return r, nil
	}
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
	needDelivered(t, h)
	s := h.New(t)
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
	require.Equal(t, "sender-"+tok+"@example.com", strings.ToLower(d.From), "From must arrive")
	require.Equal(t, bare(t, m.To), lower(d.To), "every To recipient must arrive")
	require.Equal(t, bare(t, m.Cc), lower(d.Cc), "every Cc recipient must arrive")
	require.Empty(t, d.Bcc, "a message without Bcc must have no hidden recipient")
	if d.ReplyTo != nil {
		require.Equal(t, bare(t, m.ReplyTo), lower(d.ReplyTo), "Reply-To must arrive")
	}
	require.Equal(t, m.Subject, d.Subject, "the subject must arrive intact")
	require.Equal(t, body(m.Text), body(d.Text), "the text part must arrive intact")
	require.Equal(t, body(m.HTML), body(d.HTML), "the HTML part must arrive intact")
	if d.Headers != nil {
		require.Equal(t, tok, d.Header("X-Conformance"), "the custom header must arrive")
	}
}

func testHTMLOnly(t *testing.T, h Harness) {
	needDelivered(t, h)
	s := h.New(t)
	tok := token()
	m := &email.Message{
		From:    "sender-" + tok + "@example.com",
		To:      []string{"user-" + tok + "@example.com"},
		Subject: "Conformance html " + tok,
		HTML:    `<h1>Welcome!</h1><p>Your account is <a href="https://example.com/a">ready</a>.</p><ul><li>one</li><li>two</li></ul>`,
	}
	_, d := send(t, h, s, m)
	require.Equal(t, body(m.HTML), body(d.HTML), "the HTML part must arrive intact")
	require.Equal(t, m.Subject, d.Subject, "the subject must arrive intact")
	require.NotEmpty(t, body(d.Text), "an HTML-only message must arrive with a text/plain part")
	require.Equal(t, body(email.HTMLToText(m.HTML)), body(d.Text),
		"the text/plain part of an HTML-only message must be email.HTMLToText of its HTML")
	require.Empty(t, m.Text, "the caller's message must not be modified")
}

func testBcc(t *testing.T, h Harness) {
	needDelivered(t, h)
	s := h.New(t)
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
	require.Equal(t, bare(t, m.To), lower(d.To), "every To recipient must arrive")
	require.Empty(t, d.Cc, "a message without Cc must have no Cc recipient")
	require.Equal(t, bare(t, hidden), lower(d.Bcc), "Bcc recipients must receive the message")
	if d.Headers != nil {
		for k, vs := range d.Headers {
			require.NotEqual(t, "bcc", strings.ToLower(k), "a Bcc header must not be delivered")
			for _, v := range vs {
				require.NotContains(t, strings.ToLower(v), "hidden", "header %s must not reveal a Bcc recipient", k)
			}
		}
	}
}

func testAttachments(t *testing.T, h Harness) {
	needDelivered(t, h)
	s := h.New(t)
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
	require.Len(t, d.Attachments, len(m.Attachments), "every attachment and inline part must arrive")
	for _, want := range m.Attachments {
		var got *email.Attachment
		for i := range d.Attachments {
			if d.Attachments[i].Filename == want.Filename {
				got = &d.Attachments[i]
			}
		}
		require.NotNil(t, got, "attachment %s must be delivered", want.Filename)
		mt, _, err := mime.ParseMediaType(got.ContentType)
		require.NoError(t, err, "content type %q must parse", got.ContentType)
		require.Equal(t, want.ContentType, mt, "%s must keep its content type", want.Filename)
		require.True(t, bytes.Equal(want.Data, got.Data), "%s must arrive byte for byte (%d vs %d bytes)",
			want.Filename, len(want.Data), len(got.Data))
		if !h.NoInlineContentID {
			require.Equal(t, want.ContentID, strings.Trim(got.ContentID, "<>"), "%s must keep its Content-ID", want.Filename)
		}
	}
}

func testInvalid(t *testing.T, h Harness) {
	if h.Calls == nil {
		t.Skip("Harness.Calls is nil: cannot check that invalid messages stay off the network")
	}
	s := h.New(t)
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
			before := h.Calls()
			r, err := s.Send(context.Background(), m)
			require.Error(t, err, "an invalid message must be refused")
			require.Nil(t, r, "a refused message must have no receipt")
			require.ErrorIs(t, err, email.ErrInvalidMessage, "an invalid message is email.ErrInvalidMessage")
			var ve *email.ValidationError
			require.ErrorAs(t, err, &ve, "an invalid message is a *email.ValidationError")
			require.Equal(t, tc.field, ve.Field, "the error must name the invalid field")
			require.NotContains(t, err.Error(), "\r", "the error must not echo CR")
			require.NotContains(t, err.Error(), "\n", "the error must not echo LF")
			require.Equal(t, before, h.Calls(), "an invalid message must not reach the backend")
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
	if h.InjectError == nil {
		t.Skip("Harness.InjectError is nil: the backend cannot be made to fail")
	}
	for _, fk := range failureKinds {
		t.Run(fk.name, func(t *testing.T) {
			s := h.New(t)
			if !h.InjectError(t, fk.kind) {
				t.Skipf("Harness.InjectError cannot produce %v", fk.kind)
			}
			tok := token()
			_, err := s.Send(context.Background(), &email.Message{
				From:    "sender-" + tok + "@example.com",
				To:      []string{"user-" + tok + "@example.com"},
				Subject: "Conformance failure " + tok,
				Text:    "This one fails.",
			})
			require.Error(t, err, "the injected failure must fail the send")
			require.ErrorIs(t, err, fk.kind, "the failure must match its kind")
			for _, other := range failureKinds {
				if other.kind != fk.kind {
					require.NotErrorIs(t, err, other.kind, "the failure must match no other kind")
				}
			}
			require.NotErrorIs(t, err, email.ErrInvalidMessage, "a provider failure is not email.ErrInvalidMessage")
			var se *email.SendError
			require.ErrorAs(t, err, &se, "a provider failure is a *email.SendError")
			require.NotEmpty(t, se.Provider, "the SendError must name the provider")
			require.Equal(t, fk.kind == email.ErrTemporary, se.Temporary(), "only ErrTemporary is Temporary")
			for _, secret := range h.Secrets {
				if secret != "" {
					require.NotContains(t, err.Error(), secret, "the error text must not leak a secret")
				}
			}
		})
	}
	t.Run("RecoversAfterFailure", func(t *testing.T) {
		s := h.New(t)
		m := &email.Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Conformance retry " + token(), Text: "x"}
		injected := false
		t.Run("Failing", func(t *testing.T) {
			if !h.InjectError(t, email.ErrTemporary) {
				t.Skip("Harness.InjectError cannot produce a temporary failure")
			}
			injected = true
			_, err := s.Send(context.Background(), m)
			require.ErrorIs(t, err, email.ErrTemporary, "the injected failure must be temporary")
		})
		if !injected {
			t.Skip("Harness.InjectError cannot produce a temporary failure")
		}
		// The failure ended with the subtest: the same Sender works again.
		send(t, h, s, m)
	})
}

func testConcurrent(t *testing.T, h Harness) {
	s := h.New(t)
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
		require.NoError(t, errs[i], "concurrent sends must all succeed")
		require.False(t, seen[ids[i]], "concurrent sends must get distinct message ids, %q repeats", ids[i])
		seen[ids[i]] = true
	}
}

func testCanceled(t *testing.T, h Harness) {
	s := h.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Send(ctx, &email.Message{
		From: "sender@example.com", To: []string{"user@example.com"},
		Subject: "Conformance canceled " + token(), Text: "x",
	})
	require.Error(t, err, "a canceled context must fail the send")
	require.True(t, errors.Is(err, context.Canceled), "error %v must wrap context.Canceled", err)
}
