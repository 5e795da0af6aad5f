package email

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// BatchSender is implemented by senders that can send several messages in
// one go, such as smtpmail over a single connection.
type BatchSender interface {
	Sender
	// SendMany sends msgs and returns one receipt per message, in order;
	// the receipt of a message that was not sent is nil and the returned
	// error is then a *BatchError.
	SendMany(ctx context.Context, msgs []*Message) ([]*Receipt, error)
}

// BatchError reports which messages of a batch were not sent.
type BatchError struct {
	// Errs holds one entry per message of the batch, in order: nil for a
	// message that was sent, its error otherwise.
	Errs []error
}

// Error implements error.
func (e *BatchError) Error() string {
	var b strings.Builder
	failed := 0
	for _, err := range e.Errs {
		if err != nil {
			failed++
		}
	}
	fmt.Fprintf(&b, "email: %d of %d messages not sent", failed, len(e.Errs))
	for i, err := range e.Errs {
		if err != nil {
			fmt.Fprintf(&b, "; [%d] %v", i, err)
			break
		}
	}
	return b.String()
}

// Unwrap returns the errors of the messages that were not sent, so
// errors.Is(err, ErrTemporary) reports whether any of them was temporary.
func (e *BatchError) Unwrap() []error {
	var out []error
	for _, err := range e.Errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// Clone returns a deep copy of m (nil for nil).
func (m *Message) Clone() *Message {
	if m == nil {
		return nil
	}
	c := *m
	c.To = slices.Clone(m.To)
	c.Cc = slices.Clone(m.Cc)
	c.Bcc = slices.Clone(m.Bcc)
	c.ReplyTo = slices.Clone(m.ReplyTo)
	c.Tags = slices.Clone(m.Tags)
	c.Headers = maps.Clone(m.Headers)
	c.Metadata = maps.Clone(m.Metadata)
	if m.Attachments != nil {
		c.Attachments = make([]Attachment, len(m.Attachments))
		for i, a := range m.Attachments {
			a.Data = slices.Clone(a.Data)
			c.Attachments[i] = a
		}
	}
	return &c
}

// Inline reports whether a is an inline part (it has a ContentID).
func (a Attachment) Inline() bool { return a.ContentID != "" }
