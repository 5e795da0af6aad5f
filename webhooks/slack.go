package webhooks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Slack request headers.
const (
	// SlackSignatureHeader carries "v0=" and the hex HMAC-SHA256 of
	// "v0:" + timestamp + ":" + body, keyed with the app's signing secret.
	SlackSignatureHeader = "X-Slack-Signature"
	// SlackTimestampHeader carries the signing time in Unix seconds.
	SlackTimestampHeader = "X-Slack-Request-Timestamp"
)

// SlackURLVerification is the type of the challenge Slack sends when an
// Events API request URL is configured. The Handler answers it through
// SlackVerifier.Respond; no event function runs.
const SlackURLVerification = "url_verification"

// SlackVerifier verifies requests from Slack. Build it with NewSlack.
type SlackVerifier struct {
	scheme *hmacScheme
}

// NewSlack returns a verifier for Slack requests signed with the app's
// signing secret. The timestamp must be within five minutes of the clock in
// either direction (WithTolerance changes that and must be positive;
// WithClock sets the clock).
//
// Events API callbacks take their ID from event_id, their type from the
// inner event's type ("app_mention", "message", ...; the outer type for
// other callbacks such as app_rate_limited) and their time from
// event_time. Interactivity payloads (form field payload) take the
// payload's type and trigger_id; slash commands have type "slash_command"
// and their trigger_id. The url_verification challenge is answered by
// Respond.
func NewSlack(signingSecret string, opts ...Option) (*SlackVerifier, error) {
	o := newOptions(opts)
	secrets, err := secretList("slack", signingSecret, o)
	if err != nil {
		return nil, err
	}
	s, err := newHMACScheme("slack", stringKeys(secrets), SHA256, Hex, SlackSignatureHeader, "v0=", "", SlackTimestampHeader, "v0:{timestamp}:{body}", o)
	if err != nil {
		return nil, err
	}
	return &SlackVerifier{scheme: s}, nil
}

// Provider returns "slack".
func (v *SlackVerifier) Provider() string { return "slack" }

// Verify checks the signature and timestamp and returns the request's one
// event.
func (v *SlackVerifier) Verify(d *Delivery) ([]Event, error) {
	ts, err := v.scheme.verify(d)
	if err != nil {
		return nil, err
	}
	e := Event{Provider: "slack", Data: d.Body, Delivery: d, Time: ts}
	if isForm(headerValue(d.Header, "Content-Type")) {
		if err := slackForm(&e, d.Body); err != nil {
			return nil, err
		}
		return []Event{e}, nil
	}
	var vals [3][]byte
	ok := findMembers(d.Body, slackKeys[:], vals[:])
	outer, _ := jsonString(vals[0])
	if !ok || outer == "" {
		return nil, fmt.Errorf("%w: slack body has no type", ErrMalformedBody)
	}
	eventID, _ := jsonString(vals[1])
	if t := jsonTime(vals[2]); !t.IsZero() {
		e.Time = t
	}
	var inner string
	if outer == "event_callback" {
		// Read the inner event only as far as its type.
		if start, _ := leadingMembers(d.Body, "event", func(_, _ []byte) bool { return true }); start >= 0 {
			inner, _ = jsonString(objectField(d.Body[start:], "type"))
		}
	}
	switch {
	case outer == SlackURLVerification:
		challenge, _ := jsonString(objectField(d.Body, "challenge"))
		e.Type = SlackURLVerification
		e.ID = SlackURLVerification + ":" + challenge
	case outer == "event_callback" && inner != "":
		e.Type = inner
		e.ID = eventID
	default:
		e.Type = outer
		e.ID = eventID
	}
	if e.ID == "" {
		sum := sha256.Sum256(d.Body)
		e.ID = "sha256:" + hex.EncodeToString(sum[:])
	}
	return []Event{e}, nil
}

var slackKeys = [3]string{"type", "event_id", "event_time"}

func slackForm(e *Event, body []byte) error {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return fmt.Errorf("%w: slack form body does not parse", ErrMalformedBody)
	}
	if p := form.Get("payload"); p != "" {
		payload := []byte(p)
		var id string
		ok := scanObject(payload, func(k, val []byte) bool {
			switch string(k) {
			case "type":
				e.Type, _ = jsonString(val)
			case "trigger_id":
				id, _ = jsonString(val)
			}
			return true
		})
		if !ok || e.Type == "" {
			return fmt.Errorf("%w: slack interactivity payload has no type", ErrMalformedBody)
		}
		e.Data = payload
		e.ID = id
	} else if form.Get("command") != "" {
		e.Type = "slash_command"
		e.ID = form.Get("trigger_id")
		flat := make(map[string]string, len(form))
		for k := range form {
			flat[k] = form.Get(k)
		}
		data, err := json.Marshal(flat)
		if err != nil {
			return fmt.Errorf("%w: slack form body", ErrMalformedBody)
		}
		e.Data = data
	} else {
		return fmt.Errorf("%w: slack form body has neither payload nor command", ErrMalformedBody)
	}
	if e.ID == "" {
		sum := sha256.Sum256(body)
		e.ID = "sha256:" + hex.EncodeToString(sum[:])
	}
	return nil
}

// Respond answers Slack's url_verification challenge with the challenge
// value as text/plain, as Slack asks. Other deliveries are left to the
// Handler.
func (v *SlackVerifier) Respond(w http.ResponseWriter, d *Delivery, events []Event) bool {
	if len(events) != 1 || events[0].Type != SlackURLVerification {
		return false
	}
	challenge, _ := jsonString(objectField(d.Body, "challenge"))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(challenge))
	return true
}
