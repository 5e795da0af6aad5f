package email

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPrepareDerivesTextFromHTMLOnly is the regression test for HTML-only
// messages: every Sender sends what Prepare returns, which carries a text
// part derived from the HTML, and the caller's message is left as it was.
func TestPrepareDerivesTextFromHTMLOnly(t *testing.T) {
	m := &Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Hi",
		HTML: "<p>Hello <b>Ada</b></p><ul><li>one</li></ul>", Headers: map[string]string{"X-A": "1"}}
	got, err := Prepare(m)
	require.NoError(t, err)
	require.Equal(t, HTMLToText(m.HTML), got.Text)
	require.Equal(t, "Hello Ada\n\n- one", got.Text)
	require.Equal(t, m.HTML, got.HTML)
	require.Empty(t, m.Text, "the caller's message is not modified")
	require.NotSame(t, m, got)
	require.Equal(t, m.Headers, got.Headers)
}

func TestPrepareLeavesOtherMessagesAlone(t *testing.T) {
	for name, m := range map[string]*Message{
		"text only":     {From: "a@example.com", To: []string{"b@example.com"}, Text: "plain"},
		"text and HTML": {From: "a@example.com", To: []string{"b@example.com"}, Text: "mine", HTML: "<p>theirs</p>"},
		// Nothing readable comes out of an image alone: the message stays
		// HTML-only rather than get an empty text part.
		"image only": {From: "a@example.com", To: []string{"b@example.com"}, HTML: `<img src="cid:x">`},
	} {
		got, err := Prepare(m)
		require.NoError(t, err, name)
		require.Same(t, m, got, name)
	}
}

func TestPrepareValidates(t *testing.T) {
	_, err := Prepare(nil)
	require.ErrorIs(t, err, ErrInvalidMessage)
	_, err = Prepare(&Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "x\r\nBcc: c@example.com", HTML: "<p>x</p>"})
	require.ErrorIs(t, err, ErrInvalidMessage)
	big := &Message{From: "a@example.com", To: []string{"b@example.com"}, HTML: "<p>0123456789</p>"}
	_, err = Prepare(big, WithMaxSize(10))
	require.ErrorIs(t, err, ErrInvalidMessage, "validate options apply")
}
