package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/switchboard-go/switchboard/webhooks"
)

// processor holds the event functions of the three handlers. Each logs
// what the event says and records it in the event log; the webhooks
// Handler calls a function at most once per event, whatever the number of
// deliveries.
type processor struct {
	log    *slog.Logger
	events *eventLog
	now    func() time.Time
}

// record adds e to the event log, with the event's own time or, for
// providers whose events carry none (GitHub), the time it was processed.
func (p *processor) record(e *webhooks.Event) {
	t := e.Time
	if t.IsZero() {
		t = p.now()
	}
	p.events.add(eventRecord{Provider: e.Provider, ID: e.ID, Type: e.Type, Time: t.UTC()})
}

// decode reads the fields it needs from a verified payload. A payload that
// does not decode is logged and processed anyway: it is genuine (the
// signature matched), and failing the event would only make the provider
// deliver the same bytes again.
func (p *processor) decode(ctx context.Context, e *webhooks.Event, v any) {
	if err := json.Unmarshal(e.Data, v); err != nil {
		p.log.LogAttrs(ctx, slog.LevelWarn, "payload does not decode",
			slog.String("provider", e.Provider), slog.String("event_id", e.ID),
			slog.String("type", e.Type), slog.String("error", err.Error()))
	}
}

// githubPush is the part of a GitHub push payload this example reads.
type githubPush struct {
	Ref        string `json:"ref"`
	After      string `json:"after"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Commits []json.RawMessage `json:"commits"`
}

// onGitHubPush handles push: commits pushed to a branch or tag.
func (p *processor) onGitHubPush(ctx context.Context, e *webhooks.Event) error {
	var push githubPush
	p.decode(ctx, e, &push)
	p.log.LogAttrs(ctx, slog.LevelInfo, "github push",
		slog.String("event_id", e.ID), slog.String("repository", push.Repository.FullName),
		slog.String("ref", push.Ref), slog.String("after", push.After), slog.Int("commits", len(push.Commits)))
	p.record(e)
	return nil
}

// githubPullRequest is the part of a pull_request payload this example
// reads.
type githubPullRequest struct {
	Action      string `json:"action"`
	Number      int    `json:"number"`
	PullRequest struct {
		Title string `json:"title"`
		State string `json:"state"`
	} `json:"pull_request"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

// onGitHubPullRequest handles pull_request: a pull request was opened,
// closed, synchronized, labeled and so on (the action says which).
func (p *processor) onGitHubPullRequest(ctx context.Context, e *webhooks.Event) error {
	var pr githubPullRequest
	p.decode(ctx, e, &pr)
	p.log.LogAttrs(ctx, slog.LevelInfo, "github pull request",
		slog.String("event_id", e.ID), slog.String("repository", pr.Repository.FullName),
		slog.String("action", pr.Action), slog.Int("number", pr.Number), slog.String("state", pr.PullRequest.State))
	p.record(e)
	return nil
}

// onGitHubPing handles ping, which GitHub sends when a webhook is created.
func (p *processor) onGitHubPing(ctx context.Context, e *webhooks.Event) error {
	var ping struct {
		HookID int64  `json:"hook_id"`
		Zen    string `json:"zen"`
	}
	p.decode(ctx, e, &ping)
	p.log.LogAttrs(ctx, slog.LevelInfo, "github ping",
		slog.String("event_id", e.ID), slog.Int64("hook_id", ping.HookID), slog.String("zen", ping.Zen))
	p.record(e)
	return nil
}

// slackCallback is the part of an Events API event_callback this example
// reads.
type slackCallback struct {
	TeamID string `json:"team_id"`
	Event  struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		User    string `json:"user"`
	} `json:"event"`
}

// onSlackEvent handles Events API callbacks. The verifier gives an
// event_callback the type of the event inside it (app_mention, message,
// reaction_added, ...), so this function is the Slack handler's fallback:
// it receives every callback. The url_verification challenge never reaches
// it; the Handler answers that itself.
func (p *processor) onSlackEvent(ctx context.Context, e *webhooks.Event) error {
	var cb slackCallback
	p.decode(ctx, e, &cb)
	p.log.LogAttrs(ctx, slog.LevelInfo, "slack event",
		slog.String("event_id", e.ID), slog.String("type", e.Type), slog.String("team", cb.TeamID),
		slog.String("channel", cb.Event.Channel), slog.String("user", cb.Event.User))
	p.record(e)
	return nil
}

// sendgridEvent is the part of a SendGrid event this example reads. The
// recipient's address, and a bounce's reason (which often quotes it), are
// left out of the logs on purpose.
type sendgridEvent struct {
	MessageID string `json:"sg_message_id"`
	Response  string `json:"response"`
	Status    string `json:"status"`
	Type      string `json:"type"`
	UserAgent string `json:"useragent"`
}

// onSendGridDelivered handles delivered: the receiving server accepted
// the message.
func (p *processor) onSendGridDelivered(ctx context.Context, e *webhooks.Event) error {
	var ev sendgridEvent
	p.decode(ctx, e, &ev)
	p.log.LogAttrs(ctx, slog.LevelInfo, "sendgrid delivered",
		slog.String("event_id", e.ID), slog.String("message_id", ev.MessageID), slog.String("response", ev.Response))
	p.record(e)
	return nil
}

// onSendGridBounce handles bounce: the receiving server refused the
// message for good. A real service would stop mailing the address here.
func (p *processor) onSendGridBounce(ctx context.Context, e *webhooks.Event) error {
	var ev sendgridEvent
	p.decode(ctx, e, &ev)
	p.log.LogAttrs(ctx, slog.LevelWarn, "sendgrid bounce",
		slog.String("event_id", e.ID), slog.String("message_id", ev.MessageID),
		slog.String("bounce_type", ev.Type), slog.String("status", ev.Status))
	p.record(e)
	return nil
}

// onSendGridOpen handles open: the recipient opened the message.
func (p *processor) onSendGridOpen(ctx context.Context, e *webhooks.Event) error {
	var ev sendgridEvent
	p.decode(ctx, e, &ev)
	p.log.LogAttrs(ctx, slog.LevelInfo, "sendgrid open",
		slog.String("event_id", e.ID), slog.String("message_id", ev.MessageID), slog.String("user_agent", ev.UserAgent))
	p.record(e)
	return nil
}

// onSendGridOther is the SendGrid handler's fallback: processed, deferred,
// dropped, click, spamreport, unsubscribe and the rest are recorded as
// they are.
func (p *processor) onSendGridOther(ctx context.Context, e *webhooks.Event) error {
	p.log.LogAttrs(ctx, slog.LevelInfo, "sendgrid event",
		slog.String("event_id", e.ID), slog.String("type", e.Type))
	p.record(e)
	return nil
}
