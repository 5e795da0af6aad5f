package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// signInput is what a provider's signer needs to build one delivery.
type signInput struct {
	// Body is the payload: the request body, except for Mandrill, where it
	// may also be the bare JSON array of events.
	Body []byte
	// Secret is the shared secret; for SendGrid the private key.
	Secret string
	// SignedURL is the public URL the provider signs (Twilio, Mandrill).
	SignedURL string
	// Time is the signing time, for schemes that sign a timestamp.
	Time time.Time
	// Type is the event type, for schemes that carry it in a header
	// (GitHub's X-GitHub-Event, Shopify's X-Shopify-Topic).
	Type string
	// ID is the delivery or message ID, for schemes that carry it in a
	// header (GitHub, Shopify, Standard Webhooks, Svix); random when empty.
	ID string
}

// signed is one delivery as the provider would send it.
type signed struct {
	// Header holds the headers to send, including Content-Type.
	Header http.Header
	// Body is the exact request body.
	Body []byte
	// SignedURL is the URL the signature covers, when the scheme signs
	// one; for a Twilio JSON body it carries the bodySHA256 parameter.
	SignedURL string
}

// provider describes how the command line signs and verifies one
// provider's deliveries.
type provider struct {
	// name is the name the --provider flag takes, as the verifier's
	// Provider method spells it.
	name string
	// secret describes what --secret holds, for help and errors.
	secret string
	// needsURL reports whether the scheme signs the URL.
	needsURL bool
	// timestamped reports whether the scheme signs a timestamp, so that
	// the verifier takes WithClock and WithTolerance.
	timestamped bool
	// sign builds a delivery.
	sign func(in signInput) (signed, error)
	// verifier builds the verifier for secret.
	verifier func(secret string, opts ...webhooks.VerifierOption) (webhooks.Verifier, error)
}

// providers lists every provider of the webhooks package, in the order
// help shows them.
var providers = []provider{
	{
		name: "stripe", timestamped: true, secret: "the endpoint's signing secret (whsec_...)",
		sign: func(in signInput) (signed, error) {
			return signed{Header: webhookstest.SignStripe(in.Body, in.Secret, in.Time), Body: in.Body}, nil
		},
		verifier: wrap(webhooks.NewStripe),
	},
	{
		name: "paystack", secret: "the account's secret key (sk_test_...)",
		sign: func(in signInput) (signed, error) {
			return signed{Header: webhookstest.SignPaystack(in.Body, in.Secret), Body: in.Body}, nil
		},
		verifier: wrap(webhooks.NewPaystack),
	},
	{
		name: "github", secret: "the webhook's secret token",
		sign: func(in signInput) (signed, error) {
			return signed{Header: webhookstest.SignGitHub(in.Body, in.Secret, in.Type, in.ID), Body: in.Body}, nil
		},
		verifier: wrap(webhooks.NewGitHub),
	},
	{
		name: "standardwebhooks", timestamped: true, secret: "the endpoint's secret (whsec_ followed by base64)",
		sign: func(in signInput) (signed, error) {
			h, err := webhookstest.SignStandardWebhooks(in.Body, in.Secret, in.ID, in.Time)
			return signed{Header: h, Body: in.Body}, err
		},
		verifier: wrap(webhooks.NewStandardWebhooks),
	},
	{
		name: "svix", timestamped: true, secret: "the endpoint's secret (whsec_ followed by base64)",
		sign: func(in signInput) (signed, error) {
			h, err := webhookstest.SignSvix(in.Body, in.Secret, in.ID, in.Time)
			return signed{Header: h, Body: in.Body}, err
		},
		verifier: wrap(webhooks.NewSvix),
	},
	{
		name: "twilio", secret: "the account's Auth Token", needsURL: true,
		sign:     signTwilio,
		verifier: wrap(webhooks.NewTwilio),
	},
	{
		name: "sendgrid", timestamped: true, secret: "sign and send: the private key (base64 or PEM, PKCS #8 or EC); verify: the public key (base64)",
		sign:     signSendGrid,
		verifier: wrap(webhooks.NewSendGrid),
	},
	{
		name: "slack", timestamped: true, secret: "the app's signing secret",
		sign: func(in signInput) (signed, error) {
			return signed{Header: webhookstest.SignSlack(in.Body, in.Secret, in.Time), Body: in.Body}, nil
		},
		verifier: wrap(webhooks.NewSlack),
	},
	{
		name: "shopify", secret: "the app's client secret",
		sign: func(in signInput) (signed, error) {
			return signed{Header: webhookstest.SignShopify(in.Body, in.Secret, in.Type, in.ID, in.Time), Body: in.Body}, nil
		},
		verifier: wrap(webhooks.NewShopify),
	},
	{
		name: "mandrill", secret: "the webhook's authentication key", needsURL: true,
		sign:     signMandrill,
		verifier: wrap(webhooks.NewMandrill),
	},
	{
		name: "flutterwave", secret: "the dashboard's secret hash",
		sign: func(in signInput) (signed, error) {
			return signed{Header: webhookstest.SignFlutterwave(in.Body, in.Secret), Body: in.Body}, nil
		},
		verifier: wrap(webhooks.NewFlutterwave),
	},
	{
		name: "cloudinary", timestamped: true, secret: "the account's API secret (SHA-1 signatures)",
		sign: func(in signInput) (signed, error) {
			return signed{Header: webhookstest.SignCloudinary(in.Body, in.Secret, in.Time), Body: in.Body}, nil
		},
		verifier: wrap(webhooks.NewCloudinary),
	},
	{
		name: "africastalking", needsURL: true,
		secret:   "the token of the callback URL (32+ characters of A-Z a-z 0-9 - . _ ~; keygen makes one)",
		sign:     signAfricasTalking,
		verifier: wrap(webhooks.NewAfricasTalking),
	},
}

// signAfricasTalking builds a notification: Africa's Talking signs nothing,
// so the token goes in the URL's token parameter.
func signAfricasTalking(in signInput) (signed, error) {
	if in.SignedURL == "" {
		return signed{}, usageErrorf("africastalking authenticates with a token in the callback URL: give the URL with --url")
	}
	form, err := url.ParseQuery(string(in.Body))
	if err != nil {
		return signed{}, fmt.Errorf("africastalking body is not form-encoded: %w", err)
	}
	target, h, _ := webhookstest.SignAfricasTalking(in.SignedURL, form, in.Secret)
	return signed{Header: h, Body: in.Body, SignedURL: target}, nil
}

// withToken puts the Africa's Talking token in target's token parameter.
func withToken(target, token string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	q := u.Query()
	q.Set(webhooks.AfricasTalkingTokenParam, token)
	u.RawQuery = q.Encode()
	return u.String()
}

// wrap turns a typed verifier constructor into one returning the
// interface, keeping a nil interface on error.
func wrap[V webhooks.Verifier](f func(string, ...webhooks.VerifierOption) (V, error)) func(string, ...webhooks.VerifierOption) (webhooks.Verifier, error) {
	return func(secret string, opts ...webhooks.VerifierOption) (webhooks.Verifier, error) {
		v, err := f(secret, opts...)
		if err != nil {
			return nil, err
		}
		return v, nil
	}
}

// providerNames returns the names --provider accepts.
func providerNames() []string {
	names := make([]string, len(providers))
	for i, p := range providers {
		names[i] = p.name
	}
	return names
}

// aliases maps other spellings to provider names.
var aliases = map[string]string{
	"standard-webhooks": "standardwebhooks", "standard_webhooks": "standardwebhooks", "standard": "standardwebhooks",
	"mailchimp": "mandrill", "mailchimp-transactional": "mandrill",
	"africas-talking": "africastalking", "africas_talking": "africastalking",
}

// lookupProvider finds a provider by name, case-insensitively.
func lookupProvider(name string) (*provider, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if a, ok := aliases[n]; ok {
		n = a
	}
	for i := range providers {
		if providers[i].name == n {
			return &providers[i], nil
		}
	}
	if n == "" {
		return nil, usageErrorf("--provider is required (one of %s)", strings.Join(providerNames(), ", "))
	}
	return nil, usageErrorf("unknown provider %q (want one of %s)", name, strings.Join(providerNames(), ", "))
}

// looksJSON reports whether b starts, after white space, with a JSON
// object or array.
func looksJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// signTwilio signs a form-encoded body over the URL and parameters, or a
// JSON body over the URL with its bodySHA256 parameter.
func signTwilio(in signInput) (signed, error) {
	if in.SignedURL == "" {
		return signed{}, usageErrorf("twilio signs the webhook URL: give it with --url")
	}
	if looksJSON(in.Body) {
		target, h := webhookstest.SignTwilioJSON(in.SignedURL, in.Body, in.Secret)
		return signed{Header: h, Body: in.Body, SignedURL: target}, nil
	}
	form, err := url.ParseQuery(string(in.Body))
	if err != nil {
		return signed{}, fmt.Errorf("twilio body is neither JSON nor form-encoded: %w", err)
	}
	// The signature covers the parsed parameters, so the body is sent as
	// given rather than re-encoded.
	h, _ := webhookstest.SignTwilio(in.SignedURL, form, in.Secret)
	return signed{Header: h, Body: in.Body, SignedURL: in.SignedURL}, nil
}

// mandrillEvents returns the JSON array of events held by body: body
// itself when it is JSON, else its mandrill_events form field.
func mandrillEvents(body []byte) ([]byte, error) {
	if looksJSON(body) {
		return body, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("mandrill body is neither a JSON array nor form-encoded: %w", err)
	}
	ev, ok := form["mandrill_events"]
	if !ok || len(ev) != 1 {
		return nil, errors.New("mandrill body needs exactly one mandrill_events field")
	}
	return []byte(ev[0]), nil
}

// signMandrill signs a batch of events over the URL and the
// mandrill_events field.
func signMandrill(in signInput) (signed, error) {
	if in.SignedURL == "" {
		return signed{}, usageErrorf("mandrill signs the webhook URL: give it with --url")
	}
	events, err := mandrillEvents(in.Body)
	if err != nil {
		return signed{}, err
	}
	h, body := webhookstest.SignMandrill(in.SignedURL, events, in.Secret)
	if !looksJSON(in.Body) {
		// Keep the form exactly as given; the signature covers its
		// parsed fields.
		body = in.Body
	}
	return signed{Header: h, Body: body, SignedURL: in.SignedURL}, nil
}

// signSendGrid signs with the ECDSA private key held by in.Secret.
func signSendGrid(in signInput) (signed, error) {
	priv, err := parsePrivateKey(in.Secret)
	if err != nil {
		return signed{}, err
	}
	h, err := webhookstest.SignSendGrid(in.Body, priv, in.Time)
	return signed{Header: h, Body: in.Body}, err
}

// errPrivateKey is the error for a SendGrid private key that does not
// parse. It never includes the key.
var errPrivateKey = errors.New("sendgrid needs an ECDSA P-256 private key, base64 or PEM, PKCS #8 or EC (SEC 1): create one with `switchboard webhooks keygen --provider sendgrid`")

// parsePrivateKey parses an ECDSA private key written as PEM, or as base64
// of its PKCS #8 or SEC 1 DER encoding.
func parsePrivateKey(s string) (*ecdsa.PrivateKey, error) {
	s = strings.TrimSpace(s)
	var der []byte
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, errPrivateKey
		}
		der = block.Bytes
	} else {
		var err error
		der, err = base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, errPrivateKey
		}
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if ek, ok := k.(*ecdsa.PrivateKey); ok {
			return ek, nil
		}
		return nil, errPrivateKey
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errPrivateKey
}

// publicKeyBase64 returns the public half of priv the way SendGrid shows
// it: base64 of its PKIX DER encoding.
func publicKeyBase64(priv *ecdsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

// withBodyHash appends Twilio's bodySHA256 parameter for body to target,
// before any fragment.
func withBodyHash(target string, body []byte) string {
	sum := sha256.Sum256(body)
	base, frag, hasFrag := strings.Cut(target, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	base += sep + "bodySHA256=" + hex.EncodeToString(sum[:])
	if hasFrag {
		base += "#" + frag
	}
	return base
}

// formatHeaders writes h as "Name: value" lines, sorted by name.
func formatHeaders(h http.Header) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		for _, v := range h[k] {
			b.WriteString(k)
			b.WriteString(": ")
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// parseHeaderLine parses one "Name: value" line.
func parseHeaderLine(line string) (string, string, error) {
	name, value, ok := strings.Cut(line, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return "", "", usageErrorf("a header is not of the form 'Name: value'")
	}
	return name, strings.TrimSpace(value), nil
}
