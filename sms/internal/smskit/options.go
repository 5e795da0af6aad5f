package smskit

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/sms"
)

// Config is what the options every sender shares set: WithHTTPClient,
// WithHTTPOptions, WithLogger, WithClock, WithStore, WithLease, WithTTL
// and WithObserver. Each setter checks its value and returns a
// configuration error of the provider that names the option.
type Config struct {
	// Provider is the provider's Name, for errors.
	Provider string

	HTTPClient  *http.Client
	HTTPOptions []httpclient.Option
	Logger      *slog.Logger
	Clock       func() time.Time
	Store       idempotency.Store
	Lease, TTL  time.Duration
	Observer    *sms.Observer
}

// SetHTTPClient sets HTTPClient; nil is an error.
func (c *Config) SetHTTPClient(hc *http.Client) error {
	if hc == nil {
		return sms.ConfigError(c.Provider, "WithHTTPClient", "the client is nil")
	}
	c.HTTPClient = hc
	return nil
}

// AddHTTPOptions appends opts; a nil option is an error.
func (c *Config) AddHTTPOptions(opts []httpclient.Option) error {
	for _, o := range opts {
		if o == nil {
			return sms.ConfigError(c.Provider, "WithHTTPOptions", "an option is nil")
		}
	}
	c.HTTPOptions = append(c.HTTPOptions, opts...)
	return nil
}

// SetLogger sets Logger; nil is an error.
func (c *Config) SetLogger(l *slog.Logger) error {
	if l == nil {
		return sms.ConfigError(c.Provider, "WithLogger", "the logger is nil")
	}
	c.Logger = l
	return nil
}

// SetClock sets Clock; nil is an error.
func (c *Config) SetClock(now func() time.Time) error {
	if now == nil {
		return sms.ConfigError(c.Provider, "WithClock", "the clock is nil")
	}
	c.Clock = now
	return nil
}

// SetStore sets Store; nil is an error.
func (c *Config) SetStore(s idempotency.Store) error {
	if s == nil {
		return sms.ConfigError(c.Provider, "WithStore", "the store is nil")
	}
	c.Store = s
	return nil
}

// SetLease sets Lease; it must be positive.
func (c *Config) SetLease(d time.Duration) error {
	if d <= 0 {
		return sms.ConfigError(c.Provider, "WithLease", "the lease must be positive")
	}
	c.Lease = d
	return nil
}

// SetTTL sets TTL; it must be positive.
func (c *Config) SetTTL(d time.Duration) error {
	if d <= 0 {
		return sms.ConfigError(c.Provider, "WithTTL", "the TTL must be positive")
	}
	c.TTL = d
	return nil
}

// SetObserver sets Observer; nil is an error.
func (c *Config) SetObserver(o *sms.Observer) error {
	if o == nil {
		return sms.ConfigError(c.Provider, "WithObserver", "the observer is nil")
	}
	c.Observer = o
	return nil
}

// logger returns Logger, or one that discards everything.
func (c *Config) logger() *slog.Logger {
	if c.Logger == nil {
		return discard
	}
	return c.Logger
}

var discard = slog.New(slog.DiscardHandler)
