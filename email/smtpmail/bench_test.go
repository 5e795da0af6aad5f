package smtpmail

import (
	"context"
	"fmt"
	"testing"

	"github.com/switchboard-go/switchboard/email"
)

const benchBatch = 200

func benchMessages() []*email.Message {
	msgs := make([]*email.Message, benchBatch)
	for i := range msgs {
		msgs[i] = &email.Message{
			From:    "bench@example.com",
			To:      []string{fmt.Sprintf("user%d@example.com", i)},
			Subject: fmt.Sprintf("Benchmark message %d", i),
			Text:    "Your weekly summary is ready.",
			HTML:    "<p>Your weekly summary is ready.</p>",
		}
	}
	return msgs
}

// benchSend compares SendMany over one connection with the baseline of
// one connection per message (Send in a loop), 200 messages per op.
func benchSend(b *testing.B, s *Sender) {
	msgs := benchMessages()
	ctx := context.Background()
	b.Run("one-connection", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.SendMany(ctx, msgs); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(benchBatch*b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("connection-per-message", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, m := range msgs {
				if _, err := s.Send(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(benchBatch*b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// BenchmarkSendMany sends 200 messages per op to mailpit. Run it with a
// small count, for example
//
//	go test -run '^$' -bench SendMany -benchtime 3x -count 5 ./email/smtpmail/
func BenchmarkSendMany(b *testing.B) {
	mp := newMailpit(b)
	s, err := New(mp.host, mp.port)
	if err != nil {
		b.Fatal(err)
	}
	benchSend(b, s)
}

// BenchmarkSendManyInProcess is the same comparison against the
// in-process server, which stores nothing, so the connection cost stands
// out from the server's own work.
func BenchmarkSendManyInProcess(b *testing.B) {
	fs := newFakeServer(b, serverConfig{})
	s, err := New(fs.host, fs.port)
	if err != nil {
		b.Fatal(err)
	}
	benchSend(b, s)
}
