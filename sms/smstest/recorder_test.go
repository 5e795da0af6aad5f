package smstest_test

import (
	"sync"
	"testing"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/internal/smsstores"
	"github.com/switchboard-go/switchboard/sms/smstest"
)

func TestRecorderConformance(t *testing.T) {
	var mu sync.Mutex
	var recorders []*smstest.Recorder
	smstest.Run(t, smstest.Harness{
		New: func(t *testing.T, store idempotency.Store) sms.Sender {
			var opts []smstest.RecorderOption
			if store != nil {
				opts = append(opts, smstest.WithStore(store))
			}
			r := smstest.NewRecorder(opts...)
			mu.Lock()
			recorders = append(recorders, r)
			mu.Unlock()
			return r
		},
		Limits: sms.Limits{Provider: smstest.RecorderProvider, MaxLength: sms.MaxLength, MaxMediaURLs: 10, MessagingService: true, StatusCallback: true},
		Calls: func() int {
			mu.Lock()
			defer mu.Unlock()
			n := 0
			for _, r := range recorders {
				n += r.Len()
			}
			return n
		},
		Sent: func(t *testing.T, rc *sms.Receipt) *smstest.Sent {
			mu.Lock()
			defer mu.Unlock()
			for _, r := range recorders {
				if m := r.Lookup(rc.MessageID); m != nil {
					return &smstest.Sent{To: m.To, From: m.From, MessagingService: m.MessagingService, Body: m.Body,
						StatusCallback: m.StatusCallback, MediaURLs: m.MediaURLs}
				}
			}
			return nil
		},
		Stores: smsstores.All(),
	})
}
