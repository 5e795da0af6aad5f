package twiliosms

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms"
)

// Without WithObserver the observation seam costs nothing: Send allocates
// exactly what the send behind it does, on every path.
func TestUnsetObserverAllocatesNothing(t *testing.T) {
	s := newUnobserved(t)
	ctx := context.Background()
	paths := map[string]*sms.Message{
		"Invalid": {To: "0241234567", Body: "hi"},
		"Nil":     nil,
	}
	for name, m := range paths {
		t.Run(name, func(t *testing.T) {
			outer := testing.AllocsPerRun(200, func() { _, _ = s.Send(ctx, m) })
			inner := testing.AllocsPerRun(200, func() { _, _ = s.send(ctx, m) })
			require.Equal(t, inner, outer)
		})
	}
	// And on a closed Sender.
	require.NoError(t, s.Close())
	m := &sms.Message{To: "+233241234567", Body: "hi"}
	outer := testing.AllocsPerRun(200, func() { _, _ = s.Send(ctx, m) })
	inner := testing.AllocsPerRun(200, func() { _, _ = s.send(ctx, m) })
	require.Equal(t, inner, outer)
}

func newUnobserved(t *testing.T) *Sender {
	s, err := New("AC0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210", WithFrom("SHOP"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
