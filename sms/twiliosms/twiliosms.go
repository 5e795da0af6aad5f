package twiliosms

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
const Name = "twilio"

// DefaultBaseURL is the Twilio REST API host.
const DefaultBaseURL = "https://api.twilio.com"

// RequestIDHeader is the header of Twilio's answers that carries the
// request id (RQ...), kept in sms.Error.RequestID.
const RequestIDHeader = "Twilio-Request-Id"

const userAgent = "switchboard-go/twiliosms"

// Limits is what the Messages API accepts: a body of at most 1,600
// characters, at most 10 media URLs, a Messaging Service instead of From,
// a StatusCallback per message, and a sender (From, a Messaging Service,
// or the Sender's default) on every message.
func Limits() sms.Limits {
	return sms.Limits{Provider: Name, MaxLength: sms.MaxLength, MaxMediaURLs: 10, MessagingService: true, StatusCallback: true, RequireSender: true}
}

type config struct {
	smskit.Config
	baseURL        string
	from           string
	service        string
	statusCallback string
}

// Option configures a Sender. An invalid value makes New fail with an
// error wrapping sms.ErrInvalidConfig that names the option.
type Option func(*config) error

// WithBaseURL replaces the API host (DefaultBaseURL), for tests, a proxy
// or a regional edge; "/2010-04-01/Accounts/{AccountSid}/Messages.json" is
// appended to it. It must be an absolute http(s) URL without user
// information, query or fragment.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		b, err := smskit.BaseURL(Name, u)
		c.baseURL = b
		return err
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
// idempotency keys stay off whatever they say (the Messages API takes no
// idempotency key, so a retried POST could send twice), and
// httpclient.WithBaseURL is an error (use WithBaseURL).
func WithHTTPOptions(opts ...httpclient.Option) Option {
	return func(c *config) error { return c.AddHTTPOptions(opts) }
}

// WithLogger logs each send (outcome, message id, status, segments,
// duration) and each HTTP attempt to l. Without it the Sender logs
// nowhere. Credentials, bodies and numbers are never logged.
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
// margin, so that no retry can claim the key while a send is in flight;
// New refuses a shorter one.
func WithLease(d time.Duration) Option {
	return func(c *config) error { return c.SetLease(d) }
}

// WithTTL sets how long a sent key is remembered (72 hours by default).
func WithTTL(d time.Duration) Option {
	return func(c *config) error { return c.SetTTL(d) }
}

// WithFrom sets the sender of messages without From or MessagingService:
// a Twilio number in E.164 form, a short code or an alphanumeric sender
// ID. It is exclusive with WithMessagingService.
func WithFrom(from string) Option {
	return func(c *config) error {
		if err := sms.CheckSender(from); err != nil {
			return sms.ConfigError(Name, "WithFrom", err.Error())
		}
		c.from = from
		return nil
	}
}

// WithMessagingService sends messages without From or MessagingService
// through a Messaging Service ("MG" and 32 hex digits), which picks the
// sender from its pool. It is exclusive with WithFrom.
func WithMessagingService(sid string) Option {
	return func(c *config) error {
		if _, err := sms.Validate(&sms.Message{To: "+10000000000", MessagingService: sid, Body: "x"}, Limits()); err != nil {
			return sms.ConfigError(Name, "WithMessagingService", `the SID must be "MG" followed by 32 hexadecimal digits`)
		}
		c.service = sid
		return nil
	}
}

// WithStatusCallback sets the URL Twilio posts status callbacks to for
// messages without their own StatusCallback: the URL of a webhooks.Handler
// built on webhooks.NewTwilio with the same URL in WithPublicURL (Twilio
// signs the URL it calls). It must be an absolute http(s) URL whose host
// has no underscore.
func WithStatusCallback(u string) Option {
	return func(c *config) error {
		if _, err := sms.Validate(&sms.Message{To: "+10000000000", From: "X", StatusCallback: u, Body: "x"}, Limits()); err != nil {
			return sms.ConfigError(Name, "WithStatusCallback", "must be an absolute http(s) URL with a host without underscores")
		}
		c.statusCallback = u
		return nil
	}
}

// Sender sends messages through Twilio's Programmable Messaging API. It is
// safe for concurrent use.
type Sender struct {
	endpoint       string
	from           string
	service        string
	statusCallback string
	client         *httpclient.Client
	once           *smskit.Once
	now            func() time.Time
	obs            *sms.Observer
}

var _ sms.Sender = (*Sender)(nil)

// New returns a Sender for the account accountSID ("AC" and 32 hex
// digits), authenticating with HTTP Basic credentials: the account SID and
// its Auth Token. A malformed SID, an empty, blank, padded or
// non-alphanumeric token, WithFrom together with WithMessagingService, or
// any invalid option is an error wrapping sms.ErrInvalidConfig that never
// quotes the token.
func New(accountSID, authToken string, opts ...Option) (*Sender, error) {
	if !validSID(accountSID, "AC") {
		return nil, sms.ConfigError(Name, "account SID", `must be "AC" followed by 32 hexadecimal digits`)
	}
	if err := smskit.CheckCredential(Name, "auth token", authToken); err != nil {
		return nil, err
	}
	if !alphanumeric(authToken) {
		return nil, sms.ConfigError(Name, "auth token", "must hold only letters and digits")
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
	if cfg.from != "" && cfg.service != "" {
		return nil, sms.ConfigError(Name, "WithMessagingService", "is exclusive with WithFrom: give one")
	}
	cfg.HTTPOptions = append([]httpclient.Option{httpclient.WithBasicAuth(accountSID, authToken)}, cfg.HTTPOptions...)
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
		endpoint:       cfg.baseURL + "/2010-04-01/Accounts/" + accountSID + "/Messages.json",
		from:           cfg.from,
		service:        cfg.service,
		statusCallback: cfg.statusCallback,
		client:         client,
		once:           once,
		now:            now,
		obs:            cfg.Observer,
	}, nil
}

// String describes the Sender without its credentials.
func (s *Sender) String() string {
	return fmt.Sprintf("twiliosms.Sender{endpoint: %s}", s.endpoint)
}

// GoString is String, so that %#v does not print the token either.
func (s *Sender) GoString() string { return s.String() }

// Close releases idle connections and the default memory store. A Send
// after Close fails with sms.ErrClosed. It is safe to call more than once.
func (s *Sender) Close() error { return s.once.Close() }

// Send validates m against Limits and creates the message: a form POST of
// To, From or MessagingServiceSid, Body, MediaUrl and StatusCallback that
// Twilio answers 201 with the Message resource. The Receipt carries the
// message sid, its status (queued, or accepted with a Messaging Service:
// both StatusQueued), num_segments (or the computed count while Twilio
// reports 0) and the price when Twilio gives one.
//
// Errors are *sms.Error values mapped from Twilio's error codes (see the
// package documentation); the request is never retried here. With an
// IdempotencyKey the send happens at most once per key (see package sms).
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
	if msg != nil && msg.From == "" && msg.MessagingService == "" {
		msg.From, msg.MessagingService = s.from, s.service
	}
	if msg != nil && msg.StatusCallback == "" {
		msg.StatusCallback = s.statusCallback
	}
	seg, err := sms.Validate(msg, Limits())
	if err != nil {
		return nil, err
	}
	form := requestForm(msg)
	return s.once.Send(ctx, m, func(ctx context.Context) (*sms.Receipt, error) {
		tctx, written := smskit.TrackWrite(ctx)
		resp, err := s.client.Post(tctx, s.endpoint, form, httpclient.WithRequestHeader("Accept", "application/json"))
		if err != nil {
			return nil, smskit.HTTPError(Name, err, written(), RequestIDHeader, classify)
		}
		return s.receipt(resp, msg, seg)
	})
}

// requestForm builds the Messages API parameters of msg.
func requestForm(msg *sms.Message) url.Values {
	form := url.Values{"To": {msg.To}}
	if msg.From != "" {
		form.Set("From", msg.From)
	} else {
		form.Set("MessagingServiceSid", msg.MessagingService)
	}
	if msg.Body != "" {
		form.Set("Body", msg.Body)
	}
	for _, u := range msg.MediaURLs {
		form.Add("MediaUrl", u)
	}
	if msg.StatusCallback != "" {
		form.Set("StatusCallback", msg.StatusCallback)
	}
	return form
}

// message is the part of Twilio's Message resource a Sender reads.
type message struct {
	SID         string          `json:"sid"`
	Status      string          `json:"status"`
	To          string          `json:"to"`
	From        *string         `json:"from"`
	NumSegments json.RawMessage `json:"num_segments"`
	Price       *string         `json:"price"`
	PriceUnit   *string         `json:"price_unit"`
	ErrorCode   *int            `json:"error_code"`
	ErrorMsg    *string         `json:"error_message"`
}

// parseMessage reads a Message resource. It never panics; an answer that
// is not one is an error saying what is wrong.
func parseMessage(body []byte) (*message, error) {
	var msg message
	if err := json.Unmarshal(body, &msg); err != nil {
		return nil, fmt.Errorf("not a JSON Message resource: %w", err)
	}
	if !validSID(msg.SID, "SM") && !validSID(msg.SID, "MM") {
		return nil, fmt.Errorf("the sid is missing or is not SM/MM and 32 hex digits")
	}
	if msg.Status == "" {
		return nil, fmt.Errorf("the status is missing")
	}
	return &msg, nil
}

// receipt turns a 2xx answer into a Receipt, or an error when Twilio
// reports the message failed or the answer cannot be read.
func (s *Sender) receipt(resp *httpclient.Response, msg *sms.Message, seg sms.Segments) (*sms.Receipt, error) {
	if resp.StatusCode != http.StatusCreated {
		return nil, smskit.Malformed(Name, resp.StatusCode, resp.Header, RequestIDHeader, "Twilio answers 201 Created to a new message")
	}
	tm, err := parseMessage(resp.Body)
	if err != nil {
		return nil, smskit.Malformed(Name, resp.StatusCode, resp.Header, RequestIDHeader, err.Error())
	}
	status := NormalizeStatus(tm.Status)
	if status == sms.StatusFailed || status == sms.StatusUndelivered {
		se := &sms.Error{Kind: sms.ErrRejected, Provider: Name, StatusCode: resp.StatusCode, Message: "Twilio created the message as " + tm.Status,
			RequestID: resp.Header.Get(RequestIDHeader)}
		if tm.ErrorCode != nil {
			se.Code = strconv.Itoa(*tm.ErrorCode)
			se.Kind = kindOf(*tm.ErrorCode, resp.StatusCode)
		}
		if tm.ErrorMsg != nil {
			se.Message = smskit.Sanitize(*tm.ErrorMsg)
		}
		return nil, se
	}
	r := &sms.Receipt{
		Provider: Name, MessageID: tm.SID, Status: status, ProviderStatus: tm.Status,
		To: tm.To, Segments: seg.Count, Encoding: seg.Encoding,
		Metadata: maps.Clone(msg.Metadata), AcceptedAt: s.now(),
	}
	if r.To == "" {
		r.To = msg.To
	}
	if tm.From != nil {
		r.From = *tm.From
	}
	if n := numSegments(tm.NumSegments); n > 0 {
		r.Segments = n
	}
	if tm.Price != nil && *tm.Price != "" {
		cost := &sms.Cost{Amount: strings.TrimPrefix(*tm.Price, "-")}
		if tm.PriceUnit != nil {
			cost.Currency = strings.ToUpper(*tm.PriceUnit)
		}
		if _, err := strconv.ParseFloat(cost.Amount, 64); err == nil {
			r.Cost = cost
		}
	}
	return r, nil
}

// numSegments reads num_segments, a string of digits ("1"), or a number.
func numSegments(raw json.RawMessage) int {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var n int
		if json.Unmarshal(raw, &n) != nil {
			return 0
		}
		return max(n, 0)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// validSID reports whether s is prefix followed by 32 hex digits.
func validSID(s, prefix string) bool {
	if len(s) != 34 || s[:2] != prefix {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func alphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
