package webhooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// ErrInvalidConfig is the kind of every error a constructor returns for a
// configuration it cannot use: a missing, empty, whitespace-padded or
// malformed secret, an option that does not apply to the scheme, a value
// out of range. ErrEmptySecret, ErrInvalidSecret, ErrInvalidOption and
// ErrInvalidPublicKey wrap it, so one errors.Is check covers them all.
// Errors name the provider and the option or argument at fault, never a
// secret's value.
var ErrInvalidConfig = errors.New("webhooks: invalid configuration")

// Configuration errors, each wrapping ErrInvalidConfig.
var (
	// ErrEmptySecret is returned by a constructor given no secret, an empty
	// one or one made only of white space. Verification is never skipped.
	ErrEmptySecret = fmt.Errorf("%w: empty secret", ErrInvalidConfig)
	// ErrInvalidSecret is returned by a constructor given a secret that is
	// not in the provider's format (for example a Standard Webhooks secret
	// that is not base64) or that starts or ends with white space, which is
	// almost always a copying mistake.
	ErrInvalidSecret = fmt.Errorf("%w: invalid secret", ErrInvalidConfig)
	// ErrInvalidOption is returned by a constructor given an option that
	// does not apply to it or a value it cannot use (for example a
	// tolerance that is not positive, or WithPublicURL for a scheme that
	// does not sign the URL).
	ErrInvalidOption = fmt.Errorf("%w: invalid option", ErrInvalidConfig)
)

// Errors shared by every Verifier. A verifier wraps them with a short
// reason; the message never holds a secret or a signature value.
var (
	// ErrMissingSignature means the delivery carries no signature header.
	ErrMissingSignature = errors.New("webhooks: missing signature")
	// ErrMalformedHeader means a signature, timestamp or identity header
	// could not be parsed, or an unsigned header contradicts the signed
	// body (a GitHub event type that does not match the payload).
	ErrMalformedHeader = errors.New("webhooks: malformed header")
	// ErrInvalidSignature means no signature matched any configured secret.
	ErrInvalidSignature = errors.New("webhooks: invalid signature")
	// ErrTimestampOutOfRange means the signed timestamp is too old or too far
	// in the future for the verifier's tolerance.
	ErrTimestampOutOfRange = errors.New("webhooks: timestamp out of range")
	// ErrMalformedBody means the signature holds but the body is not the
	// event format the provider documents: not valid JSON, a member the
	// verifier reads given twice, no event id. The delivery is genuine,
	// but it carries no event the Handler can process.
	ErrMalformedBody = errors.New("webhooks: malformed body")
	// ErrBodyTooLarge means the body exceeded the handler's size limit.
	ErrBodyTooLarge = errors.New("webhooks: body too large")
)

// Delivery is one HTTP request from a provider, as received.
type Delivery struct {
	// Method is the HTTP method, normally POST.
	Method string
	// URL is the public URL the provider called. Schemes that sign the URL
	// (Twilio, Mandrill) verify against it, so behind a proxy it must be the
	// address configured at the provider, not the one the server sees.
	URL *url.URL
	// Header holds the request headers.
	Header http.Header
	// Body holds the raw body bytes, exactly as received.
	Body []byte
	// ReceivedAt is when the request arrived.
	ReceivedAt time.Time
}

// Event is one verified event. A delivery holds one event for most
// providers and several for batching ones (SendGrid, Mandrill).
type Event struct {
	// Provider names the verifier that produced the event ("stripe",
	// "github", ...).
	Provider string
	// ID is the provider's identifier for the event, for logs and for the
	// event function. Where the provider sends it in an unsigned header
	// (GitHub's X-GitHub-Delivery, Shopify's X-Shopify-Event-Id) anyone
	// who captured a delivery can change it, so it is informational only:
	// the Handler de-duplicates on DedupKey.
	ID string
	// DedupKey is what the Handler de-duplicates the event on (under the
	// provider's name and the Handler's namespace). Verifiers derive it
	// from signed bytes only: the ID when the provider signs it (Stripe's
	// id, Standard Webhooks' webhook-id, SendGrid's sg_event_id, ...),
	// otherwise "sha256:" and the hex SHA-256 of what is signed (GitHub
	// and Shopify bodies, Twilio's signed parameters). So a captured body
	// resent with a new ID is still a duplicate, and an ID sent in advance
	// never suppresses a different genuine body. When empty, as a Verifier
	// written outside this package may leave it, the Handler uses ID.
	DedupKey string
	// Type is the provider's event type ("payment_intent.succeeded",
	// "push", "delivered", ...).
	Type string
	// Time is when the provider says the event happened, or zero when the
	// provider does not say.
	Time time.Time
	// Data is the raw JSON of the event: the whole body, or one element of
	// a batch. For form-encoded deliveries it is the form as a JSON object.
	Data json.RawMessage
	// Delivery is the request the event arrived in.
	Delivery *Delivery
}

// Verifier checks a provider's signature scheme and extracts its events.
// Implementations are safe for concurrent use.
type Verifier interface {
	// Provider names the provider, in lower case ("stripe").
	Provider() string
	// Verify checks d's signature over its raw body against every
	// configured secret, and returns the events it carries. Errors wrap the
	// package's sentinel errors.
	Verify(d *Delivery) ([]Event, error)
}

// Responder is implemented by verifiers whose provider expects the endpoint
// to answer some deliveries itself rather than run an event function, such
// as Slack's url_verification challenge. After a delivery is verified the
// Handler calls Respond; when it returns true the Handler considers the
// request answered and neither claims nor dispatches its events.
type Responder interface {
	// Respond writes the answer to a verified delivery and returns true,
	// or writes nothing and returns false.
	Respond(w http.ResponseWriter, d *Delivery, events []Event) bool
}

// HeadProber is implemented by verifiers whose provider checks the endpoint
// with an unsigned HEAD request before it sends deliveries (Mailchimp
// Transactional does). When ProbesWithHead returns true the Handler answers
// HEAD with 200 and an empty body; otherwise HEAD gets 405.
type HeadProber interface {
	// ProbesWithHead reports whether the provider sends HEAD probes.
	ProbesWithHead() bool
}
