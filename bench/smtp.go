package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/smtpmail"
	"github.com/switchboard-go/switchboard/internal/testenv"
)

// smtpRows sends the same messages through one reused SMTP connection
// (SendMany) and through one connection each (Send).
func smtpRows(cfg config) []Row {
	n := 200
	if cfg.quick {
		n = 50
	}
	name := fmt.Sprintf("SMTP %d messages: SendMany (one connection) vs Send (one connection each)", n)
	const goal = "" // no goal: the server's work per message dominates on loopback
	if !cfg.want(name) {
		return nil
	}
	addr := os.Getenv(testenv.EnvMailpitSMTP)
	if addr == "" {
		return []Row{skippedRow(name, goal, testenv.EnvMailpitSMTP)}
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return []Row{errorRow(name, goal, err)}
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return []Row{errorRow(name, goal, err)}
	}
	s, err := smtpmail.New(host, port, smtpmail.WithHELO("bench.switchboard.test"), smtpmail.WithTimeout(30*time.Second))
	if err != nil {
		return []Row{errorRow(name, goal, err)}
	}
	msgs := func(tag string) []*email.Message {
		out := make([]*email.Message, n)
		for i := range out {
			out[i] = &email.Message{
				From: "bench@switchboard.test", To: []string{fmt.Sprintf("rcpt%d@switchboard.test", i)},
				Subject: fmt.Sprintf("bench %s %d", tag, i),
				Text:    "Switchboard SMTP benchmark message.\n",
			}
		}
		return out
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Warm up the server's and the client's code paths.
	if _, err := s.SendMany(ctx, msgs("warm")[:5]); err != nil {
		return []Row{errorRow(name, goal, err)}
	}

	// Alternate the two ways twice and keep the best time of each.
	var many, each time.Duration
	for round := range 2 {
		t0 := time.Now()
		if _, err := s.SendMany(ctx, msgs(fmt.Sprintf("many%d", round))); err != nil {
			return []Row{errorRow(name, goal, err)}
		}
		if d := time.Since(t0); round == 0 || d < many {
			many = d
		}
		t0 = time.Now()
		failed := 0
		var firstErr error
		for _, m := range msgs(fmt.Sprintf("each%d", round)) {
			if _, err := s.Send(ctx, m); err != nil {
				failed++
				firstErr = errors.Join(firstErr, err)
			}
		}
		if failed > 0 {
			return []Row{errorRow(name, goal, fmt.Errorf("%d of %d sends failed: %w", failed, n, firstErr))}
		}
		if d := time.Since(t0); round == 0 || d < each {
			each = d
		}
	}
	rate := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
	ratio := rate(many) / rate(each)
	return []Row{{
		Name:     name,
		Subject:  fmt.Sprintf("%s (%s total)", fmtRate(rate(many), "msg/s"), fmtDur(many)),
		Baseline: fmt.Sprintf("%s (%s total)", fmtRate(rate(each), "msg/s"), fmtDur(each)),
		Ratio:    fmt.Sprintf("%.2fx msg/s", ratio),
		Goal:     goal,
		Status:   Info,
		Note:     "best of 2 alternating runs",
	}}
}
