package webhooks

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// GitHub delivery headers.
const (
	// GitHubSignatureHeader carries "sha256=" and the hex HMAC-SHA256 of
	// the body. The older SHA-1 header, X-Hub-Signature, is never read.
	GitHubSignatureHeader = "X-Hub-Signature-256"
	// GitHubDeliveryHeader carries the delivery's GUID, the same on a
	// redelivery; it is the event ID.
	GitHubDeliveryHeader = "X-Github-Delivery"
	// GitHubEventHeader carries the event type ("push", "ping", ...).
	GitHubEventHeader = "X-Github-Event"
)

// GitHubVerifier verifies GitHub webhook deliveries. Build it with
// NewGitHub.
type GitHubVerifier struct {
	scheme *hmacScheme
}

// NewGitHub returns a verifier for GitHub webhooks signed with the
// webhook's secret token. Only X-Hub-Signature-256 (HMAC-SHA256) is
// accepted, never the SHA-1 header. WithSecrets adds secrets for rotation.
// Events take their ID from X-GitHub-Delivery and their type from
// X-GitHub-Event; both content types GitHub offers are read
// (application/json, and application/x-www-form-urlencoded with the JSON
// in the payload field, whose signature covers the form as sent).
func NewGitHub(secret string, opts ...Option) (*GitHubVerifier, error) {
	o := newOptions(opts)
	secrets, err := secretList("github", secret, o)
	if err != nil {
		return nil, err
	}
	s, err := newHMACScheme("github", stringKeys(secrets), SHA256, Hex, GitHubSignatureHeader, "sha256=", "", "", "", o)
	if err != nil {
		return nil, err
	}
	return &GitHubVerifier{scheme: s}, nil
}

// Provider returns "github".
func (v *GitHubVerifier) Provider() string { return "github" }

// Verify checks the signature and returns the delivery's one event.
func (v *GitHubVerifier) Verify(d *Delivery) ([]Event, error) {
	if _, err := v.scheme.verify(d); err != nil {
		return nil, err
	}
	id := headerValue(d.Header, GitHubDeliveryHeader)
	if id == "" {
		return nil, fmt.Errorf("%w: github header X-GitHub-Delivery is absent", ErrMalformedHeader)
	}
	typ := headerValue(d.Header, GitHubEventHeader)
	if typ == "" {
		return nil, fmt.Errorf("%w: github header X-GitHub-Event is absent", ErrMalformedHeader)
	}
	data := json.RawMessage(d.Body)
	if isForm(headerValue(d.Header, "Content-Type")) {
		form, err := url.ParseQuery(string(d.Body))
		if err != nil {
			return nil, fmt.Errorf("%w: github form body does not parse", ErrMalformedBody)
		}
		p := form.Get("payload")
		if p == "" {
			return nil, fmt.Errorf("%w: github form body has no payload field", ErrMalformedBody)
		}
		data = json.RawMessage(p)
	}
	return []Event{{Provider: "github", ID: id, Type: typ, Data: data, Delivery: d}}, nil
}

// isForm reports whether a Content-Type is application/x-www-form-urlencoded,
// with or without parameters, without allocating.
func isForm(ct string) bool {
	const form = "application/x-www-form-urlencoded"
	ct = strings.TrimLeft(ct, " \t")
	if len(ct) < len(form) || !strings.EqualFold(ct[:len(form)], form) {
		return false
	}
	rest := strings.TrimLeft(ct[len(form):], " \t")
	return rest == "" || rest[0] == ';'
}
