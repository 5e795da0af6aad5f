package email

// Prepare validates m (see Validate, which opts configure) and returns the
// message a Sender delivers. Every Sender in this module sends what
// Prepare returns, so they all deliver the same parts:
//
//   - a message with HTML but no Text gets a text/plain alternative
//     derived from the HTML with HTMLToText, for mail clients that do not
//     show HTML, screen readers, and spam filters, which score HTML-only
//     mail; when nothing readable comes out of the HTML (only images, for
//     instance) the message stays HTML-only;
//   - everything else is sent as it is.
//
// m itself is never modified: Prepare returns m when it needs no change
// and otherwise a shallow copy, which shares m's slices and maps.
func Prepare(m *Message, opts ...ValidateOption) (*Message, error) {
	if err := Validate(m, opts...); err != nil {
		return nil, err
	}
	if m.Text != "" || m.HTML == "" {
		return m, nil
	}
	text := HTMLToText(m.HTML)
	if text == "" {
		return m, nil
	}
	c := *m
	c.Text = text
	return &c, nil
}
