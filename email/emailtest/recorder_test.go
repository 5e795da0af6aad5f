package emailtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
)

func TestRecorderConformance(t *testing.T) {
	var mu sync.Mutex
	var injected error
	rec := NewRecorder(WithFailure(func(*email.Message) error {
		mu.Lock()
		defer mu.Unlock()
		return injected
	}))
	Run(t, Harness{
		New:   func(t *testing.T) email.Sender { return rec },
		Calls: rec.Len,
		InjectError: func(t *testing.T, kind error) bool {
			mu.Lock()
			injected = &email.SendError{Kind: kind, Provider: RecorderProvider, Message: "injected"}
			mu.Unlock()
			t.Cleanup(func() {
				mu.Lock()
				injected = nil
				mu.Unlock()
			})
			return true
		},
		Delivered: func(t *testing.T, r *email.Receipt, _ *email.Message) *Delivery {
			m := rec.Lookup(r.MessageID)
			require.NotNil(t, m, "no message recorded as %s", r.MessageID)
			d := FromMessage(m)
			require.NotNil(t, d)
			return d
		},
	})
}

// TestRecorderRecordsHTMLOnlyWithText: the recorder records what a sender
// delivers, so an HTML-only message gains its derived text part, and the
// caller's message is left alone.
func TestRecorderRecordsHTMLOnlyWithText(t *testing.T) {
	rec := NewRecorder()
	m := &email.Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "Hi", HTML: "<p>Hello <b>you</b></p>"}
	_, err := rec.Send(context.Background(), m)
	require.NoError(t, err)
	require.Equal(t, "Hello you", rec.Last().Text)
	require.Empty(t, m.Text)
}

// TestHarnessWithoutHooks: a harness with only New runs the checks that
// need no hook and skips each check that needs a missing one.
func TestHarnessWithoutHooks(t *testing.T) {
	rec := NewRecorder()
	h := Harness{New: func(*testing.T) email.Sender { return rec }}
	for _, c := range []struct {
		name  string
		check func(*testing.T, Harness)
		skips bool
	}{
		{"Send", testSend, true},
		{"HTMLOnly", testHTMLOnly, true},
		{"Bcc", testBcc, true},
		{"Attachments", testAttachments, true},
		{"InvalidBeforeNetwork", testInvalid, true},
		{"Failures", testFailures, true},
		{"Concurrent", testConcurrent, false},
		{"CanceledContext", testCanceled, false},
	} {
		var sub *testing.T
		t.Run(c.name, func(t *testing.T) {
			sub = t
			c.check(t, h)
		})
		require.Equal(t, c.skips, sub.Skipped(), c.name)
	}
	require.Equal(t, 4, rec.Len(), "the concurrent check ran")
}

func TestRecorder(t *testing.T) {
	ctx := context.Background()
	msg := func(i int) *email.Message {
		return &email.Message{
			From: "a@example.com", To: []string{"b@example.com"},
			Subject: fmt.Sprintf("m%d", i), Text: "x",
			Headers:     map[string]string{"X-N": fmt.Sprint(i)},
			Attachments: []email.Attachment{{Filename: "f.txt", Data: []byte("data")}},
		}
	}
	rec := NewRecorder()
	assert.Nil(t, rec.Last())
	r1, err := rec.Send(ctx, msg(1))
	require.NoError(t, err)
	assert.Equal(t, &email.Receipt{Provider: RecorderProvider, MessageID: "recorder-1"}, r1)

	// The recorder keeps copies: later changes by the caller do not leak in.
	m2 := msg(2)
	_, err = rec.Send(ctx, m2)
	require.NoError(t, err)
	m2.Subject = "changed"
	m2.Headers["X-N"] = "changed"
	m2.Attachments[0].Data[0] = 'X'
	got := rec.Last()
	assert.Equal(t, "m2", got.Subject)
	assert.Equal(t, "2", got.Headers["X-N"])
	assert.Equal(t, "data", string(got.Attachments[0].Data))
	// And callers cannot change what was recorded.
	got.Subject = "mutated"
	assert.Equal(t, "m2", rec.Messages()[1].Subject)
	assert.Equal(t, "m1", rec.Lookup("recorder-1").Subject)
	assert.Nil(t, rec.Lookup("nope"))

	// Invalid messages fail validation and are not recorded.
	_, err = rec.Send(ctx, &email.Message{From: "a@example.com", Subject: "x", Text: "x"})
	require.ErrorIs(t, err, email.ErrInvalidMessage)
	assert.Equal(t, 2, rec.Len())

	// Queued failures apply to the next valid messages, in order.
	boom := errors.New("boom")
	rec.FailNext(boom, nil)
	_, err = rec.Send(ctx, msg(3))
	require.ErrorIs(t, err, boom)
	_, err = rec.Send(ctx, msg(4))
	require.NoError(t, err)
	assert.Equal(t, 3, rec.Len())

	rec.Reset()
	assert.Equal(t, 0, rec.Len())
	r, err := rec.Send(ctx, msg(5))
	require.NoError(t, err)
	assert.Equal(t, "recorder-1", r.MessageID)
}

func TestRecorderWithFailure(t *testing.T) {
	rec := NewRecorder(WithFailure(func(m *email.Message) error {
		if m.To[0] == "bounce@example.com" {
			return &email.SendError{Kind: email.ErrRejectedRecipient, Provider: "test", StatusCode: 550}
		}
		return nil
	}), WithValidateOptions(email.WithMaxSize(100)))
	ctx := context.Background()
	_, err := rec.Send(ctx, &email.Message{From: "a@example.com", To: []string{"bounce@example.com"}, Text: "x"})
	require.ErrorIs(t, err, email.ErrRejectedRecipient)
	_, err = rec.Send(ctx, &email.Message{From: "a@example.com", To: []string{"ok@example.com"}, Text: "x"})
	require.NoError(t, err)
	_, err = rec.Send(ctx, &email.Message{From: "a@example.com", To: []string{"ok@example.com"}, Text: string(make([]byte, 200))})
	require.ErrorIs(t, err, email.ErrInvalidMessage)
}

func TestRecorderSendMany(t *testing.T) {
	rec := NewRecorder()
	ok := &email.Message{From: "a@example.com", To: []string{"b@example.com"}, Text: "x"}
	bad := &email.Message{From: "a@example.com", Text: "x"}
	rs, err := rec.SendMany(context.Background(), []*email.Message{ok, bad, ok})
	var be *email.BatchError
	require.ErrorAs(t, err, &be)
	require.ErrorIs(t, err, email.ErrInvalidMessage)
	require.Len(t, rs, 3)
	assert.NotNil(t, rs[0])
	assert.Nil(t, rs[1])
	assert.NotNil(t, rs[2])
	assert.Nil(t, be.Errs[0])
	assert.Error(t, be.Errs[1])
	assert.Contains(t, err.Error(), "1 of 3 messages not sent")

	rs, err = rec.SendMany(context.Background(), []*email.Message{ok})
	require.NoError(t, err)
	assert.Len(t, rs, 1)
}

func TestRecorderConcurrent(t *testing.T) {
	rec := NewRecorder()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := rec.Send(context.Background(), &email.Message{
				From: "a@example.com", To: []string{"b@example.com"}, Subject: fmt.Sprint(i), Text: "x",
			})
			assert.NoError(t, err)
			_ = rec.Messages()
			_ = rec.Last()
		}()
	}
	wg.Wait()
	assert.Equal(t, 20, rec.Len())
}

func TestRecorderCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := NewRecorder().Send(ctx, &email.Message{From: "a@example.com", To: []string{"b@example.com"}, Text: "x"})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, email.ErrTemporary)
}

func TestFromMessage(t *testing.T) {
	m := &email.Message{
		From: "Ada <ada@example.com>", To: []string{"B <b@example.com>"}, Cc: []string{"c@example.com"},
		Bcc: []string{"d@example.com"}, ReplyTo: []string{"r@example.com"}, Subject: "S", Text: "T", HTML: "H",
		Headers:     map[string]string{"X-A": "1"},
		Attachments: []email.Attachment{{Filename: "f", Data: []byte("x"), ContentID: "c"}},
	}
	d := FromMessage(m)
	require.NotNil(t, d)
	assert.Equal(t, &Delivery{
		From: "ada@example.com", To: []string{"b@example.com"}, Cc: []string{"c@example.com"},
		Bcc: []string{"d@example.com"}, ReplyTo: []string{"r@example.com"}, Subject: "S", Text: "T", HTML: "H",
		Headers:     map[string][]string{"X-A": {"1"}},
		Attachments: []email.Attachment{{Filename: "f", Data: []byte("x"), ContentID: "c"}},
	}, d)
	assert.Equal(t, "1", d.Header("x-a"))
	assert.Equal(t, "", d.Header("missing"))
	assert.Nil(t, FromMessage(&email.Message{From: "bad"}))
}
