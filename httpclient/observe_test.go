package httpclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type obsKey struct{}

// obsLog records what an Observer receives.
type obsLog struct {
	mu     sync.Mutex
	events []string
	calls  []CallResult
	tries  []AttemptResult
	infos  []CallInfo
}

func (l *obsLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, s)
}

func (l *obsLog) observer() *Observer {
	return &Observer{
		CallStart: func(ctx context.Context, c CallInfo) context.Context {
			l.add("call start")
			l.infos = append(l.infos, c)
			return context.WithValue(ctx, obsKey{}, "call")
		},
		CallEnd: func(ctx context.Context, c CallInfo, r CallResult) {
			l.add("call end " + ctx.Value(obsKey{}).(string))
			l.calls = append(l.calls, r)
		},
		AttemptStart: func(ctx context.Context, a AttemptInfo) context.Context {
			l.add("attempt start under " + ctx.Value(obsKey{}).(string))
			return context.WithValue(ctx, obsKey{}, "attempt")
		},
		AttemptEnd: func(ctx context.Context, a AttemptInfo, r AttemptResult) {
			l.add("attempt end " + ctx.Value(obsKey{}).(string))
			l.tries = append(l.tries, r)
		},
	}
}

func TestObserverSeesCallsAndAttempts(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	var log obsLog
	c := mustNew(t, WithBaseURL(srv.URL), WithBearerToken("secret-token"), withClock(nil, func(context.Context, time.Duration) error { return nil }, nil),
		WithObserver(log.observer()))
	_, err := c.Get(context.Background(), "/p", WithQuery(url.Values{"access_token": {"secret-token"}}))
	require.NoError(t, err)
	require.Equal(t, []string{"call start", "attempt start under call", "attempt end attempt",
		"attempt start under call", "attempt end attempt", "call end call"}, log.events)
	require.Equal(t, srv.URL+"/p?access_token=REDACTED", log.infos[0].URL)
	require.Equal(t, "http", log.infos[0].Scheme)
	require.Equal(t, AttemptResult{StatusCode: 502, ErrorType: "502", Duration: log.tries[0].Duration}, log.tries[0])
	require.Equal(t, 200, log.tries[1].StatusCode)
	require.Equal(t, CallResult{StatusCode: 200, Attempts: 2, Duration: log.calls[0].Duration}, log.calls[0])
}

// Inject writes to a copy of the request header: the client's own header
// map, shared by bodiless calls, never receives another call's trace
// context.
func TestObserverInjectNeverTouchesTheSharedHeader(t *testing.T) {
	got := make(chan http.Header, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.Header.Clone() }))
	defer srv.Close()
	var seq atomic.Int32
	c := mustNew(t, WithBaseURL(srv.URL), WithObserver(&Observer{Inject: func(ctx context.Context, h http.Header) {
		h.Add("Traceparent", string(rune('a'+seq.Add(1))))
	}}))
	for range 2 {
		_, err := c.Get(context.Background(), "/")
		require.NoError(t, err)
	}
	require.Equal(t, []string{"b"}, (<-got).Values("Traceparent"))
	require.Equal(t, []string{"c"}, (<-got).Values("Traceparent"), "each request carries its own value only")
	require.Empty(t, c.header.Values("Traceparent"))
}

func TestWithObserverNil(t *testing.T) {
	_, err := New(WithObserver(nil))
	require.ErrorIs(t, err, ErrInvalidConfig)
}

func TestErrorTypeWords(t *testing.T) {
	for err, want := range map[error]string{
		nil: "", context.Canceled: "canceled", context.DeadlineExceeded: "timeout",
		&StatusError{StatusCode: 429}: "429", ErrCircuitOpen: "circuit_open", ErrResponseTooLarge: "response_too_large",
		&url.Error{Op: "Get", URL: "x", Err: errRefused{}}: "transport",
	} {
		require.Equal(t, want, errorType(err), "%v", err)
	}
}

type errRefused struct{}

func (errRefused) Error() string { return "connection refused" }
