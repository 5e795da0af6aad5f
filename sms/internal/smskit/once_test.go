package smskit

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/sms"
)

// clock is a test clock for the memory store's leases.
type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Unix(0, c.now.Load()) }
func (c *clock) Add(d time.Duration) { c.now.Add(int64(d)) }
func newClock() *clock {
	c := &clock{}
	c.now.Store(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func receipt(id string) *sms.Receipt {
	return &sms.Receipt{Provider: "fake", MessageID: id, Status: sms.StatusQueued}
}
func message(key string) *sms.Message {
	return &sms.Message{To: "+233241234567", Body: "hi", IdempotencyKey: key}
}
func newOnce(t *testing.T, c *Config) *Once {
	t.Helper()
	o, err := NewOnce(c, 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = o.Close() })
	return o
}

// failingComplete is a store whose Complete fails, as when the process
// dies between the provider's answer and the record.
type failingComplete struct{ idempotency.Store }

func (failingComplete) Complete(context.Context, string, string, idempotency.Record, time.Duration) error {
	return idempotency.ErrUnavailable
}

// The documented residual window: when the receipt cannot be recorded,
// retries get ErrInProgress until the lease ends, and a retry after it
// sends again.
func TestCrashWindowBetweenAnswerAndComplete(t *testing.T) {
	clk := newClock()
	ms, err := memstore.New(memstore.WithClock(clk.Now))
	require.NoError(t, err)
	defer ms.Close()
	lease := 30 * time.Second
	crashed := newOnce(t, &Config{Provider: "fake", Store: failingComplete{ms}, Lease: lease})
	healthy := newOnce(t, &Config{Provider: "fake", Store: ms, Lease: lease})
	sends := 0
	send := func(ctx context.Context) (*sms.Receipt, error) {
		sends++
		return receipt("SM" + string(rune('0'+sends))), nil
	}

	r, err := crashed.Send(context.Background(), message("k"), send)
	require.NoError(t, err, "the message was sent: its receipt is returned although the key was not completed")
	require.Equal(t, "SM1", r.MessageID)

	_, err = healthy.Send(context.Background(), message("k"), send)
	require.ErrorIs(t, err, sms.ErrInProgress, "during the lease a retry is told the send is in progress")
	require.Equal(t, 1, sends)

	clk.Add(lease + time.Second)
	r, err = healthy.Send(context.Background(), message("k"), send)
	require.NoError(t, err)
	require.Equal(t, 2, sends, "after the lease a retry sends again: the residual window")
	require.Equal(t, "SM2", r.MessageID)
}

// The provider call ends before the lease does, less the store timeout,
// whatever deadline the caller gave.
func TestSendDeadlineEndsBeforeLease(t *testing.T) {
	lease := idempotency.DefaultStoreTimeout + 3*time.Second
	o := newOnce(t, &Config{Provider: "fake", Lease: lease})
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	var deadline time.Time
	start := time.Now()
	_, err := o.Send(ctx, message("deadline"), func(ctx context.Context) (*sms.Receipt, error) {
		deadline, _ = ctx.Deadline()
		return receipt("SM1"), nil
	})
	require.NoError(t, err)
	require.WithinDuration(t, start.Add(lease-idempotency.DefaultStoreTimeout-leaseMargin), deadline, time.Second)

	// Without a caller deadline, the send timeout applies (the HTTP
	// client's own, which a context deadline would replace).
	o2, err := NewOnce(&Config{Provider: "fake"}, 10*time.Second)
	require.NoError(t, err)
	defer o2.Close()
	_, err = o2.Send(context.Background(), message("deadline2"), func(ctx context.Context) (*sms.Receipt, error) {
		deadline, _ = ctx.Deadline()
		return receipt("SM1"), nil
	})
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(10*time.Second), deadline, 2*time.Second)
}

func TestLeaseMustOutlastSend(t *testing.T) {
	_, err := NewOnce(&Config{Provider: "fake", Lease: 15 * time.Second}, 10*time.Second)
	require.ErrorIs(t, err, sms.ErrInvalidConfig)
	require.Contains(t, err.Error(), "WithLease")
	o, err := NewOnce(&Config{Provider: "fake", Lease: 17 * time.Second}, 10*time.Second)
	require.NoError(t, err)
	require.NoError(t, o.Close())
}

// A stored record that cannot be read is never taken as "free": nothing
// is sent again.
func TestUnreadableRecordIsNotResent(t *testing.T) {
	ms, err := memstore.New()
	require.NoError(t, err)
	defer ms.Close()
	m := message("corrupt")
	c, err := ms.Claim(context.Background(), KeyPrefix+m.IdempotencyKey, Fingerprint(m), time.Minute)
	require.NoError(t, err)
	require.NoError(t, ms.Complete(context.Background(), KeyPrefix+m.IdempotencyKey, c.Token, idempotency.Record{Status: recordSent, Body: []byte("{")}, time.Hour))
	o := newOnce(t, &Config{Provider: "fake", Store: ms})
	_, err = o.Send(context.Background(), m, func(context.Context) (*sms.Receipt, error) {
		t.Fatal("a message with a record must not be sent")
		return nil, nil
	})
	require.ErrorIs(t, err, sms.ErrUnknownOutcome)
	require.NotErrorIs(t, err, sms.ErrTemporary)
}

func TestStoreDownSendsNothing(t *testing.T) {
	ms, err := memstore.New()
	require.NoError(t, err)
	require.NoError(t, ms.Close())
	o := newOnce(t, &Config{Provider: "fake", Store: ms})
	_, err = o.Send(context.Background(), message("down"), func(context.Context) (*sms.Receipt, error) {
		t.Fatal("nothing is sent when the key cannot be claimed")
		return nil, nil
	})
	require.ErrorIs(t, err, sms.ErrTemporary)
	require.ErrorIs(t, err, idempotency.ErrUnavailable)
}

func TestFingerprintCoversWhatIsSent(t *testing.T) {
	base := &sms.Message{To: "+1", From: "A", Body: "b", MediaURLs: []string{"u"}, StatusCallback: "c"}
	fp := Fingerprint(base)
	for _, edit := range []func(m *sms.Message){
		func(m *sms.Message) { m.To = "+2" },
		func(m *sms.Message) { m.From = "B" },
		func(m *sms.Message) { m.MessagingService = "MG" },
		func(m *sms.Message) { m.Body = "c" },
		func(m *sms.Message) { m.MediaURLs = nil },
		func(m *sms.Message) { m.StatusCallback = "" },
		// Field boundaries count: "b"+"c" is not "bc"+"".
		func(m *sms.Message) { m.Body, m.StatusCallback = "bc", "" },
	} {
		m := base.Clone()
		edit(m)
		require.NotEqual(t, fp, Fingerprint(m))
	}
	m := base.Clone()
	m.Metadata = map[string]string{"k": "v"}
	m.IdempotencyKey = "other"
	require.Equal(t, fp, Fingerprint(m), "metadata and the key are not sent, so they do not count")
}

// TrackWrite tells a refused connection (nothing written) from a request
// whose answer was lost (written).
func TestTrackWrite(t *testing.T) {
	client, err := httpclient.New(httpclient.WithRetries(0))
	require.NoError(t, err)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	ctx, written := TrackWrite(context.Background())
	_, err = client.Post(ctx, "http://"+addr+"/x", []byte("a=b"))
	require.Error(t, err)
	require.False(t, written(), "a refused connection wrote nothing")
	se := HTTPError("fake", err, written(), "", nil)
	require.ErrorIs(t, se, sms.ErrTemporary)
	require.NotErrorIs(t, se, sms.ErrUnknownOutcome)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		conn, _, _ := w.(http.Hijacker).Hijack()
		_ = conn.Close()
	}))
	defer srv.Close()
	ctx, written = TrackWrite(context.Background())
	_, err = client.Post(ctx, srv.URL, []byte("a=b"))
	require.Error(t, err)
	require.True(t, written(), "the request was written before the answer was lost")
	se = HTTPError("fake", err, written(), "", nil)
	require.ErrorIs(t, se, sms.ErrUnknownOutcome)
	require.ErrorIs(t, se, sms.ErrTemporary)
}

func TestHTTPErrorStatuses(t *testing.T) {
	classify := func(status int, _ http.Header, _ []byte) *sms.Error {
		return &sms.Error{Kind: sms.ErrRejected, Code: "x"}
	}
	for _, tc := range []struct {
		status             int
		temporary, unknown bool
	}{
		{429, true, false}, {503, true, false}, {500, true, true}, {502, true, true}, {504, true, true}, {400, false, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tc.status) }))
		client, err := httpclient.New(httpclient.WithRetries(0))
		require.NoError(t, err)
		ctx, written := TrackWrite(context.Background())
		_, err = client.Post(ctx, srv.URL, []byte("a"))
		srv.Close()
		se := HTTPError("fake", err, written(), "", classify)
		require.Equal(t, tc.status, se.StatusCode)
		require.Equal(t, tc.temporary, errors.Is(se, sms.ErrTemporary), "%d temporary", tc.status)
		require.Equal(t, tc.unknown, errors.Is(se, sms.ErrUnknownOutcome), "%d unknown", tc.status)
	}
}
