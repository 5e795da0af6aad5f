package smstest

import (
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/sms"
)

// Harness connects the conformance suite to one Sender and the backend it
// talks to (an httptest fake of the provider's API, or nothing for a
// sender that makes no call). Only New is required; a nil hook skips the
// checks that need it, with t.Skip naming the hook.
type Harness struct {
	// New returns the Sender under test, built as a user builds it (in
	// particular without a logger), talking to the harness's backend, and
	// keeping idempotency keys in store when store is not nil (its
	// WithStore option). Two Senders built on one store stand for two
	// replicas of a service. Required.
	New func(t *testing.T, store idempotency.Store) sms.Sender

	// Limits is what the Sender accepts (its package's Limits()). The
	// suite sends media, a Messaging Service or a status callback only
	// where it says so, and checks that the others are refused.
	Limits sms.Limits

	// From is a sender the backend accepts, set on the suite's messages;
	// empty leaves From to the Sender's default.
	From string

	// Calls returns how many requests reached the backend so far. The
	// suite checks that it does not move when a message fails validation
	// or is replayed from the store, and that it moves exactly once for a
	// key sent from many goroutines.
	Calls func() int

	// Sent returns what the backend received for the message accepted
	// with r.
	Sent func(t *testing.T, r *sms.Receipt) *Sent

	// InjectError makes every send of the calling test fail the way kind
	// says, until that test ends (undo it with t.Cleanup):
	//
	//   - sms.ErrTemporary: the provider refuses to take the message now
	//     (HTTP 429 or 503): nothing is sent;
	//   - sms.ErrAuthentication: the provider refuses the credentials;
	//   - sms.ErrUnknownOutcome: the provider takes the message but its
	//     answer is lost (the connection closes after the request);
	//   - sms.ErrMalformedResponse: the provider takes the message and
	//     answers success with a body that cannot be parsed.
	//
	// It returns false when the backend cannot fail that way.
	InjectError func(t *testing.T, kind error) bool

	// Decline edits m, and the backend if it must, so that the provider
	// refuses m as it refuses a recipient or a sender: kind is
	// sms.ErrInvalidNumber, sms.ErrUnsubscribed, sms.ErrUnverifiedRecipient,
	// sms.ErrUnreachable, sms.ErrSenderRejected or sms.ErrInsufficientFunds.
	// It returns false when the provider has no such refusal.
	Decline func(t *testing.T, kind error, m *sms.Message) bool

	// Stores are the idempotency stores the at-most-once checks run
	// against, each opened fresh per check (shared stores need keys that
	// are unique per run; the suite's are random). Empty means one memory
	// store.
	Stores []Store

	// Secrets are strings (tokens, API keys) that must never appear in an
	// error's text.
	Secrets []string
}

// Store opens one idempotency store backend for the at-most-once checks.
type Store struct {
	// Name names the backend in subtest names ("memory", "postgres").
	Name string
	// Open returns a store, closed by the test's cleanup.
	Open func(t *testing.T) idempotency.Store
}

// MemoryStore is the Store of a fresh memstore.
func MemoryStore() Store {
	return Store{Name: "memory", Open: func(t *testing.T) idempotency.Store {
		s, err := memstore.New()
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}}
}

// Sent is a backend's view of one message it received.
type Sent struct {
	To, From, MessagingService, Body, StatusCallback string
	MediaURLs                                        []string
}

// Run runs the conformance suite against h. Every Sender in this module
// passes it; a new Sender is done when it does too. The checks:
//
//   - Send: a message arrives as sent (To, From, Body), and the Receipt
//     names the provider, carries a message id, a queued or sent status,
//     the segments and encoding of the body and the message's Metadata;
//   - Segments: a UCS-2 body and a two-segment GSM-7 body are reported as
//     CountSegments computes them; a body of Limits.MaxLength characters is
//     sent, one more is refused before the network;
//   - Capabilities: media, a Messaging Service and a status callback
//     arrive where Limits allows them and are refused before the network
//     where it does not;
//   - InvalidBeforeNetwork: invalid numbers, empty, blank or oversized
//     bodies, CR, LF, NUL and other control characters, malformed URLs,
//     metadata and keys fail with an *sms.ValidationError naming the field
//     (ErrInvalidNumber for numbers) and nothing reaches the backend;
//   - Failures: each kind InjectError produces surfaces as an *sms.Error
//     of that kind, Temporary only when a retry may help, without a
//     secret in its text; an unknown outcome also matches ErrTemporary; an
//     answer that cannot be parsed matches ErrMalformedResponse and
//     ErrUnknownOutcome and says so; the Sender works again afterwards;
//   - Declines: each refusal Decline produces surfaces as its kind, with
//     the provider's code, and is not temporary;
//   - AtMostOnce, on every store: a retry with the same key returns the
//     first Receipt (Replayed) without a call, from the same Sender or
//     another replica; a key reused with another message is
//     ErrIdempotencyConflict without a call; one key sent from eight
//     goroutines on two replicas makes exactly one call, the others
//     getting the Receipt or ErrInProgress; a definite failure releases
//     the key so a retry sends; an unknown outcome is recorded so a retry
//     fails with ErrUnknownOutcome (not ErrTemporary) and sends nothing;
//     sends without a key are never de-duplicated;
//   - Concurrent: parallel sends all succeed with distinct ids;
//   - CanceledContext: a canceled context fails with an error wrapping
//     context.Canceled and ErrTemporary, and nothing is sent;
//   - SilentByDefault: a Sender built without a logger logs nothing
//     through slog.Default or package log;
//   - Close: a Sender that is an io.Closer fails with ErrClosed after
//     Close, which can be called twice.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.New, "smstest: Harness.New is required")
	if len(h.Stores) == 0 {
		h.Stores = []Store{MemoryStore()}
	}
	s := &suite{h: h}
	t.Run("Send", s.testSend)
	t.Run("Segments", s.testSegments)
	t.Run("Capabilities", s.testCapabilities)
	t.Run("InvalidBeforeNetwork", s.testInvalid)
	t.Run("Failures", s.testFailures)
	t.Run("Declines", s.testDeclines)
	t.Run("AtMostOnce", s.testAtMostOnce)
	t.Run("Concurrent", s.testConcurrent)
	t.Run("CanceledContext", s.testCanceled)
	t.Run("SilentByDefault", s.testSilent)
	t.Run("Close", s.testClose)
}

type suite struct{ h Harness }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// msg returns a valid message with a unique body.
func (s *suite) msg(body string) *sms.Message {
	return &sms.Message{To: "+233241234567", From: s.h.From, Body: body + " " + randomHex(4)}
}

func (s *suite) calls() int {
	if s.h.Calls == nil {
		return 0
	}
	return s.h.Calls()
}

func (s *suite) send(t *testing.T, snd sms.Sender, m *sms.Message) *sms.Receipt {
	t.Helper()
	r, err := snd.Send(ctx(t), m)
	require.NoError(t, err, "a valid message must be accepted")
	require.NotNil(t, r, "an accepted message must have a receipt")
	require.NotEmpty(t, r.Provider, "the receipt must name the provider")
	require.NotEmpty(t, r.MessageID, "the receipt must carry the provider's message id")
	require.Contains(t, []sms.Status{sms.StatusQueued, sms.StatusSent}, r.Status, "a new message is queued or sent")
	require.False(t, r.AcceptedAt.IsZero(), "the receipt must say when the message was accepted")
	return r
}

func (s *suite) sent(t *testing.T, r *sms.Receipt) *Sent {
	t.Helper()
	if s.h.Sent == nil {
		return nil
	}
	got := s.h.Sent(t, r)
	require.NotNil(t, got, "Harness.Sent must find the message of receipt %s", r.MessageID)
	return got
}

func (s *suite) testSend(t *testing.T) {
	snd := s.h.New(t, nil)
	m := s.msg("Your order 1234 has shipped.")
	m.Metadata = map[string]string{"order": "1234"}
	r := s.send(t, snd, m)
	seg := sms.CountSegments(m.Body)
	require.Equal(t, seg.Count, r.Segments, "the receipt reports the segments")
	require.Equal(t, sms.GSM7, r.Encoding, "an ASCII body is GSM-7")
	require.Equal(t, map[string]string{"order": "1234"}, r.Metadata, "the receipt returns the metadata")
	require.False(t, r.Replayed, "a first send is not replayed")
	require.Equal(t, m.To, r.To, "the receipt names the recipient")
	if got := s.sent(t, r); got != nil {
		require.Equal(t, m.To, got.To, "To must arrive")
		require.Equal(t, m.Body, got.Body, "the body must arrive intact")
		if m.From != "" {
			require.Equal(t, m.From, got.From, "From must arrive")
		}
	}
}

func (s *suite) testSegments(t *testing.T) {
	snd := s.h.New(t, nil)
	t.Run("UCS2", func(t *testing.T) {
		m := s.msg("Merci ✓ — commande expédiée 🚀")
		r := s.send(t, snd, m)
		require.Equal(t, sms.UCS2, r.Encoding, "a non-GSM character makes the body UCS-2")
		require.Equal(t, sms.CountSegments(m.Body).Count, r.Segments)
		if got := s.sent(t, r); got != nil {
			require.Equal(t, m.Body, got.Body, "a UCS-2 body must arrive intact")
		}
	})
	t.Run("TwoGSM7Segments", func(t *testing.T) {
		m := &sms.Message{To: "+233241234567", From: s.h.From, Body: strings.Repeat("a", 150) + " {" + randomHex(4) + "}"}
		r := s.send(t, snd, m)
		require.Equal(t, 2, r.Segments, "161+ septets take two segments")
		require.Equal(t, sms.GSM7, r.Encoding)
	})
	t.Run("Maximum", func(t *testing.T) {
		maxLen := s.h.Limits.MaxLength
		if maxLen <= 0 {
			maxLen = sms.MaxLength
		}
		m := &sms.Message{To: "+233241234567", From: s.h.From, Body: randomHex(4) + strings.Repeat("x", maxLen-8)}
		s.send(t, snd, m)
		before := s.calls()
		m.Body += "y"
		_, err := snd.Send(ctx(t), m)
		var ve *sms.ValidationError
		require.ErrorAs(t, err, &ve, "a body over the maximum is refused before any call")
		require.Equal(t, "Body", ve.Field)
		require.Equal(t, before, s.calls(), "a body over the maximum must not reach the backend")
	})
}

func (s *suite) testCapabilities(t *testing.T) {
	snd := s.h.New(t, nil)
	l := s.h.Limits
	check := func(t *testing.T, allowed bool, field string, edit func(m *sms.Message), arrived func(t *testing.T, got *Sent, m *sms.Message)) {
		m := s.msg("Capabilities")
		edit(m)
		before := s.calls()
		r, err := snd.Send(ctx(t), m)
		if !allowed {
			var ve *sms.ValidationError
			require.ErrorAs(t, err, &ve, "%s is not supported: it must be refused, not ignored", field)
			require.Equal(t, field, ve.Field)
			require.Equal(t, before, s.calls(), "a refused field must not reach the backend")
			return
		}
		require.NoError(t, err)
		if got := s.sent(t, r); got != nil {
			arrived(t, got, m)
		}
	}
	t.Run("MediaURLs", func(t *testing.T) {
		check(t, l.MaxMediaURLs > 0, "MediaURLs", func(m *sms.Message) {
			m.MediaURLs = []string{"https://cdn.example.com/receipt.png"}
		}, func(t *testing.T, got *Sent, m *sms.Message) { require.Equal(t, m.MediaURLs, got.MediaURLs) })
	})
	t.Run("MessagingService", func(t *testing.T) {
		check(t, l.MessagingService, "MessagingService", func(m *sms.Message) {
			m.From, m.MessagingService = "", "MG"+strings.Repeat("0a", 16)
		}, func(t *testing.T, got *Sent, m *sms.Message) {
			require.Equal(t, m.MessagingService, got.MessagingService)
		})
	})
	t.Run("StatusCallback", func(t *testing.T) {
		check(t, l.StatusCallback, "StatusCallback", func(m *sms.Message) {
			m.StatusCallback = "https://shop.example.com/webhooks/sms?tenant=1"
		}, func(t *testing.T, got *Sent, m *sms.Message) { require.Equal(t, m.StatusCallback, got.StatusCallback) })
	})
}

func (s *suite) testInvalid(t *testing.T) {
	if s.h.Calls == nil {
		t.Skip("Harness.Calls is nil: cannot check that invalid messages stay off the network")
	}
	snd := s.h.New(t, nil)
	cases := []struct {
		name   string
		edit   func(m *sms.Message)
		field  string
		number bool
	}{
		{"ToEmpty", func(m *sms.Message) { m.To = "" }, "To", true},
		{"ToNational", func(m *sms.Message) { m.To = "0241234567" }, "To", true},
		{"ToSpaces", func(m *sms.Message) { m.To = "+233 24 123 4567" }, "To", true},
		{"ToLetters", func(m *sms.Message) { m.To = "+23324ABC4567" }, "To", true},
		{"ToTooLong", func(m *sms.Message) { m.To = "+1234567890123456" }, "To", true},
		{"ToTooShort", func(m *sms.Message) { m.To = "+12345" }, "To", true},
		{"ToZeroCountryCode", func(m *sms.Message) { m.To = "+0241234567" }, "To", true},
		{"ToCRLF", func(m *sms.Message) { m.To = "+233241234567\r\nBcc: +15550000000" }, "To", true},
		{"ToNUL", func(m *sms.Message) { m.To = "+233241234567\x00" }, "To", true},
		{"FromCRLF", func(m *sms.Message) { m.From = "SHOP\r\nX" }, "From", false},
		{"FromTooLong", func(m *sms.Message) { m.From = "ABCDEFGHIJKL" }, "From", false},
		{"FromDigitsOnlyLong", func(m *sms.Message) { m.From = "1234567890" }, "From", true},
		{"FromBadNumber", func(m *sms.Message) { m.From = "+12" }, "From", true},
		{"BodyEmpty", func(m *sms.Message) { m.Body = "" }, "Body", false},
		{"BodyBlank", func(m *sms.Message) { m.Body = " \n\t " }, "Body", false},
		{"BodyNUL", func(m *sms.Message) { m.Body = "Hello\x00there" }, "Body", false},
		{"BodyControl", func(m *sms.Message) { m.Body = "Hello\x1bthere" }, "Body", false},
		{"BodyC1Control", func(m *sms.Message) { m.Body = "Hello\u0085there" }, "Body", false},
		{"BodyInvalidUTF8", func(m *sms.Message) { m.Body = "Hello \xff" }, "Body", false},
		{"BodyTooLong", func(m *sms.Message) { m.Body = strings.Repeat("x", sms.MaxLength+1) }, "Body", false},
		{"BodyTooLongUTF16", func(m *sms.Message) { m.Body = strings.Repeat("🚀", sms.MaxLength/2+1) }, "Body", false},
		{"MetadataCRLF", func(m *sms.Message) { m.Metadata = map[string]string{"order": "1\r\n2"} }, "Metadata[order]", false},
		{"MetadataKeySpace", func(m *sms.Message) { m.Metadata = map[string]string{"an order": "1"} }, "Metadata", false},
		{"KeyNUL", func(m *sms.Message) { m.IdempotencyKey = "order\x007" }, "IdempotencyKey", false},
		{"KeyTooLong", func(m *sms.Message) { m.IdempotencyKey = strings.Repeat("k", sms.MaxIdempotencyKeyLen+1) }, "IdempotencyKey", false},
		{"MessagingServiceWithFrom", func(m *sms.Message) { m.From, m.MessagingService = "SHOP", "MG"+strings.Repeat("0", 32) }, "MessagingService", false},
	}
	if s.h.Limits.MaxMediaURLs > 0 {
		cases = append(cases,
			struct {
				name   string
				edit   func(m *sms.Message)
				field  string
				number bool
			}{"MediaNotHTTP", func(m *sms.Message) { m.MediaURLs = []string{"ftp://example.com/a.png"} }, "MediaURLs[0]", false},
			struct {
				name   string
				edit   func(m *sms.Message)
				field  string
				number bool
			}{"MediaCRLF", func(m *sms.Message) { m.MediaURLs = []string{"https://example.com/a.png\r\nX: y"} }, "MediaURLs[0]", false})
	}
	if s.h.Limits.StatusCallback {
		cases = append(cases, struct {
			name   string
			edit   func(m *sms.Message)
			field  string
			number bool
		}{"StatusCallbackUnderscore", func(m *sms.Message) { m.StatusCallback = "https://my_host.example.com/cb" }, "StatusCallback", false},
			struct {
				name   string
				edit   func(m *sms.Message)
				field  string
				number bool
			}{"StatusCallbackRelative", func(m *sms.Message) { m.StatusCallback = "/webhooks/twilio" }, "StatusCallback", false})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := s.msg("Invalid")
			tc.edit(m)
			before := s.calls()
			r, err := snd.Send(ctx(t), m)
			require.Error(t, err, "an invalid message must be refused")
			require.Nil(t, r, "a refused message has no receipt")
			require.ErrorIs(t, err, sms.ErrInvalidMessage)
			var ve *sms.ValidationError
			require.ErrorAs(t, err, &ve, "an invalid message is a *sms.ValidationError")
			require.Equal(t, tc.field, ve.Field, "the error must name the invalid field")
			require.Equal(t, tc.number, errors.Is(err, sms.ErrInvalidNumber), "ErrInvalidNumber exactly for phone numbers")
			require.NotContains(t, err.Error(), "\r", "the error must not echo CR")
			require.NotContains(t, err.Error(), "\n", "the error must not echo LF")
			require.NotContains(t, err.Error(), "\x00", "the error must not echo NUL")
			require.Equal(t, before, s.calls(), "an invalid message must not reach the backend")
		})
	}
	t.Run("NilMessage", func(t *testing.T) {
		before := s.calls()
		_, err := snd.Send(ctx(t), nil)
		require.ErrorIs(t, err, sms.ErrInvalidMessage)
		require.Equal(t, before, s.calls())
	})
}

func (s *suite) checkProviderError(t *testing.T, err error, kind error) *sms.Error {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, kind, "the failure must match %v", kind)
	require.NotErrorIs(t, err, sms.ErrInvalidMessage, "a provider failure is not ErrInvalidMessage")
	var se *sms.Error
	require.ErrorAs(t, err, &se, "a provider failure is a *sms.Error")
	require.NotEmpty(t, se.Provider, "the error must name the provider")
	for _, secret := range s.h.Secrets {
		if secret != "" {
			require.NotContains(t, err.Error(), secret, "the error text must not hold a secret")
		}
	}
	return se
}

func (s *suite) testFailures(t *testing.T) {
	if s.h.InjectError == nil {
		t.Skip("Harness.InjectError is nil: the backend cannot be made to fail")
	}
	kinds := []struct {
		name      string
		kind      error
		temporary bool
		unknown   bool
	}{
		{"Temporary", sms.ErrTemporary, true, false},
		{"Authentication", sms.ErrAuthentication, false, false},
		{"UnknownOutcome", sms.ErrUnknownOutcome, true, true},
		{"MalformedResponse", sms.ErrMalformedResponse, false, true},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			snd := s.h.New(t, nil)
			if !s.h.InjectError(t, k.kind) {
				t.Skipf("Harness.InjectError cannot produce %v", k.kind)
			}
			r, err := snd.Send(ctx(t), s.msg("Failure"))
			require.Nil(t, r)
			se := s.checkProviderError(t, err, k.kind)
			require.Equal(t, k.temporary, se.Temporary(), "Temporary exactly when a retry may help")
			require.Equal(t, k.temporary, errors.Is(err, sms.ErrTemporary))
			require.Equal(t, k.unknown, errors.Is(err, sms.ErrUnknownOutcome), "ErrUnknownOutcome exactly when the provider may have the message")
			if k.kind == sms.ErrMalformedResponse {
				require.Contains(t, err.Error(), "cannot be parsed", "the error says the answer cannot be parsed")
			}
		})
	}
	t.Run("RecoversAfterFailure", func(t *testing.T) {
		snd := s.h.New(t, nil)
		injected := false
		t.Run("Failing", func(t *testing.T) {
			if !s.h.InjectError(t, sms.ErrTemporary) {
				t.Skip("Harness.InjectError cannot produce a temporary failure")
			}
			injected = true
			_, err := snd.Send(ctx(t), s.msg("Retry"))
			require.ErrorIs(t, err, sms.ErrTemporary)
		})
		if !injected {
			t.Skip("Harness.InjectError cannot produce a temporary failure")
		}
		s.send(t, snd, s.msg("Retry"))
	})
}

var declineKinds = []struct {
	name string
	kind error
}{
	{"InvalidNumber", sms.ErrInvalidNumber},
	{"Unsubscribed", sms.ErrUnsubscribed},
	{"UnverifiedRecipient", sms.ErrUnverifiedRecipient},
	{"Unreachable", sms.ErrUnreachable},
	{"SenderRejected", sms.ErrSenderRejected},
	{"InsufficientFunds", sms.ErrInsufficientFunds},
}

func (s *suite) testDeclines(t *testing.T) {
	if s.h.Decline == nil {
		t.Skip("Harness.Decline is nil: the provider cannot be made to refuse a message")
	}
	for _, k := range declineKinds {
		t.Run(k.name, func(t *testing.T) {
			snd := s.h.New(t, nil)
			m := s.msg("Decline")
			if !s.h.Decline(t, k.kind, m) {
				t.Skipf("Harness.Decline cannot produce %v", k.kind)
			}
			r, err := snd.Send(ctx(t), m)
			require.Nil(t, r)
			se := s.checkProviderError(t, err, k.kind)
			require.NotEmpty(t, se.Code, "a refusal carries the provider's code")
			require.False(t, se.Temporary(), "a refusal is not temporary")
			require.NotErrorIs(t, err, sms.ErrUnknownOutcome, "a refusal sent nothing")
			for _, other := range declineKinds {
				if other.kind != k.kind {
					require.NotErrorIs(t, err, other.kind, "the refusal matches no other kind")
				}
			}
		})
	}
}

func (s *suite) testAtMostOnce(t *testing.T) {
	for _, st := range s.h.Stores {
		t.Run(st.Name, func(t *testing.T) { s.atMostOnce(t, st) })
	}
}

func (s *suite) atMostOnce(t *testing.T, st Store) {
	key := func() string { return "conformance:" + randomHex(8) }
	needCalls := func(t *testing.T) {
		if s.h.Calls == nil {
			t.Skip("Harness.Calls is nil: cannot count what reached the backend")
		}
	}

	t.Run("RetryReturnsFirstReceipt", func(t *testing.T) {
		needCalls(t)
		store := st.Open(t)
		a, b := s.h.New(t, store), s.h.New(t, store)
		m := s.msg("Once")
		m.IdempotencyKey = key()
		m.Metadata = map[string]string{"order": "7"}
		before := s.calls()
		first := s.send(t, a, m)
		require.False(t, first.Replayed)
		require.Equal(t, before+1, s.calls(), "the first send calls the provider once")
		again, err := a.Send(ctx(t), m.Clone())
		require.NoError(t, err)
		require.True(t, again.Replayed, "a retry with the same key is replayed")
		require.Equal(t, first.MessageID, again.MessageID, "a retry returns the first receipt")
		require.Equal(t, first.Segments, again.Segments)
		require.Equal(t, first.Metadata, again.Metadata)
		replica, err := b.Send(ctx(t), m.Clone())
		require.NoError(t, err)
		require.True(t, replica.Replayed, "another replica on the same store replays too")
		require.Equal(t, first.MessageID, replica.MessageID)
		require.Equal(t, before+1, s.calls(), "no retry reaches the provider")
	})

	t.Run("KeyReusedForAnotherMessage", func(t *testing.T) {
		needCalls(t)
		store := st.Open(t)
		snd := s.h.New(t, store)
		m := s.msg("First")
		m.IdempotencyKey = key()
		s.send(t, snd, m)
		before := s.calls()
		other := m.Clone()
		other.Body = "Something else"
		_, err := snd.Send(ctx(t), other)
		require.ErrorIs(t, err, sms.ErrIdempotencyConflict, "a key reused with another message is refused")
		require.NotErrorIs(t, err, sms.ErrTemporary, "a reused key is not temporary")
		require.Equal(t, before, s.calls(), "a reused key sends nothing")
	})

	t.Run("ConcurrentReplicas", func(t *testing.T) {
		needCalls(t)
		store := st.Open(t)
		replicas := []sms.Sender{s.h.New(t, store), s.h.New(t, store)}
		m := s.msg("Race")
		m.IdempotencyKey = key()
		before := s.calls()
		const n = 8
		var wg sync.WaitGroup
		receipts := make([]*sms.Receipt, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { receipts[i], errs[i] = replicas[i%2].Send(ctx(t), m.Clone()) })
		}
		wg.Wait()
		require.Equal(t, before+1, s.calls(), "one key sent from %d goroutines calls the provider exactly once", n)
		id := ""
		for i := range n {
			if errs[i] != nil {
				require.ErrorIs(t, errs[i], sms.ErrInProgress, "a concurrent send either gets the receipt or ErrInProgress")
				require.ErrorIs(t, errs[i], sms.ErrTemporary, "ErrInProgress is temporary")
				continue
			}
			if id == "" {
				id = receipts[i].MessageID
			}
			require.Equal(t, id, receipts[i].MessageID, "every receipt is the one send's")
		}
		require.NotEmpty(t, id, "one send succeeded")
		r, err := replicas[0].Send(ctx(t), m.Clone())
		require.NoError(t, err, "once the send is done, a retry gets its receipt")
		require.Equal(t, id, r.MessageID)
	})

	t.Run("DefiniteFailureReleasesKey", func(t *testing.T) {
		needCalls(t)
		if s.h.InjectError == nil {
			t.Skip("Harness.InjectError is nil")
		}
		store := st.Open(t)
		snd := s.h.New(t, store)
		m := s.msg("Released")
		m.IdempotencyKey = key()
		injected := false
		t.Run("Failing", func(t *testing.T) {
			if !s.h.InjectError(t, sms.ErrTemporary) {
				t.Skip("Harness.InjectError cannot produce a temporary failure")
			}
			injected = true
			_, err := snd.Send(ctx(t), m)
			require.ErrorIs(t, err, sms.ErrTemporary)
			require.NotErrorIs(t, err, sms.ErrUnknownOutcome, "a refusal to take the message is not an unknown outcome")
		})
		if !injected {
			t.Skip("Harness.InjectError cannot produce a temporary failure")
		}
		before := s.calls()
		r := s.send(t, snd, m)
		require.False(t, r.Replayed, "after a definite failure the retry sends")
		require.Equal(t, before+1, s.calls())
	})

	t.Run("UnknownOutcomeIsNotResent", func(t *testing.T) {
		needCalls(t)
		if s.h.InjectError == nil {
			t.Skip("Harness.InjectError is nil")
		}
		store := st.Open(t)
		snd := s.h.New(t, store)
		m := s.msg("Lost answer")
		m.IdempotencyKey = key()
		injected := false
		t.Run("Failing", func(t *testing.T) {
			if !s.h.InjectError(t, sms.ErrUnknownOutcome) {
				t.Skip("Harness.InjectError cannot lose an answer")
			}
			injected = true
			_, err := snd.Send(ctx(t), m)
			require.ErrorIs(t, err, sms.ErrUnknownOutcome)
			require.ErrorIs(t, err, sms.ErrTemporary, "the first failure is temporary: the retry is safe")
		})
		if !injected {
			t.Skip("Harness.InjectError cannot lose an answer")
		}
		before := s.calls()
		for _, replica := range []sms.Sender{snd, s.h.New(t, store)} {
			_, err := replica.Send(ctx(t), m.Clone())
			require.ErrorIs(t, err, sms.ErrUnknownOutcome, "the retry learns the outcome is unknown")
			require.NotErrorIs(t, err, sms.ErrTemporary, "and that retrying will not change it")
		}
		require.Equal(t, before, s.calls(), "a message that may have been sent is never sent again under its key")
	})

	t.Run("NoKeyNoDeduplication", func(t *testing.T) {
		needCalls(t)
		store := st.Open(t)
		snd := s.h.New(t, store)
		m := s.msg("Twice")
		before := s.calls()
		a, b := s.send(t, snd, m), s.send(t, snd, m.Clone())
		require.NotEqual(t, a.MessageID, b.MessageID, "without a key every send is a new message")
		require.Equal(t, before+2, s.calls())
	})
}

func (s *suite) testConcurrent(t *testing.T) {
	snd := s.h.New(t, nil)
	const n = 6
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			r, err := snd.Send(ctx(t), s.msg("Concurrent"))
			errs[i] = err
			if r != nil {
				ids[i] = r.MessageID
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		require.NoError(t, errs[i], "concurrent sends must all succeed")
		require.False(t, seen[ids[i]], "concurrent sends get distinct ids; %q repeats", ids[i])
		seen[ids[i]] = true
	}
}

func (s *suite) testCanceled(t *testing.T) {
	snd := s.h.New(t, nil)
	c, cancel := context.WithCancel(context.Background())
	cancel()
	before := s.calls()
	m := s.msg("Canceled")
	m.IdempotencyKey = "conformance:" + randomHex(8)
	_, err := snd.Send(c, m)
	require.Error(t, err, "a canceled context must fail the send")
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, sms.ErrTemporary)
	require.NotErrorIs(t, err, sms.ErrUnknownOutcome, "nothing was written, so nothing was sent")
	require.Equal(t, before, s.calls(), "a canceled send reaches nothing")
	r := s.send(t, snd, m)
	require.False(t, r.Replayed, "the key of a canceled send is free for the retry")
}

func (s *suite) testSilent(t *testing.T) {
	rec := &recordingHandler{}
	prevLogger, prevWriter, prevFlags := slog.Default(), log.Writer(), log.Flags()
	slog.SetDefault(slog.New(rec))
	t.Cleanup(func() {
		slog.SetDefault(prevLogger)
		log.SetOutput(prevWriter)
		log.SetFlags(prevFlags)
	})
	snd := s.h.New(t, nil)
	m := s.msg("Silent")
	m.IdempotencyKey = "conformance:" + randomHex(8)
	_, _ = snd.Send(ctx(t), m)
	_, _ = snd.Send(ctx(t), m)
	_, _ = snd.Send(ctx(t), &sms.Message{To: "bad"})
	if s.h.InjectError != nil && s.h.InjectError(t, sms.ErrTemporary) {
		_, _ = snd.Send(ctx(t), s.msg("Silent"))
	}
	require.Empty(t, rec.lines(), "a Sender built without a logger logs nothing (it logged through slog.Default or package log)")
}

func (s *suite) testClose(t *testing.T) {
	snd := s.h.New(t, nil)
	c, ok := snd.(io.Closer)
	if !ok {
		t.Skip("the Sender has no Close method")
	}
	s.send(t, snd, s.msg("Before close"))
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close can be called twice")
	before := s.calls()
	_, err := snd.Send(ctx(t), s.msg("After close"))
	require.ErrorIs(t, err, sms.ErrClosed, "a closed Sender fails with ErrClosed")
	require.Equal(t, before, s.calls(), "a closed Sender sends nothing")
}

// recordingHandler is a slog.Handler that keeps every record's message.
type recordingHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}

func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordingHandler) lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.msgs...)
}
