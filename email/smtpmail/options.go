package smtpmail

import (
	"crypto"
	"crypto/tls"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"

	mail "github.com/wneessen/go-mail"

	"github.com/switchboard-go/switchboard/email"
)

// TLSPolicy says whether a plain connection must be upgraded with
// STARTTLS.
type TLSPolicy int

const (
	// TLSMandatory refuses to send unless the server offers STARTTLS and
	// the upgrade succeeds with a verified certificate. It is the default.
	TLSMandatory TLSPolicy = iota
	// TLSOpportunistic upgrades with STARTTLS when the server offers it
	// and otherwise sends in the clear. It is the default for loopback
	// hosts (localhost, 127.0.0.1, ::1).
	TLSOpportunistic
	// TLSNone never upgrades: everything, credentials included, travels in
	// the clear. Only for test servers on trusted networks.
	TLSNone
)

// String returns the policy's name.
func (p TLSPolicy) String() string {
	switch p {
	case TLSMandatory:
		return "mandatory"
	case TLSOpportunistic:
		return "opportunistic"
	case TLSNone:
		return "none"
	}
	return fmt.Sprintf("TLSPolicy(%d)", int(p))
}

// Auth is an SMTP AUTH mechanism.
type Auth string

// AUTH mechanisms. AuthAuto, the default when credentials are given,
// picks the strongest mechanism the server offers, in the order
// SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN; PLAIN and LOGIN,
// which send the password itself, are only chosen on a TLS connection or
// to a loopback host.
const (
	AuthAuto          Auth = "AUTO"
	AuthPlain         Auth = "PLAIN"
	AuthLogin         Auth = "LOGIN"
	AuthCRAMMD5       Auth = "CRAM-MD5"
	AuthSCRAMSHA1     Auth = "SCRAM-SHA-1"
	AuthSCRAMSHA256   Auth = "SCRAM-SHA-256"
	AuthSCRAMSHA1Plus Auth = "SCRAM-SHA-1-PLUS"
	// AuthSCRAMSHA256Plus binds the exchange to the TLS channel; it needs
	// TLS.
	AuthSCRAMSHA256Plus Auth = "SCRAM-SHA-256-PLUS"
	// AuthXOAUTH2 sends an OAuth 2 access token given as the password
	// (Google, Microsoft).
	AuthXOAUTH2 Auth = "XOAUTH2"
)

var goMailAuth = map[Auth]mail.SMTPAuthType{
	AuthPlain:           mail.SMTPAuthPlain,
	AuthLogin:           mail.SMTPAuthLogin,
	AuthCRAMMD5:         mail.SMTPAuthCramMD5,
	AuthSCRAMSHA1:       mail.SMTPAuthSCRAMSHA1,
	AuthSCRAMSHA256:     mail.SMTPAuthSCRAMSHA256,
	AuthSCRAMSHA1Plus:   mail.SMTPAuthSCRAMSHA1PLUS,
	AuthSCRAMSHA256Plus: mail.SMTPAuthSCRAMSHA256PLUS,
	AuthXOAUTH2:         mail.SMTPAuthXOAUTH2,
}

// Default timeouts.
const (
	// DefaultTimeout bounds connecting and each SMTP command.
	DefaultTimeout = 30 * time.Second
)

// Option configures a Sender.
type Option func(*config) error

type config struct {
	username, password string
	hasCredentials     bool
	auth               Auth
	tlsPolicy          TLSPolicy
	tlsPolicySet       bool
	implicitTLS        bool
	tlsConfig          *tls.Config
	timeout            time.Duration
	helo               string
	dkim               *DKIM
	logger             *slog.Logger
	maxSize            int64
	obs                *email.Observer
}

// WithCredentials sets the user name and password for SMTP AUTH. They are
// never logged nor put in errors. Either one empty, blank, padded with
// white space or holding a control character is a configuration error.
func WithCredentials(username, password string) Option {
	return func(c *config) error {
		if err := checkCredential("user name", username); err != nil {
			return err
		}
		if err := checkCredential("password", password); err != nil {
			return err
		}
		c.username, c.password, c.hasCredentials = username, password, true
		return nil
	}
}

// checkCredential refuses an empty, blank or padded credential and control
// characters, naming what it is but never its value.
func checkCredential(what, v string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return configError("WithCredentials: the %s is empty", what)
	case strings.TrimSpace(v) != v:
		return configError("WithCredentials: the %s starts or ends with white space", what)
	case strings.ContainsFunc(v, unicode.IsControl):
		return configError("WithCredentials: the %s holds a control character", what)
	}
	return nil
}

// WithAuth picks the AUTH mechanism instead of AuthAuto. It needs
// WithCredentials.
func WithAuth(mech Auth) Option {
	return func(c *config) error {
		if _, ok := goMailAuth[mech]; !ok && mech != AuthAuto {
			return configError("WithAuth: unknown AUTH mechanism %q", string(mech))
		}
		c.auth = mech
		return nil
	}
}

// WithTLSPolicy sets the STARTTLS policy. The default is TLSMandatory,
// except for loopback hosts, where it is TLSOpportunistic.
func WithTLSPolicy(p TLSPolicy) Option {
	return func(c *config) error {
		if p < TLSMandatory || p > TLSNone {
			return configError("WithTLSPolicy: unknown TLS policy %d", int(p))
		}
		c.tlsPolicy, c.tlsPolicySet = p, true
		return nil
	}
}

// WithImplicitTLS connects with TLS from the first byte (SMTPS, usually
// port 465) instead of upgrading with STARTTLS.
func WithImplicitTLS() Option {
	return func(c *config) error {
		c.implicitTLS = true
		return nil
	}
}

// WithTLSConfig sets the TLS configuration for STARTTLS and implicit TLS,
// for example to trust a private CA in tests. It is cloned; an empty
// ServerName is set to the host and MinVersion is at least TLS 1.2.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(c *config) error {
		if cfg == nil {
			return configError("WithTLSConfig: the TLS configuration is nil")
		}
		c.tlsConfig = cfg.Clone()
		return nil
	}
}

// WithTimeout bounds connecting and each SMTP command (DefaultTimeout
// unless set). The context given to Send bounds the whole exchange.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return configError("WithTimeout: the timeout must be positive, not %v", d)
		}
		c.timeout = d
		return nil
	}
}

// WithHELO sets the name the client gives in EHLO (the local host name
// by default).
func WithHELO(name string) Option {
	return func(c *config) error {
		if name == "" {
			return configError("WithHELO: the name is empty")
		}
		c.helo = name
		return nil
	}
}

// DKIM configures DKIM signing (RFC 6376).
type DKIM struct {
	// Domain is the signing domain (d=).
	Domain string
	// Selector names the DNS record holding the public key (s=), found
	// at Selector._domainkey.Domain.
	Selector string
	// Key is an *rsa.PrivateKey (rsa-sha256) or ed25519.PrivateKey
	// (ed25519-sha256, RFC 8463). ParseDKIMKey reads one from PEM.
	Key crypto.Signer
	// Simple selects simple/simple canonicalization instead of the default
	// relaxed/relaxed, which survives the header rewrapping relays do.
	Simple bool
}

// ParseDKIMKey reads a PEM private key (PKCS #1 RSA, or PKCS #8 RSA or
// Ed25519) for DKIM.
func ParseDKIMKey(pemBytes []byte) (crypto.Signer, error) {
	k, err := mail.PrivKeyFromPEM(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("smtpmail: DKIM key: %w", err)
	}
	return k, nil
}

// WithDKIM signs every message with DKIM.
func WithDKIM(d DKIM) Option {
	return func(c *config) error {
		if _, err := d.signer(); err != nil {
			return fmt.Errorf("%w: %w", email.ErrInvalidConfig, err)
		}
		dk := d
		c.dkim = &dk
		return nil
	}
}

// signer returns a new go-mail DKIM signer. A new one is made per
// message: go-mail's signer records its algorithm on first use, so it is
// not safe to share between concurrent sends.
func (d DKIM) signer() (*mail.DKIMSigner, error) {
	s := mail.NewDKIMSigner(d.Domain, d.Selector, d.Key)
	mode := mail.CanonicalizationRelaxed
	if d.Simple {
		mode = mail.CanonicalizationSimple
	}
	s.HeaderCanonicalization(mode)
	s.BodyCanonicalization(mode)
	if err := s.ValidateConfig(); err != nil {
		return nil, fmt.Errorf("smtpmail: DKIM: %w", err)
	}
	return s, nil
}

// WithLogger logs each send at debug level (host, message id, recipient
// count, duration) and failures at warn level (with the error kind and
// reply code). Without it the Sender logs nowhere. Credentials, addresses
// and message content are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return configError("WithLogger: the logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithMaxSize sets the largest message Validate accepts (see
// email.WithMaxSize).
func WithMaxSize(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return configError("WithMaxSize: the size must be positive, not %d", n)
		}
		c.maxSize = n
		return nil
	}
}
