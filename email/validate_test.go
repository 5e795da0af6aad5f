package email

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func validMessage() *Message {
	return &Message{
		From:    "Ada <ada@example.com>",
		To:      []string{"bob@example.com", "Carol <carol@example.org>"},
		Subject: "Hello",
		Text:    "Hi",
	}
}

func TestValidateAccepts(t *testing.T) {
	cases := []struct {
		name string
		edit func(m *Message)
	}{
		{"Minimal", func(m *Message) {}},
		{"OnlyCc", func(m *Message) { m.To = nil; m.Cc = []string{"c@example.com"} }},
		{"OnlyBcc", func(m *Message) { m.To = nil; m.Bcc = []string{"c@example.com"} }},
		{"HTMLOnly", func(m *Message) { m.Text = ""; m.HTML = "<p>x</p>" }},
		{"QuotedName", func(m *Message) { m.From = `"Lovelace, Ada" <ada@example.com>` }},
		{"EncodedName", func(m *Message) { m.From = "=?utf-8?q?J=C3=BCrgen?= <j@example.com>" }},
		{"UnicodeName", func(m *Message) { m.To = []string{"Jürgen <j@example.com>"} }},
		{"UnicodeSubject", func(m *Message) { m.Subject = "Grüße 👋" }},
		{"EmptySubject", func(m *Message) { m.Subject = "" }},
		{"CustomHeaders", func(m *Message) {
			m.Headers = map[string]string{"X-Campaign": "spring", "List-Unsubscribe": "<mailto:u@example.com>", "Message-ID": "<a@b>", "X-Other": "x"}
		}},
		{"Attachments", func(m *Message) {
			m.Attachments = []Attachment{
				{Filename: "a.pdf", ContentType: "application/pdf", Data: []byte("x")},
				{Filename: "logo.png", ContentType: "image/png; name=logo.png", Data: []byte("x"), ContentID: "logo@example.com"},
				{Filename: "b.bin", Data: []byte("x")},
			}
		}},
		{"TagsMetadata", func(m *Message) {
			m.Tags = []string{"welcome"}
			m.Metadata = map[string]string{"user_id": "42", "note": "multi\nline is fine in values"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := validMessage()
			tc.edit(m)
			require.NoError(t, m.Validate())
			require.NoError(t, Validate(m))
		})
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(m *Message)
		field string
	}{
		{"FromEmpty", func(m *Message) { m.From = " " }, "From"},
		{"FromTwo", func(m *Message) { m.From = "a@example.com, b@example.com" }, "From"},
		{"FromNoDomain", func(m *Message) { m.From = "ada" }, "From"},
		{"FromCRLF", func(m *Message) { m.From = "ada@example.com\r\nBcc: x@example.com" }, "From"},
		{"FromNameCRLF", func(m *Message) { m.From = "\"Ada\r\nBcc: x@example.com\" <ada@example.com>" }, "From"},
		{"FromEncodedCRLF", func(m *Message) { m.From = "=?utf-8?q?Ada=0D=0ABcc:_x@example.com?= <ada@example.com>" }, "From"},
		{"ToSecondBad", func(m *Message) { m.To[1] = "carol@" }, "To[1]"},
		{"ToLF", func(m *Message) { m.To[0] = "bob@example.com\n" }, "To[0]"},
		{"CcNUL", func(m *Message) { m.Cc = []string{"c\x00@example.com"} }, "Cc[0]"},
		{"BccList", func(m *Message) { m.Bcc = []string{"a@example.com; b@example.com"} }, "Bcc[0]"},
		{"ReplyToBad", func(m *Message) { m.ReplyTo = []string{"<>"} }, "ReplyTo[0]"},
		{"NoRecipients", func(m *Message) { m.To = nil }, "To"},
		{"SubjectCR", func(m *Message) { m.Subject = "a\rb" }, "Subject"},
		{"SubjectInvalidUTF8", func(m *Message) { m.Subject = "a\xffb" }, "Subject"},
		{"NoBody", func(m *Message) { m.Text = "" }, "Text"},
		{"HeaderNameEmpty", func(m *Message) { m.Headers = map[string]string{"": "x"} }, `Headers[""]`},
		{"HeaderNameSpace", func(m *Message) { m.Headers = map[string]string{"X Tag": "x"} }, `Headers["X Tag"]`},
		{"HeaderNameNonASCII", func(m *Message) { m.Headers = map[string]string{"X-Tä": "x"} }, `Headers["X-T\u00e4"]`},
		{"HeaderValueCRLF", func(m *Message) { m.Headers = map[string]string{"X-Tag": "a\r\n b"} }, "Headers[X-Tag]"},
		{"HeaderReserved", func(m *Message) { m.Headers = map[string]string{"content-type": "text/html"} }, "Headers[content-type]"},
		{"MessageIDShape", func(m *Message) { m.Headers = map[string]string{"Message-ID": "<no-at-sign>"} }, "Headers[Message-ID]"},
		{"MessageIDSpace", func(m *Message) { m.Headers = map[string]string{"Message-Id": "<a b@c>"} }, "Headers[Message-Id]"},
		{"MessageIDUnbalanced", func(m *Message) { m.Headers = map[string]string{"message-id": "<a@b"} }, "Headers[message-id]"},
		{"HeaderReservedFrom", func(m *Message) { m.Headers = map[string]string{"FROM": "x@example.com"} }, "Headers[FROM]"},
		{"AttachmentNoName", func(m *Message) { m.Attachments = []Attachment{{Data: []byte("x")}} }, "Attachments[0].Filename"},
		{"AttachmentBadType", func(m *Message) {
			m.Attachments = []Attachment{{Filename: "a", ContentType: "not a type", Data: []byte("x")}}
		}, "Attachments[0].ContentType"},
		{"ContentIDBrackets", func(m *Message) {
			m.Attachments = []Attachment{{Filename: "a", ContentID: "<logo>", Data: []byte("x")}}
		}, "Attachments[0].ContentID"},
		{"ContentIDSpace", func(m *Message) {
			m.Attachments = []Attachment{{Filename: "a", ContentID: "lo go", Data: []byte("x")}}
		}, "Attachments[0].ContentID"},
		{"ContentIDDuplicate", func(m *Message) {
			m.Attachments = []Attachment{{Filename: "a", ContentID: "x", Data: []byte("x")}, {Filename: "b", ContentID: "x"}}
		}, "Attachments[1].ContentID"},
		{"TagEmpty", func(m *Message) { m.Tags = []string{""} }, "Tags[0]"},
		{"MetadataKeyLF", func(m *Message) { m.Metadata = map[string]string{"a\nb": "x"} }, `Metadata["a\nb"]`},
		{"MetadataValueNUL", func(m *Message) { m.Metadata = map[string]string{"k": "a\x00"} }, "Metadata[k]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := validMessage()
			tc.edit(m)
			err := Validate(m)
			require.Error(t, err)
			require.ErrorIs(t, err, ErrInvalidMessage)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve))
			assert.Equal(t, tc.field, ve.Field)
			assert.NotContains(t, err.Error(), "\r")
			assert.NotContains(t, err.Error(), "\n")
			assert.NotContains(t, err.Error(), "x@example.com", "reason echoes input")
		})
	}
}

func TestValidateNil(t *testing.T) {
	var m *Message
	require.ErrorIs(t, m.Validate(), ErrInvalidMessage)
	_, err := ParseAddresses(nil)
	require.ErrorIs(t, err, ErrInvalidMessage)
}

func TestValidateSize(t *testing.T) {
	m := validMessage()
	m.Attachments = []Attachment{{Filename: "big.bin", Data: make([]byte, 2000)}}
	require.NoError(t, Validate(m))
	require.NoError(t, Validate(m, WithMaxSize(4096)))
	err := Validate(m, WithMaxSize(1000))
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Message", ve.Field)
	assert.Contains(t, ve.Reason, "1000 byte limit")
	// Zero keeps the default.
	require.NoError(t, Validate(m, WithMaxSize(0), nil))

	big := validMessage()
	big.Text = strings.Repeat("x", DefaultMaxSize+1)
	require.ErrorIs(t, Validate(big), ErrInvalidMessage)
}

func TestParseAddresses(t *testing.T) {
	m := &Message{
		From: "Ada <ada@example.com>",
		To:   []string{"b@example.com", "B@EXAMPLE.COM"},
		Cc:   []string{"c@example.com"},
		Bcc:  []string{"d@example.com", "b@example.com"},
	}
	a, err := ParseAddresses(m)
	require.NoError(t, err)
	assert.Equal(t, "Ada", a.From.Name)
	assert.Equal(t, "ada@example.com", a.From.Address)
	assert.Equal(t, []string{"b@example.com", "c@example.com", "d@example.com"}, a.Recipients())
}

func TestHeaderHelpers(t *testing.T) {
	assert.True(t, ValidHeaderName("X-Campaign_ID.1"))
	for _, bad := range []string{"", "X Tag", "X:Tag", "X\r\nTag", "Ä", "X(1)"} {
		assert.False(t, ValidHeaderName(bad), bad)
	}
	assert.Equal(t, "Message-Id", CanonicalHeaderName("message-ID"))
	assert.Equal(t, "X--Y", CanonicalHeaderName("x--y"))
	assert.Equal(t, []string{"a", "b", "c"}, SortedKeys(map[string]string{"c": "", "a": "", "b": ""}))
}

func TestClone(t *testing.T) {
	m := validMessage()
	m.Headers = map[string]string{"X-A": "1"}
	m.Attachments = []Attachment{{Filename: "a", Data: []byte("abc"), ContentID: "c"}}
	c := m.Clone()
	require.Equal(t, m, c)
	c.To[0] = "changed"
	c.Headers["X-A"] = "2"
	c.Attachments[0].Data[0] = 'z'
	assert.Equal(t, "bob@example.com", m.To[0])
	assert.Equal(t, "1", m.Headers["X-A"])
	assert.Equal(t, "abc", string(m.Attachments[0].Data))
	assert.True(t, m.Attachments[0].Inline())
	assert.Nil(t, (*Message)(nil).Clone())
}

func TestErrors(t *testing.T) {
	ve := &ValidationError{Field: "To[1]", Reason: "bad"}
	assert.Equal(t, "email: invalid To[1]: bad", ve.Error())
	se := &SendError{Kind: ErrTemporary, Provider: "smtp", StatusCode: 451, Code: "4.3.0", Message: "later", Err: errors.New("io")}
	assert.Equal(t, "smtp: email: temporary failure (451) [4.3.0]: later", se.Error())
	assert.True(t, se.Temporary())
	assert.ErrorIs(t, se, ErrTemporary)
	be := &BatchError{Errs: []error{nil, se, nil}}
	assert.ErrorIs(t, be, ErrTemporary)
	assert.NotErrorIs(t, be, ErrPermanent)
	assert.Contains(t, be.Error(), "1 of 3 messages not sent; [1] smtp")
}
