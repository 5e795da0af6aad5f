package storekit_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/idempotency/storekit"
)

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := storekit.NewToken()
		require.Len(t, tok, 32)
		require.NotContains(t, seen, tok)
		seen[tok] = true
	}
}

func TestChecks(t *testing.T) {
	require.NoError(t, storekit.CheckClaim("k", time.Second))
	require.ErrorIs(t, storekit.CheckClaim("", time.Second), idempotency.ErrInvalidKey)
	require.ErrorIs(t, storekit.CheckClaim("k", 0), idempotency.ErrInvalidDuration)
	require.ErrorContains(t, storekit.CheckClaim("k", -time.Second), "lease is -1s")
	require.NoError(t, storekit.CheckComplete("k", time.Hour))
	require.ErrorIs(t, storekit.CheckComplete("a\x00b", time.Hour), idempotency.ErrInvalidKey)
	require.ErrorContains(t, storekit.CheckComplete("k", 0), "ttl is 0s")
	require.NoError(t, storekit.CheckRelease("k"))
	require.ErrorIs(t, storekit.CheckRelease(strings.Repeat("k", idempotency.MaxKeyLen+1)), idempotency.ErrInvalidKey)
}

func TestErrors(t *testing.T) {
	closed := storekit.Closed("mystore")
	require.EqualError(t, closed, "mystore: store is closed")
	require.ErrorIs(t, closed, idempotency.ErrClosed)
	require.ErrorIs(t, closed, idempotency.ErrUnavailable)

	cause := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	down := storekit.Unavailable("mystore", "claim", cause)
	require.EqualError(t, down, "mystore: claim: dial tcp: connection refused")
	require.ErrorIs(t, down, idempotency.ErrUnavailable)
	var op *net.OpError
	require.ErrorAs(t, down, &op, "the driver's error stays reachable")
	require.NoError(t, storekit.Unavailable("mystore", "claim", nil))
	require.ErrorIs(t, storekit.Unavailable("mystore", "claim", context.Canceled), context.Canceled)

	cfg := storekit.InvalidConfig("mystore", "WithTable: %q is not an identifier", "a b")
	require.EqualError(t, cfg, `mystore: WithTable: "a b" is not an identifier`)
	require.ErrorIs(t, cfg, idempotency.ErrInvalidConfig)
	require.NotErrorIs(t, cfg, idempotency.ErrUnavailable)

	hidden := storekit.HideSecrets(down, "redis://u:hunter2@h/0")
	require.ErrorIs(t, hidden, idempotency.ErrUnavailable)
	secret := storekit.HideSecrets(errors.New("auth failed for redis://u:hunter2@h/0"), "redis://u:hunter2@h/0")
	require.NotContains(t, secret.Error(), "hunter2")
	require.NoError(t, storekit.HideSecrets(nil, "x"))
}

func TestRecordCodec(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}, "Link": {"<a>", "<b>"}}
	enc, err := storekit.EncodeHeader(h)
	require.NoError(t, err)
	rec, err := storekit.DecodeRecord(201, "fp", enc, []byte("body"))
	require.NoError(t, err)
	require.Equal(t, idempotency.Record{Status: 201, Fingerprint: "fp", Header: h, Body: []byte("body")}, rec)

	empty, err := storekit.EncodeHeader(nil)
	require.NoError(t, err)
	for _, stored := range [][]byte{empty, nil, []byte("null"), {}} {
		rec, err := storekit.DecodeRecord(204, "", stored, nil)
		require.NoError(t, err)
		require.NotNil(t, rec.Header, "a decoded header is never nil")
		require.Empty(t, rec.Header)
		require.NotNil(t, rec.Body, "a decoded body is never nil")
	}
	_, err = storekit.DecodeRecord(200, "", []byte("{not json"), nil)
	require.ErrorIs(t, err, idempotency.ErrUnavailable)

	orig := idempotency.Record{Status: 200, Header: h, Body: []byte("x")}
	cp := storekit.CopyRecord(orig)
	cp.Body[0] = 'y'
	cp.Header.Set("Content-Type", "text/plain")
	require.Equal(t, "x", string(orig.Body))
	require.Equal(t, "application/json", orig.Header.Get("Content-Type"))
	require.NotNil(t, storekit.CopyRecord(idempotency.Record{}).Header)
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add([]byte(`{"A":["b"]}`), []byte("body"))
	f.Add([]byte(`null`), []byte(nil))
	f.Add([]byte(`{"A":"not a list"}`), []byte{})
	f.Fuzz(func(t *testing.T, header, body []byte) {
		rec, err := storekit.DecodeRecord(200, "fp", header, body)
		if err != nil {
			require.ErrorIs(t, err, idempotency.ErrUnavailable)
			return
		}
		require.NotNil(t, rec.Header)
		require.NotNil(t, rec.Body)
		again, err := storekit.EncodeHeader(rec.Header)
		require.NoError(t, err)
		back, err := storekit.DecodeRecord(200, "fp", again, body)
		require.NoError(t, err)
		require.Equal(t, rec.Header, back.Header, "a decoded header survives a round trip")
	})
}

func parse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}

func TestParams(t *testing.T) {
	p := storekit.NewParams("mystore", parse(t, "x://h/?table=keys&busy=2s&max=10&sslmode=disable"))
	v, ok := p.String("table")
	require.True(t, ok)
	require.Equal(t, "keys", v)
	d, ok := p.Duration("busy")
	require.True(t, ok)
	require.Equal(t, 2*time.Second, d)
	n, ok := p.Int("max")
	require.True(t, ok)
	require.EqualValues(t, 10, n)
	_, ok = p.String("absent")
	require.False(t, ok)
	err := p.Err("table", "busy", "max")
	require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
	require.EqualError(t, err, `mystore: unknown URL parameter "sslmode" (known: table, busy, max)`)
	rest, err := p.Rest()
	require.NoError(t, err)
	require.Equal(t, url.Values{"sslmode": {"disable"}}, rest)

	bad := map[string]string{
		"x://h/?busy=soon":   `URL parameter "busy" must be a duration`,
		"x://h/?max=ten":     `URL parameter "max" must be an integer`,
		"x://h/?max=1&max=2": `URL parameter "max" is given 2 times`,
		"x://h/?%zz=1":       "the URL query does not parse",
	}
	for raw, want := range bad {
		p := storekit.NewParams("mystore", parse(t, raw))
		p.Duration("busy")
		p.Int("max")
		err := p.Err("busy", "max")
		require.ErrorIs(t, err, idempotency.ErrInvalidConfig, raw)
		require.ErrorContains(t, err, want)
		_, err = p.Rest()
		require.ErrorContains(t, err, want)
	}
	// Values never appear in errors: they may be secrets.
	p = storekit.NewParams("mystore", parse(t, "x://h/?busy=hunter2"))
	p.Duration("busy")
	require.NotContains(t, p.Err().Error(), "hunter2")
}

// Register hands Open a nil interface when the backend's open fails.
func TestRegisterReturnsNilInterfaceOnError(t *testing.T) {
	storekit.Register("storekit-test", func(context.Context, *url.URL) (*memstore.Store, error) {
		return nil, storekit.InvalidConfig("storekit-test", "refused")
	})
	s, err := idempotency.Open(context.Background(), "storekit-test://x")
	require.ErrorIs(t, err, idempotency.ErrInvalidConfig)
	require.True(t, s == nil, "got %#v", s)
	require.Panics(t, func() { storekit.Register[*memstore.Store]("storekit-test-nil", nil) })
}
