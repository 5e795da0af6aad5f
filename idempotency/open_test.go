package idempotency_test

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Open returns a nil interface with the error even when a misbehaving
// opener returns a typed nil pointer beside it.
func TestOpenFailureReturnsNilStore(t *testing.T) {
	idempotency.Register("typed-nil-test", func(context.Context, *url.URL) (idempotency.Store, error) {
		var s *memstore.Store
		return s, errors.New("cannot open")
	})
	idempotency.Register("typed-nil-ok-test", func(context.Context, *url.URL) (idempotency.Store, error) {
		var s *memstore.Store
		return s, nil
	})
	s, err := idempotency.Open(context.Background(), "typed-nil-test://x")
	require.ErrorContains(t, err, "cannot open")
	require.True(t, s == nil, "got %#v", s)
	s, err = idempotency.Open(context.Background(), "typed-nil-ok-test://x")
	require.ErrorContains(t, err, "returned no store")
	require.True(t, s == nil, "got %#v", s)
}

// Open's errors name what was given, with secrets hidden, and the URL form
// expected.
func TestOpenErrorsNameTheURLAndTheExpectedForm(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		raw      string
		is       error
		contains []string
	}{
		{"not a url", idempotency.ErrInvalidConfig, []string{`"not a url" has no scheme`, "want scheme://", "sqlite:///"}},
		{"", idempotency.ErrInvalidConfig, []string{"has no scheme", "want scheme://"}},
		{"redis://user:hunter2@host:port:bad\x7f", idempotency.ErrInvalidConfig, []string{"does not parse", "want scheme://"}},
		{"nosuch://user:hunter2@host/db?password=hunter2", idempotency.ErrUnknownScheme, []string{`"nosuch"`, "nosuch://user:xxxxx@host/db?password=…", "registered: "}},
		{"postgres-typo://db", idempotency.ErrInvalidConfig, []string{"import the backend package"}},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			s, err := idempotency.Open(ctx, tc.raw)
			require.ErrorIs(t, err, tc.is)
			require.True(t, s == nil)
			for _, c := range tc.contains {
				require.Contains(t, err.Error(), c)
			}
			require.NotContains(t, err.Error(), "hunter2")
			require.NotContains(t, err.Error(), `unknown store URL scheme ""`)
		})
	}
	// A scheme of this module that is not imported here says which package
	// registers it.
	_, err := idempotency.Open(ctx, "rediss://cache:6380/0")
	require.ErrorIs(t, err, idempotency.ErrUnknownScheme)
	require.Contains(t, err.Error(), `import _ "github.com/switchboard-go/switchboard/idempotency/redisstore"`)
}
