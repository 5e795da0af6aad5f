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

// githubScheme is GitHub's signature: "sha256=" and the hex HMAC-SHA256
// of the body.
var githubScheme = HMACConfig{Provider: "github", Header: GitHubSignatureHeader, Hash: SHA256, Encoding: Hex, Prefix: "sha256="}

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
//
// GitHub signs neither header. The Handler therefore de-duplicates on the
// body (Event.DedupKey is "sha256:" and the hex SHA-256 of the signed
// bytes): a captured body resent with a new X-GitHub-Delivery is a
// duplicate, and a delivery ID sent in advance with another body never
// suppresses the genuine one. X-GitHub-Event is checked against the
// payload's top-level members for the event types GitHub documents (see
// github_types.go in the source): a type the body cannot be is rejected
// with ErrMalformedHeader. Two genuine deliveries with byte-identical
// bodies within the Handler's TTL are processed once.
func NewGitHub(secret string, opts ...VerifierOption) (*GitHubVerifier, error) {
	c, err := newVerifierConfig("github", githubScheme.accepts(), opts)
	if err != nil {
		return nil, err
	}
	secrets, err := checkSecrets("github", "secret", secret, c.secrets)
	if err != nil {
		return nil, err
	}
	s, err := newHMACScheme(githubScheme, stringKeys(secrets), c)
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
	// The event type is not signed: check it against the payload's shape.
	var vals [64][]byte
	if err := readJSON("github", "payload", githubFields, data, vals[:len(githubMembers)]); err != nil {
		return nil, err
	}
	var present uint64
	for i, v := range vals[:len(githubMembers)] {
		if v != nil {
			present |= 1 << uint(i)
		}
	}
	if !githubTypeMatches(typ, present) {
		return nil, fmt.Errorf("%w: github X-GitHub-Event does not match the signed payload's members", ErrMalformedHeader)
	}
	// Neither header is signed: de-duplicate on the signed body, so that
	// a captured body resent under a new delivery ID is still a duplicate
	// and an ID sent in advance never suppresses a different body.
	return []Event{{Provider: "github", ID: id, DedupKey: digestKey(d.Body), Type: typ, Data: data, Delivery: d}}, nil
}

// isForm reports whether a Content-Type is application/x-www-form-urlencoded,
// with or without parameters, without allocating.
func isForm(ct string) bool { return isMediaType(ct, "application/x-www-form-urlencoded") }

// isMediaType reports whether the Content-Type ct is the media type mt
// (lower case), with or without parameters, without allocating.
func isMediaType(ct, mt string) bool {
	ct = strings.TrimLeft(ct, " \t")
	if len(ct) < len(mt) || !strings.EqualFold(ct[:len(mt)], mt) {
		return false
	}
	rest := strings.TrimLeft(ct[len(mt):], " \t")
	return rest == "" || rest[0] == ';'
}
