package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/webhooks"
)

// FuzzEventFunctions feeds arbitrary payloads to every event function: a
// payload that does not decode is logged, never a failure or a panic, and
// the event is recorded once.
func FuzzEventFunctions(f *testing.F) {
	f.Add([]byte(`{"ref":"refs/heads/main","repository":{"full_name":"octo-org/hello-world"},"commits":[{}]}`))
	f.Add([]byte(`{"action":"opened","number":7,"pull_request":{"state":"open"}}`))
	f.Add([]byte(`{"team_id":"T1","event":{"type":"app_mention","channel":"C1"}}`))
	f.Add([]byte(`{"event":"bounce","sg_message_id":"m","reason":"550","status":"5.1.1"}`))
	f.Add([]byte(`{"hook_id":"not a number"}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte(``))
	f.Add([]byte("\xff\x00{"))

	p := &processor{
		log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		events: newEventLog(recentCapacity),
		now:    func() time.Time { return time.Unix(1700000000, 0) },
	}
	funcs := []webhooks.EventFunc{
		p.onGitHubPush, p.onGitHubPullRequest, p.onGitHubPing, p.onSlackEvent,
		p.onSendGridDelivered, p.onSendGridBounce, p.onSendGridOpen, p.onSendGridOther,
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for i, fn := range funcs {
			before := len(p.events.recent())
			e := &webhooks.Event{Provider: "fuzz", ID: "id", Type: "t", Data: data}
			require.NoError(t, fn(context.Background(), e), "function %d", i)
			after := p.events.recent()
			require.Equal(t, min(before+1, recentCapacity), len(after))
			require.Equal(t, "id", after[0].ID)
		}
	})
}
