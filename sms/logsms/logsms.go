package logsms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"maps"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/internal/smskit"
)

// Name is the provider name of the log sender's receipts and errors.
const Name = "log"

// Limits is what the log sender accepts: Twilio's limits, the most
// permissive of this module's providers, without requiring a sender.
func Limits() sms.Limits {
	return sms.Limits{Provider: Name, MaxLength: sms.MaxLength, MaxMediaURLs: 10, MessagingService: true, StatusCallback: true}
}

type config struct {
	smskit.Config
	from string
}

// Option configures a Sender. An invalid value makes New fail with an
// error wrapping sms.ErrInvalidConfig.
type Option func(*config) error

// WithFrom sets the sender used when a message has no From (a number, a
// short code or an alphanumeric sender ID; see sms.CheckSender).
func WithFrom(from string) Option {
	return func(c *config) error {
		if err := sms.CheckSender(from); err != nil {
			return sms.ConfigError(Name, "WithFrom", err.Error())
		}
		c.from = from
		return nil
	}
}

// WithClock sets the clock of Receipt.AcceptedAt (time.Now by default).
func WithClock(now func() time.Time) Option {
	return func(c *config) error { return c.SetClock(now) }
}

// WithStore sets the idempotency store that makes a send with an
// IdempotencyKey happen at most once. Without it keys are kept in process
// memory, which de-duplicates within one process only.
func WithStore(s idempotency.Store) Option {
	return func(c *config) error { return c.SetStore(s) }
}

// WithLease sets how long a send holds its key (one minute by default).
func WithLease(d time.Duration) Option {
	return func(c *config) error { return c.SetLease(d) }
}

// WithTTL sets how long a sent key is remembered (72 hours by default).
func WithTTL(d time.Duration) Option {
	return func(c *config) error { return c.SetTTL(d) }
}

// Sender writes messages to a logger. It is safe for concurrent use.
type Sender struct {
	log  *slog.Logger
	from string
	now  func() time.Time
	once *smskit.Once
	obs  *sms.Observer
}

var _ sms.Sender = (*Sender)(nil)

// New returns a Sender that writes every message to l at Info. A nil l,
// or an invalid option, is an error wrapping sms.ErrInvalidConfig.
func New(l *slog.Logger, opts ...Option) (*Sender, error) {
	if l == nil {
		return nil, sms.ConfigError(Name, "logger", "is nil: the log sender writes messages to it")
	}
	cfg := config{Config: smskit.Config{Provider: Name, Logger: l}}
	for _, o := range opts {
		if o == nil {
			return nil, sms.ConfigError(Name, "option", "is nil")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	once, err := smskit.NewOnce(&cfg.Config, 0)
	if err != nil {
		return nil, err
	}
	now := cfg.Clock
	if now == nil {
		now = time.Now
	}
	return &Sender{log: l, from: cfg.from, now: now, once: once, obs: cfg.Observer}, nil
}

// Send validates m against Limits, writes it to the logger and returns a
// Receipt with status sent. With an IdempotencyKey, a repeated send logs
// nothing and returns the first Receipt, Replayed.
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
		msg.From = s.from
	}
	seg, err := sms.Validate(msg, Limits())
	if err != nil {
		return nil, err
	}
	return s.once.Send(ctx, m, func(ctx context.Context) (*sms.Receipt, error) {
		if err := ctx.Err(); err != nil {
			return nil, &sms.Error{Kind: sms.ErrTemporary, Provider: Name, Message: "context done; nothing was logged", Err: err}
		}
		id := "log-" + randomHex(12)
		attrs := []slog.Attr{
			slog.String("provider", Name), slog.String("message_id", id),
			slog.String("to", msg.To), slog.String("from", msg.From),
			slog.String("body", msg.Body), slog.Int("segments", seg.Count), slog.String("encoding", string(seg.Encoding)),
		}
		if msg.MessagingService != "" {
			attrs = append(attrs, slog.String("messaging_service", msg.MessagingService))
		}
		if len(msg.MediaURLs) > 0 {
			attrs = append(attrs, slog.Any("media_urls", msg.MediaURLs))
		}
		if len(msg.Metadata) > 0 {
			attrs = append(attrs, slog.Any("metadata", msg.Metadata))
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "sms message (written to the log, not sent)", attrs...)
		return &sms.Receipt{
			Provider: Name, MessageID: id, Status: sms.StatusSent, ProviderStatus: "logged",
			To: msg.To, From: msg.From, Segments: seg.Count, Encoding: seg.Encoding,
			Metadata: maps.Clone(msg.Metadata), AcceptedAt: s.now(),
		}, nil
	})
}

// Close releases the default memory store. A Send after Close fails with
// sms.ErrClosed. It is safe to call more than once.
func (s *Sender) Close() error { return s.once.Close() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
