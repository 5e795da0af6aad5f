package webhooks

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
)

// VerifierOption configures a verifier constructor (NewStripe, NewGitHub,
// ...). An option that does not apply to the provider's scheme, such as
// WithTolerance for a scheme without a signed timestamp or WithPublicURL for
// one that does not sign the URL, makes the constructor fail with an error
// wrapping ErrInvalidConfig: nothing is silently ignored.
type VerifierOption interface {
	applyVerifier(*verifierConfig)
}

// HandlerOption configures NewHandler. A value out of range makes NewHandler
// fail with an error wrapping ErrInvalidConfig.
type HandlerOption interface {
	applyHandler(*handlerConfig)
}

// SharedOption is an option that configures both a verifier and a Handler:
// WithClock and WithPublicURL. It satisfies VerifierOption and
// HandlerOption, so one value can be passed to both constructors.
type SharedOption interface {
	VerifierOption
	HandlerOption
}

// verifierOpt names a verifier option, for the check that every option
// given applies to the scheme.
type verifierOpt uint8

const (
	optClock verifierOpt = 1 << iota
	optTolerance
	optSecrets
	optPublicURL
	optVerifHash
	optProviderName
	// optLast is the last option bit.
	optLast = optProviderName
)

func (o verifierOpt) name() string {
	switch o {
	case optClock:
		return "WithClock"
	case optTolerance:
		return "WithTolerance"
	case optSecrets:
		return "WithSecrets"
	case optPublicURL:
		return "WithPublicURL"
	case optVerifHash:
		return "WithFlutterwaveVerifHash"
	case optProviderName:
		return "WithProviderName"
	}
	return "option"
}

// verifierConfig is what the options given to a verifier constructor say.
type verifierConfig struct {
	now       func() time.Time
	tolerance time.Duration
	secrets   []string
	publicURL string
	provider  string
	// given records every option passed, to reject those that do not
	// apply; errs records values no verifier could use.
	given verifierOpt
	errs  []string
}

// newVerifierConfig applies opts and checks that each applies to the
// provider's scheme (accepts) and holds a usable value. Errors wrap
// ErrInvalidConfig and name the provider and the option.
func newVerifierConfig(provider string, accepts verifierOpt, opts []VerifierOption) (verifierConfig, error) {
	c := verifierConfig{now: time.Now}
	for _, o := range opts {
		if o == nil {
			return c, fmt.Errorf("%w: %s: nil option", ErrInvalidConfig, provider)
		}
		o.applyVerifier(&c)
	}
	if len(c.errs) > 0 {
		return c, fmt.Errorf("%w: %s: %s", ErrInvalidOption, provider, c.errs[0])
	}
	for bit := optClock; bit <= optLast; bit <<= 1 {
		if c.given&bit != 0 && accepts&bit == 0 {
			return c, fmt.Errorf("%w: %s: %s does not apply to this scheme", ErrInvalidOption, provider, bit.name())
		}
	}
	return c, nil
}

// tolerance returns the timestamp tolerance: def unless WithTolerance was
// given.
func (c *verifierConfig) toleranceOr(def time.Duration) time.Duration {
	if c.given&optTolerance != 0 {
		return c.tolerance
	}
	return def
}

// handlerConfig is what the options given to NewHandler say.
type handlerConfig struct {
	store     idempotency.Store
	maxBody   int64
	ttl       time.Duration
	lease     time.Duration
	log       *slog.Logger
	publicURL string
	namespace string
	now       func() time.Time
	queue     Queue
	obs       *Observer
	// jobHeaders are the headers added with WithJobHeaders.
	jobHeaders []string
	errs       []string
}

type verifierFunc func(*verifierConfig)

func (f verifierFunc) applyVerifier(c *verifierConfig) { f(c) }

type handlerFunc func(*handlerConfig)

func (f handlerFunc) applyHandler(c *handlerConfig) { f(c) }

type sharedFunc struct {
	v verifierFunc
	h handlerFunc
}

func (s sharedFunc) applyVerifier(c *verifierConfig) { s.v(c) }
func (s sharedFunc) applyHandler(c *handlerConfig)   { s.h(c) }

// WithClock sets the clock. A verifier checks signed timestamps against it
// (it applies only to schemes that sign a timestamp: Stripe, Standard
// Webhooks, Svix, Slack, SendGrid and NewHMAC with a TimestampHeader); a
// Handler stamps Delivery.ReceivedAt with it and measures durations in log
// lines. The default is time.Now.
func WithClock(now func() time.Time) SharedOption {
	return sharedFunc{
		v: func(c *verifierConfig) {
			c.given |= optClock
			if now == nil {
				c.errs = append(c.errs, "WithClock needs a function")
				return
			}
			c.now = now
		},
		h: func(c *handlerConfig) {
			if now == nil {
				c.errs = append(c.errs, "WithClock needs a function")
				return
			}
			c.now = now
		},
	}
}

// WithPublicURL sets the URL the provider calls.
//
// On a verifier of a scheme that signs the URL (Twilio, Mailchimp
// Transactional) it is the webhook URL exactly as configured at the
// provider, query included, and it is required: the signature is checked
// against it, never against a URL built from the request. Other verifiers
// reject it.
//
// On a Handler it is the scheme, host and path prefix of Delivery.URL,
// for a Handler behind a proxy or load balancer: Delivery.URL is this URL
// with the request's path (as the Handler sees it) and query appended.
// Without it Delivery.URL is built from the request alone (https when the
// connection is TLS, the Host header, the request URI); X-Forwarded-*
// headers are never trusted.
//
// The URL must be absolute, http or https, with a host; otherwise the
// constructor fails with ErrInvalidConfig.
func WithPublicURL(u string) SharedOption {
	bad := checkPublicURL(u)
	return sharedFunc{
		v: func(c *verifierConfig) {
			c.given |= optPublicURL
			if bad != "" {
				c.errs = append(c.errs, bad)
				return
			}
			c.publicURL = u
		},
		h: func(c *handlerConfig) {
			if bad != "" {
				c.errs = append(c.errs, bad)
				return
			}
			c.publicURL = u
		},
	}
}

// checkPublicURL returns why u cannot be a provider's public URL, or "".
// The URL itself is never part of the reason: it may hold credentials.
func checkPublicURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "WithPublicURL is not a valid URL"
	}
	if (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return "WithPublicURL must be an absolute http or https URL"
	}
	return ""
}

// WithTolerance sets how far a signed timestamp may be from the clock, in
// either direction. It must be positive: the timestamp check cannot be
// turned off. It applies only to schemes that sign a timestamp (Stripe,
// Standard Webhooks, Svix, Slack, SendGrid, NewHMAC with a
// TimestampHeader); each documents its default.
func WithTolerance(d time.Duration) VerifierOption {
	return verifierFunc(func(c *verifierConfig) {
		c.given |= optTolerance
		if d <= 0 {
			c.errs = append(c.errs, "WithTolerance must be positive, the timestamp check cannot be turned off")
			return
		}
		c.tolerance = d
	})
}

// WithSecrets adds secrets that are also accepted, for rotation: a
// delivery is genuine when it matches any of them. Each is checked like the
// constructor's own secret.
func WithSecrets(secrets ...string) VerifierOption {
	return verifierFunc(func(c *verifierConfig) {
		c.given |= optSecrets
		c.secrets = append(c.secrets, secrets...)
	})
}

// WithProviderName names the provider of a Standard Webhooks or Svix
// verifier (NewStandardWebhooks, NewSvix), schemes that many services
// sign with. The name replaces "standardwebhooks" or "svix" in Provider(),
// in every Event's Provider and in verification errors, and so in the
// Handler's idempotency keys ("name:webhook-id"), log lines, observations and job
// routing: the events of two services that sign with the same scheme are
// two providers' events, each under its own name. It is 1 to 64
// lower-case ASCII letters, digits, '_' and '-', starting with a letter.
// Other verifiers reject it: their provider is theirs, and NewHMAC takes
// its name from HMACConfig.Provider.
func WithProviderName(name string) VerifierOption {
	return verifierFunc(func(c *verifierConfig) {
		c.given |= optProviderName
		if !validProviderName(name) {
			c.errs = append(c.errs, "WithProviderName needs 1 to 64 lower-case ASCII letters, digits, '_' or '-', starting with a letter")
			return
		}
		c.provider = name
	})
}

// validProviderName reports whether name can name a provider: it prefixes
// idempotency keys, so it never holds a colon.
func validProviderName(name string) bool {
	if name == "" || len(name) > 64 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	return !strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	})
}

// WithStore sets the idempotency store shared by every replica of the
// service. Without it the Handler keeps keys in process memory, which
// de-duplicates only within one process: a service with several replicas
// needs a shared store (PostgreSQL or Redis). A nil store is an error.
func WithStore(s idempotency.Store) HandlerOption {
	return handlerFunc(func(c *handlerConfig) {
		if s == nil {
			c.errs = append(c.errs, "WithStore needs a store")
			return
		}
		c.store = s
	})
}

// WithMaxBodyBytes sets the largest body the Handler reads; a larger one
// is answered 413. It must be positive.
func WithMaxBodyBytes(n int64) HandlerOption {
	return handlerFunc(func(c *handlerConfig) {
		if n <= 0 {
			c.errs = append(c.errs, "WithMaxBodyBytes must be positive")
			return
		}
		c.maxBody = n
	})
}

// WithTTL sets how long a processed event's key is remembered, which must
// outlast the provider's retry window. It must be positive.
func WithTTL(d time.Duration) HandlerOption {
	return handlerFunc(func(c *handlerConfig) {
		if d <= 0 {
			c.errs = append(c.errs, "WithTTL must be positive")
			return
		}
		c.ttl = d
	})
}

// WithLease sets how long a claim holds while an event function runs. It
// should exceed the slowest function: a delivery arriving after the lease
// ran out claims the event again. It must be positive.
func WithLease(d time.Duration) HandlerOption {
	return handlerFunc(func(c *handlerConfig) {
		if d <= 0 {
			c.errs = append(c.errs, "WithLease must be positive")
			return
		}
		c.lease = d
	})
}

// WithLogger sets the logger. Without it the Handler logs nowhere. Lines
// carry the provider, event id, type, outcome and duration, never a secret
// or a signature.
func WithLogger(l *slog.Logger) HandlerOption {
	return handlerFunc(func(c *handlerConfig) {
		if l == nil {
			c.errs = append(c.errs, "WithLogger needs a logger")
			return
		}
		c.log = l
	})
}

// WithNamespace prefixes every key the Handler claims in its store, so that
// two Handlers of the same provider sharing one store keep separate keys:
// "namespace:provider:key". It is needed whenever two endpoints verify the
// same scheme against one store, such as two Standard Webhooks senders
// (each chooses its own message IDs, and one could reuse another's), two
// Stripe accounts, or two Paystack businesses (whose transaction IDs are
// numbered per account). Without it the second endpoint's event would be
// skipped as a duplicate of the first's. The namespace is non-empty
// printable ASCII without spaces or colons, at most 64 bytes.
func WithNamespace(ns string) HandlerOption {
	return handlerFunc(func(c *handlerConfig) {
		if ns == "" || len(ns) > 64 || strings.ContainsFunc(ns, func(r rune) bool { return r <= ' ' || r > '~' || r == ':' }) {
			c.errs = append(c.errs, "WithNamespace needs 1 to 64 printable ASCII characters without spaces or colons")
			return
		}
		c.namespace = ns
	})
}
