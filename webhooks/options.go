package webhooks

import "time"

// Option configures a Verifier. Options that do not apply to a provider's
// scheme are ignored by its verifier.
type Option func(*options)

type options struct {
	now       func() time.Time
	tolerance time.Duration
	// toleranceSet records that WithTolerance was given, so that a zero or
	// negative tolerance can mean "do not check" where a scheme allows it.
	toleranceSet bool
	secrets      []string
	url          string
	// flutterwaveVerifHash enables Flutterwave's legacy verif-hash header.
	flutterwaveVerifHash bool
}

func newOptions(opts []Option) options {
	o := options{now: time.Now}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithClock sets the clock a verifier checks timestamps against. Tests and
// replays of recorded deliveries use it; the default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithTolerance sets how far a signed timestamp may be from the clock, in
// either direction. Each verifier documents its default.
func WithTolerance(d time.Duration) Option {
	return func(o *options) { o.tolerance = d; o.toleranceSet = true }
}

// WithSecrets adds secrets that are also accepted, for rotation: a
// delivery is genuine when it matches any of them.
func WithSecrets(secrets ...string) Option {
	return func(o *options) { o.secrets = append(o.secrets, secrets...) }
}

// WithURL sets the public URL configured at the provider, for schemes that
// sign the URL (Twilio, Mandrill). Without it they use Delivery.URL.
func WithURL(u string) Option {
	return func(o *options) { o.url = u }
}
