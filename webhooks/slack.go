package webhooks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/switchboard-go/switchboard/webhooks/internal/jsonscan"
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

// slackScheme is Slack's signature: "v0=" and the hex HMAC-SHA256 of
// "v0:" + timestamp + ":" + body.
var slackScheme = HMACConfig{
	Provider: "slack", Header: SlackSignatureHeader, Hash: SHA256, Encoding: Hex, Prefix: "v0=",
	TimestampHeader: SlackTimestampHeader, Signed: "v0:{timestamp}:{body}",
}

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
func NewSlack(signingSecret string, opts ...VerifierOption) (*SlackVerifier, error) {
	c, err := newVerifierConfig("slack", slackScheme.accepts(), opts)
	if err != nil {
		return nil, err
	}
	secrets, err := checkSecrets("slack", "signing secret", signingSecret, c.secrets)
	if err != nil {
		return nil, err
	}
	s, err := newHMACScheme(slackScheme, stringKeys(secrets), c)
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
	var vals [5][]byte
	if err := readJSON("slack", "body", slackFields, d.Body, vals[:]); err != nil {
		return nil, err
	}
	outer, err := jsonStringMember("slack", "type", vals[0])
	if err != nil {
		return nil, err
	}
	if outer == "" {
		return nil, fmt.Errorf("%w: slack body has no type", ErrMalformedBody)
	}
	eventID, err := jsonStringMember("slack", "event_id", vals[1])
	if err != nil {
		return nil, err
	}
	if t := jsonscan.Time(vals[2]); !t.IsZero() {
		e.Time = t
	}
	inner, _ := jsonscan.String(vals[3])
	switch {
	case outer == SlackURLVerification:
		challenge, _ := jsonscan.String(vals[4])
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
	// The body, and so every part of the ID, is signed.
	e.DedupKey = e.ID
	return []Event{e}, nil
}

var slackFields = jsonscan.NewFields("type", "event_id", "event_time", "event.type", "challenge")

var slackPayloadFields = jsonscan.NewFields("type", "trigger_id")

func slackForm(e *Event, body []byte) error {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return fmt.Errorf("%w: slack form body does not parse", ErrMalformedBody)
	}
	if p := form.Get("payload"); p != "" {
		payload := []byte(p)
		var vals [2][]byte
		if err := readJSON("slack", "interactivity payload", slackPayloadFields, payload, vals[:]); err != nil {
			return err
		}
		var err error
		if e.Type, err = jsonStringMember("slack", "type", vals[0]); err != nil {
			return err
		}
		if e.Type == "" {
			return fmt.Errorf("%w: slack interactivity payload has no type", ErrMalformedBody)
		}
		id, err := jsonStringMember("slack", "trigger_id", vals[1])
		if err != nil {
			return err
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
	e.DedupKey = e.ID
	return nil
}

// Respond answers Slack's url_verification challenge with the challenge
// value as text/plain, as Slack asks. Other deliveries are left to the
// Handler.
func (v *SlackVerifier) Respond(w http.ResponseWriter, d *Delivery, events []Event) bool {
	if len(events) != 1 || events[0].Type != SlackURLVerification {
		return false
	}
	var vals [5][]byte
	if slackFields.Read(d.Body, vals[:]) != nil {
		return false
	}
	challenge, _ := jsonscan.String(vals[4])
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(challenge))
	return true
}
