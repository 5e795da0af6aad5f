package africastalkingsms

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/internal/smskit"
)

// Name is the provider name in receipts, errors, reports and log lines.
const Name = "africastalking"

// API hosts.
const (
	// DefaultBaseURL is the live API host.
	DefaultBaseURL = "https://api.africastalking.com"
	// SandboxBaseURL is the sandbox host, which delivers only to the
	// sandbox's web simulator and takes the username "sandbox".
	SandboxBaseURL = "https://api.sandbox.africastalking.com"
	// SandboxUsername is the username of every sandbox application.
	SandboxUsername = "sandbox"
)

const userAgent = "switchboard-go/africastalkingsms"

// Limits is what the messaging API accepts from this Sender: a body of at
// most sms.MaxLength characters (Africa's Talking documents no maximum; a
// concatenated message that long is already ten or more segments), no
// media, no Messaging Service and no status callback per message (delivery
// reports go to the URL set in the dashboard). Without From, Africa's
// Talking sends from its shared sender (AFRICASTKNG).
func Limits() sms.Limits {
	return sms.Limits{Provider: Name, MaxLength: sms.MaxLength}
}

type config struct {
	smskit.Config
	baseURL string
	sandbox bool
	from    string
}

// Option configures a Sender. An invalid value makes New fail with an
// error wrapping sms.ErrInvalidConfig that names the option.
type Option func(*config) error

// WithBaseURL replaces the API host (DefaultBaseURL), for tests or a
// proxy; "/version1/messaging" is appended to it. It must be an absolute
// http(s) URL without user information, query or fragment.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		b, err := smskit.BaseURL(Name, u)
		c.baseURL = b
		return err
	}
}

// WithSandbox sends through the sandbox host (SandboxBaseURL), whose
// messages reach only the simulator. The username must be
// SandboxUsername. WithBaseURL given after it replaces the host.
func WithSandbox() Option {
	return func(c *config) error {
		c.baseURL, c.sandbox = SandboxBaseURL, true
		return nil
	}
}

// WithHTTPClient sends the requests through hc (its transport, proxy and
// TLS settings). The Sender still applies its timeouts and its rules: no
// retry, no redirect. A nil hc is an error.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.SetHTTPClient(hc) }
}

// WithHTTPOptions passes options to the httpclient.Client the Sender
// builds: timeouts, circuit breaker, transport. Retries and automatic
// idempotency keys stay off whatever they say (the messaging API takes no
// idempotency key, so a retried POST could send twice), and
// httpclient.WithBaseURL is an error (use WithBaseURL).
func WithHTTPOptions(opts ...httpclient.Option) Option {
	return func(c *config) error { return c.AddHTTPOptions(opts) }
}

// WithLogger logs each send (outcome, message id, status, segments,
// duration) and each HTTP attempt to l. Without it the Sender logs
// nowhere. The API key, bodies and numbers are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { return c.SetLogger(l) }
}

// WithClock sets the clock of Receipt.AcceptedAt (time.Now by default).
func WithClock(now func() time.Time) Option {
	return func(c *config) error { return c.SetClock(now) }
}

// WithStore sets the idempotency store that makes a send with an
// IdempotencyKey happen at most once, across every replica that shares
// the store (PostgreSQL or Redis). Without it keys are kept in process
// memory, which de-duplicates within one process only.
func WithStore(s idempotency.Store) Option {
	return func(c *config) error { return c.SetStore(s) }
}

// WithLease sets how long a send holds its key (one minute by default).
// It must outlast the HTTP timeout, the store timeout and a second of
// margin; New refuses a shorter one.
func WithLease(d time.Duration) Option {
	return func(c *config) error { return c.SetLease(d) }
}

// WithTTL sets how long a sent key is remembered (72 hours by default).
func WithTTL(d time.Duration) Option {
	return func(c *config) error { return c.SetTTL(d) }
}

// WithFrom sets the sender ID or short code of messages without From (a
// registered alphanumeric sender ID such as "MYSHOP", or a short code).
// Without it Africa's Talking uses its shared sender.
func WithFrom(from string) Option {
	return func(c *config) error {
		if err := sms.CheckSender(from); err != nil {
			return sms.ConfigError(Name, "WithFrom", err.Error())
		}
		c.from = from
		return nil
	}
}

// Sender sends messages through Africa's Talking's messaging API. It is
// safe for concurrent use.
type Sender struct {
	endpoint string
	username string
	apiKey   string
	from     string
	client   *httpclient.Client
	once     *smskit.Once
	now      func() time.Time
	obs      *sms.Observer
}

var _ sms.Sender = (*Sender)(nil)

// New returns a Sender for the application username, authenticating with
// apiKey (the apiKey header). The sandbox needs WithSandbox and the
// username "sandbox"; the live API refuses that username, so New does
// too. An empty, blank or padded username or key, or an invalid option,
// is an error wrapping sms.ErrInvalidConfig that never quotes the key.
func New(username, apiKey string, opts ...Option) (*Sender, error) {
	if err := smskit.CheckCredential(Name, "username", username); err != nil {
		return nil, err
	}
	if err := smskit.CheckCredential(Name, "API key", apiKey); err != nil {
		return nil, err
	}
	cfg := config{Config: smskit.Config{Provider: Name}, baseURL: DefaultBaseURL}
	for _, o := range opts {
		if o == nil {
			return nil, sms.ConfigError(Name, "option", "is nil")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	switch {
	case cfg.sandbox && username != SandboxUsername:
		return nil, sms.ConfigError(Name, "WithSandbox", `the sandbox takes the username "sandbox"`)
	case cfg.baseURL == DefaultBaseURL && username == SandboxUsername:
		return nil, sms.ConfigError(Name, "username", `"sandbox" works only with WithSandbox (the live API refuses it)`)
	}
	client, err := smskit.NewHTTPClient(&cfg.Config, userAgent)
	if err != nil {
		return nil, err
	}
	once, err := smskit.NewOnce(&cfg.Config, client.Timeout())
	if err != nil {
		return nil, err
	}
	now := cfg.Clock
	if now == nil {
		now = time.Now
	}
	return &Sender{
		endpoint: cfg.baseURL + "/version1/messaging",
		username: username, apiKey: apiKey, from: cfg.from,
		client: client, once: once, now: now, obs: cfg.Observer,
	}, nil
}

// String describes the Sender without its API key.
func (s *Sender) String() string {
	return fmt.Sprintf("africastalkingsms.Sender{endpoint: %s, username: %q}", s.endpoint, s.username)
}

// GoString is String, so that %#v does not print the key either.
func (s *Sender) GoString() string { return s.String() }

// Close releases the default memory store. A Send after Close fails with
// sms.ErrClosed. It is safe to call more than once.
func (s *Sender) Close() error { return s.once.Close() }

// Send validates m against Limits and posts it to /version1/messaging:
// username, to (the one recipient), message, from when set, and
// bulkSMSMode=1, as a form with the apiKey and Accept: application/json
// headers. Africa's Talking answers 201 with SMSMessageData, whose
// Recipients entry for the number is checked: statusCode 100 (Processed)
// or 102 (Queued) gives a queued Receipt, 101 (Sent) a sent one, with the
// messageId and the cost; any other statusCode is an *sms.Error (see the
// package documentation), as is a 201 without exactly one entry for the
// number. With an IdempotencyKey the send happens at most once per key
// (see package sms).
func (s *Sender) Send(ctx context.Context, m *sms.Message) (r *sms.Receipt, err error) {
	ctx, ob := sms.StartObservation(ctx, s.obs, Name, "send")
	defer func() { ob.EndReceipt(r, err) }()
	return s.send(ctx, m)
}

// send is Send without its observation.
func (s *Sender) send(ctx context.Context, m *sms.Message) (*sms.Receipt, error) {
	if err := s.once.Closed(); err != nil {
		return nil, err
	}
	msg := m.Clone()
	if msg != nil && msg.From == "" {
		msg.From = s.from
	}
	seg, err := sms.Validate(msg, Limits())
	if err != nil {
		return nil, err
	}
	form := url.Values{"username": {s.username}, "to": {msg.To}, "message": {msg.Body}, "bulkSMSMode": {"1"}}
	if msg.From != "" {
		form.Set("from", msg.From)
	}
	return s.once.Send(ctx, m, func(ctx context.Context) (*sms.Receipt, error) {
		tctx, written := smskit.TrackWrite(ctx)
		resp, err := s.client.Post(tctx, s.endpoint, form,
			httpclient.WithRequestHeader("Accept", "application/json"),
			httpclient.WithRequestHeader("apiKey", s.apiKey))
		if err != nil {
			return nil, smskit.HTTPError(Name, err, written(), "", classify)
		}
		return s.receipt(resp, msg, seg)
	})
}

// answer is the body of a send's answer.
type answer struct {
	SMSMessageData *struct {
		Message    string      `json:"Message"`
		Recipients []recipient `json:"Recipients"`
	} `json:"SMSMessageData"`
}

type recipient struct {
	StatusCode json.Number `json:"statusCode"`
	Number     string      `json:"number"`
	Status     string      `json:"status"`
	Cost       string      `json:"cost"`
	MessageID  string      `json:"messageId"`
}

// parseAnswer reads a send's answer. It never panics; an answer that is
// not one is an error saying what is wrong.
func parseAnswer(body []byte) (*answer, error) {
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("not the messaging API's JSON answer: %w", err)
	}
	if a.SMSMessageData == nil {
		return nil, fmt.Errorf("no SMSMessageData")
	}
	return &a, nil
}

// receipt reads a 2xx answer.
func (s *Sender) receipt(resp *httpclient.Response, msg *sms.Message, seg sms.Segments) (*sms.Receipt, error) {
	if resp.StatusCode != http.StatusCreated {
		return nil, smskit.Malformed(Name, resp.StatusCode, resp.Header, "", "Africa's Talking answers 201 Created to a send")
	}
	a, err := parseAnswer(resp.Body)
	if err != nil {
		return nil, smskit.Malformed(Name, resp.StatusCode, resp.Header, "", err.Error())
	}
	data := a.SMSMessageData
	switch {
	case len(data.Recipients) == 0:
		// Nothing was sent: the summary names why ("InvalidSenderId").
		reason := smskit.Sanitize(data.Message)
		se := &sms.Error{Kind: sms.ErrRejected, Provider: Name, StatusCode: resp.StatusCode, Message: "no recipient was sent to: " + reason}
		for _, sc := range statusCodes {
			if strings.Contains(reason, sc.name) {
				se.Kind, se.Code = sc.kind, sc.name
			}
		}
		return nil, se
	case len(data.Recipients) > 1:
		return nil, smskit.Malformed(Name, resp.StatusCode, resp.Header, "", strconv.Itoa(len(data.Recipients))+" recipients for one number")
	}
	rc := data.Recipients[0]
	if rc.Number != msg.To {
		return nil, smskit.Malformed(Name, resp.StatusCode, resp.Header, "", "the recipient entry is for another number")
	}
	code, err := strconv.Atoi(rc.StatusCode.String())
	if err != nil {
		return nil, smskit.Malformed(Name, resp.StatusCode, resp.Header, "", "the recipient has no numeric statusCode")
	}
	status, ok := sentCodes[code]
	if !ok {
		name, kind := recipientKind(code)
		if rc.Status != "" {
			name = smskit.Sanitize(rc.Status)
		}
		return nil, &sms.Error{Kind: kind, Provider: Name, StatusCode: resp.StatusCode, Code: strconv.Itoa(code),
			Message: "Africa's Talking did not send to the recipient: " + name}
	}
	if rc.MessageID == "" || rc.MessageID == "None" {
		return nil, smskit.Malformed(Name, resp.StatusCode, resp.Header, "", "a sent recipient without a messageId")
	}
	return &sms.Receipt{
		Provider: Name, MessageID: rc.MessageID, Status: status, ProviderStatus: rc.Status,
		To: rc.Number, From: msg.From, Segments: seg.Count, Encoding: seg.Encoding, Cost: parseCost(rc.Cost),
		Metadata: maps.Clone(msg.Metadata), AcceptedAt: s.now(),
	}, nil
}

// parseCost reads "KES 0.8000": an ISO 4217 code, a space, an amount. It
// returns nil for anything else ("0", "None").
func parseCost(s string) *sms.Cost {
	cur, amount, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok || len(cur) != 3 || strings.ToUpper(cur) != cur {
		return nil
	}
	if f, err := strconv.ParseFloat(amount, 64); err != nil || f < 0 {
		return nil
	}
	return &sms.Cost{Amount: amount, Currency: cur}
}
