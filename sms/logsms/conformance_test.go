package logsms_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/internal/smsstores"
	"github.com/switchboard-go/switchboard/sms/logsms"
	"github.com/switchboard-go/switchboard/sms/smstest"
)

// countingHandler counts the message lines the log sender writes: its
// "calls".
type countingHandler struct {
	slog.Handler
	n *atomic.Int64
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "sms message (written to the log, not sent)" {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func TestConformance(t *testing.T) {
	var n atomic.Int64
	logger := slog.New(countingHandler{Handler: slog.NewTextHandler(io.Discard, nil), n: &n})
	smstest.Run(t, smstest.Harness{
		New: func(t *testing.T, store idempotency.Store) sms.Sender {
			var opts []logsms.Option
			if store != nil {
				opts = append(opts, logsms.WithStore(store))
			}
			s, err := logsms.New(logger, opts...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		Limits: logsms.Limits(),
		Calls:  func() int { return int(n.Load()) },
		Stores: smsstores.All(),
	})
}
