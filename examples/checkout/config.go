package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/examples/internal/demo"
)

// config is everything the app reads from its environment. The zero
// configuration runs on embedded defaults: the sandbox payment provider,
// SQLite files in a data directory, and email written to the log.
type config struct {
	Addr      string // ADDR, default 127.0.0.1:8080
	DataDir   string // DATA_DIR, default <user cache dir>/switchboard-checkout
	DemoToken string // DEMO_TOKEN, default "demo"
	StoreURL  string // STORE_URL, default sqlite://<DataDir>/idempotency.db

	StripeSecretKey     string // STRIPE_SECRET_KEY
	StripeWebhookSecret string // STRIPE_WEBHOOK_SECRET
	StripeAPIURL        string // STRIPE_API_URL (stripe-mock, a proxy)
	// StripePublishableKey (STRIPE_PUBLISHABLE_KEY, pk_...) lets the
	// checkout page load Stripe's Payment Element.
	StripePublishableKey string

	PaystackSecretKey string // PAYSTACK_SECRET_KEY
	PaystackAPIURL    string // PAYSTACK_API_URL

	SandboxWebhookSecret string // SANDBOX_WEBHOOK_SECRET (whsec_...)
	DisableSandbox       bool   // SANDBOX=off
	// SandboxSettle (SANDBOX_SETTLE, a Go duration, 1s) is how long a
	// sandbox card payment made on the checkout page takes to settle.
	SandboxSettle time.Duration

	PaymentsProvider string // PAYMENTS_PROVIDER: stripe, paystack or sandbox

	SMTPURL   string // SMTP_URL, e.g. smtp://127.0.0.1:1025
	EmailFrom string // EMAIL_FROM

	Login            loginConfig // PUBLIC_URL, SESSION_KEY, GOOGLE_*, GITHUB_*, OIDC_*: login.go
	MediaURL         string      // MEDIA_URL: empty (DATA_DIR/media), cloudinary://..., file:///..., mem://
	QueueURL         string      // QUEUE_URL: empty (events run in the request), sqlite, postgres://..., redis://...
	CloudinaryAPIURL string      // CLOUDINARY_API_URL (a fake or a proxy)

	Telemetry telemetryConfig // METRICS, OTEL_EXPORTER_OTLP_ENDPOINT: telemetry.go
	SMS       smsConfig       // SMS_PROVIDER, SMS_REGION, TWILIO_*, AFRICASTALKING_*: sms.go
}

// defaultDemoToken is the bearer token accepted when DEMO_TOKEN is unset.
const defaultDemoToken = "demo"

// configFromEnv reads the configuration through getenv (os.Getenv in main,
// a map in tests).
func configFromEnv(getenv func(string) string) (config, error) {
	c := config{
		Addr:                 getenv("ADDR"),
		DataDir:              getenv("DATA_DIR"),
		DemoToken:            getenv("DEMO_TOKEN"),
		StoreURL:             getenv("STORE_URL"),
		StripeSecretKey:      getenv("STRIPE_SECRET_KEY"),
		StripeWebhookSecret:  getenv("STRIPE_WEBHOOK_SECRET"),
		StripeAPIURL:         getenv("STRIPE_API_URL"),
		StripePublishableKey: getenv("STRIPE_PUBLISHABLE_KEY"),
		PaystackSecretKey:    getenv("PAYSTACK_SECRET_KEY"),
		PaystackAPIURL:       getenv("PAYSTACK_API_URL"),
		SandboxWebhookSecret: getenv("SANDBOX_WEBHOOK_SECRET"),
		DisableSandbox:       strings.EqualFold(getenv("SANDBOX"), "off"),
		PaymentsProvider:     strings.ToLower(getenv("PAYMENTS_PROVIDER")),
		SMTPURL:              getenv("SMTP_URL"),
		EmailFrom:            getenv("EMAIL_FROM"),
		Login:                loginConfigFromEnv(getenv),
		MediaURL:             getenv("MEDIA_URL"),
		QueueURL:             getenv("QUEUE_URL"),
		CloudinaryAPIURL:     getenv("CLOUDINARY_API_URL"),
		Telemetry:            telemetryConfigFromEnv(getenv),
		SMS:                  smsConfigFromEnv(getenv),
	}
	c.SandboxSettle = time.Second
	if v := getenv("SANDBOX_SETTLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Minute {
			return c, fmt.Errorf("SANDBOX_SETTLE must be a duration from 0s to 1m, such as 1s")
		}
		c.SandboxSettle = d
	}
	if c.StripePublishableKey != "" && !strings.HasPrefix(c.StripePublishableKey, "pk_") {
		return c, fmt.Errorf("STRIPE_PUBLISHABLE_KEY must be a publishable key (pk_...), never the secret key")
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.DemoToken == "" {
		c.DemoToken = defaultDemoToken
	}
	if c.EmailFrom == "" {
		c.EmailFrom = "Switchboard Checkout <checkout@example.com>"
	}
	if c.DataDir == "" {
		base, err := os.UserCacheDir()
		if err != nil || base == "" {
			base = os.TempDir()
		}
		c.DataDir = filepath.Join(base, "switchboard-checkout")
	}
	if c.StoreURL == "" {
		c.StoreURL = "sqlite://" + filepath.Join(c.DataDir, "idempotency.db")
	}
	if (c.StripeSecretKey == "") != (c.StripeWebhookSecret == "") {
		return c, fmt.Errorf("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET go together: set both or neither")
	}
	if c.PaymentsProvider == "" {
		switch {
		case c.StripeSecretKey != "":
			c.PaymentsProvider = "stripe"
		case c.PaystackSecretKey != "":
			c.PaymentsProvider = "paystack"
		default:
			c.PaymentsProvider = "sandbox"
		}
	}
	if c.PaymentsProvider == "sandbox" && c.DisableSandbox {
		return c, fmt.Errorf("PAYMENTS_PROVIDER is sandbox but SANDBOX=off")
	}
	return c, nil
}

// checkExposure refuses a listen address that other machines can reach
// while DEMO_TOKEN is the built-in demo token: anyone who found the port
// could create payments, succeed sandbox payments and read every order
// with a token printed in this repository's README.
func (c config) checkExposure(ctx context.Context) error {
	if c.DemoToken != defaultDemoToken {
		return nil
	}
	loopback, err := demo.IsLoopback(ctx, c.Addr)
	if err != nil {
		return fmt.Errorf("ADDR: %w", err)
	}
	if !loopback {
		return fmt.Errorf("ADDR %s is reachable from other machines while DEMO_TOKEN is the built-in demo token, "+
			"which anyone could use: set DEMO_TOKEN to a secret of your own, or listen on a loopback address such as 127.0.0.1:8080", c.Addr)
	}
	return nil
}

// sqlitePath returns the database file of an sqlite:// store URL
// (sqlite:///abs/path.db, sqlite://rel/path.db); ok is false for other
// schemes and for SQLite's in-memory database.
func sqlitePath(storeURL string) (path string, ok bool) {
	u, err := url.Parse(storeURL)
	if err != nil || !strings.EqualFold(u.Scheme, "sqlite") {
		return "", false
	}
	path = u.Opaque
	if path == "" {
		path = u.Host + u.Path
	}
	if path == "" || path == ":memory:" {
		return "", false
	}
	return path, true
}

// displayURL is a store URL as it may appear in logs: as written when it
// holds neither credentials nor a query, redacted otherwise.
func displayURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User == nil && u.RawQuery == "" && u.Fragment == "" {
		return raw
	}
	return redactURL(raw)
}
