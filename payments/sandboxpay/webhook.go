package sandboxpay

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/webhooks"
)

// Delivery records one webhook event the sandbox delivered, or tried to.
type Delivery struct {
	// ID is the webhook-id header value ("msg_...").
	ID string
	// Type is the event type ("payment.succeeded").
	Type string
	// Target is the URL delivered to, or "handler" for the handler set
	// with SetWebhookHandler.
	Target string
	// Body is the signed JSON body.
	Body []byte
	// Attempts is how many times the delivery was tried.
	Attempts int
	// StatusCode is the HTTP status of the last attempt (0 when the target
	// could not be reached).
	StatusCode int
	// Err is nil when the target finally answered 2xx.
	Err error
}

// message is one signed event, ready to send.
type message struct {
	id        string
	eventType string
	timestamp time.Time
	body      []byte
}

// wireEvent is the JSON body of a delivery.
type wireEvent struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

type wirePayment struct {
	Object         string            `json:"object"`
	ID             string            `json:"id"`
	Status         string            `json:"status"`
	Amount         int64             `json:"amount"`
	Currency       string            `json:"currency"`
	AmountRefunded int64             `json:"amount_refunded"`
	Reference      string            `json:"reference"`
	CustomerEmail  string            `json:"customer_email"`
	Metadata       map[string]string `json:"metadata"`
	FailureCode    string            `json:"failure_code"`
	FailureMessage string            `json:"failure_message"`
	CreatedAt      time.Time         `json:"created_at"`
}

type wireRefund struct {
	Object         string       `json:"object"`
	ID             string       `json:"id"`
	PaymentID      string       `json:"payment_id"`
	Status         string       `json:"status"`
	Amount         int64        `json:"amount"`
	Currency       string       `json:"currency"`
	Reason         string       `json:"reason"`
	FailureCode    string       `json:"failure_code"`
	FailureMessage string       `json:"failure_message"`
	CreatedAt      time.Time    `json:"created_at"`
	Payment        *wirePayment `json:"payment"`
}

type wireDispute struct {
	Object    string       `json:"object"`
	ID        string       `json:"id"`
	PaymentID string       `json:"payment_id"`
	Amount    int64        `json:"amount"`
	Currency  string       `json:"currency"`
	Reason    string       `json:"reason"`
	Payment   *wirePayment `json:"payment"`
}

func paymentData(p *payments.Payment) *wirePayment {
	return &wirePayment{
		Object:         "payment",
		ID:             p.ID,
		Status:         string(p.Status),
		Amount:         p.Amount.Amount,
		Currency:       string(p.Amount.Currency),
		AmountRefunded: p.AmountRefunded,
		Reference:      p.Reference,
		CustomerEmail:  p.CustomerEmail,
		Metadata:       cloneMap(p.Metadata),
		FailureCode:    p.FailureCode,
		FailureMessage: p.FailureMessage,
		CreatedAt:      p.CreatedAt,
	}
}

func refundData(r *refund, p *payments.Payment) *wireRefund {
	return &wireRefund{
		Object:         "refund",
		ID:             r.r.ID,
		PaymentID:      r.r.PaymentID,
		Status:         string(r.r.Status),
		Amount:         r.r.Amount.Amount,
		Currency:       string(r.r.Amount.Currency),
		Reason:         r.r.Reason,
		FailureCode:    r.failureCode,
		FailureMessage: r.failureMessage,
		CreatedAt:      r.r.CreatedAt,
		Payment:        paymentData(p),
	}
}

func disputeData(p *payments.Payment, reason string) *wireDispute {
	return &wireDispute{
		Object:    "dispute",
		ID:        "dp_" + randomHex(12),
		PaymentID: p.ID,
		Amount:    p.Amount.Amount,
		Currency:  string(p.Amount.Currency),
		Reason:    reason,
		Payment:   paymentData(p),
	}
}

// newMessage builds and serializes an event. It is called with p.mu held,
// so the body reflects the state at the moment of the change.
func (p *Provider) newMessage(eventType string, data any) *message {
	raw, _ := json.Marshal(data) // plain structs: cannot fail
	now := p.cfg.now().UTC()
	body, _ := json.Marshal(wireEvent{Type: eventType, Timestamp: now, Data: raw})
	return &message{id: "msg_" + randomHex(12), eventType: eventType, timestamp: now, body: body}
}

// sign returns the webhook-signature header value for a message: "v1,"
// followed by the base64 HMAC-SHA256 of id.timestamp.body.
func sign(key []byte, id string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignedHeaders returns the Standard Webhooks headers that sign body as a
// delivery with the given id and time, with this provider's secret. Tests
// use it to build deliveries of their own.
func (p *Provider) SignedHeaders(id string, ts time.Time, body []byte) http.Header {
	h := make(http.Header)
	h.Set("Content-Type", "application/json")
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("webhook-signature", sign(p.key, id, ts.Unix(), body))
	return h
}

// MaxDeliveryLog is how many deliveries Deliveries remembers; older ones
// are forgotten, so a long-running demo server does not grow without bound.
const MaxDeliveryLog = 1000

// Deliveries returns the deliveries made so far, oldest first: all of them,
// or the last MaxDeliveryLog.
func (p *Provider) Deliveries() []Delivery {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Delivery(nil), p.log...)
}

// deliverQuietly delivers and only logs a final failure: used by the
// payments.Provider methods.
func (p *Provider) deliverQuietly(ctx context.Context, m *message) {
	if err := p.deliver(ctx, m); err != nil {
		p.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "sandboxpay: webhook delivery failed",
			slog.String("webhook_id", m.id), slog.String("type", m.eventType), slog.Any("error", err))
	}
}

// SetWebhookHandler makes the sandbox deliver every later event straight
// to h, in the same process, with no network in between; nil stops it. It
// may be combined with WithWebhookURL, and called at any time, from any
// goroutine. The usual wiring builds the handler from the sandbox's own
// Verifier and attaches it:
//
//	sandbox, err := sandboxpay.New()
//	verifier, err := sandbox.Verifier()
//	h := webhooks.NewHandler(verifier)
//	payments.Handle(h, sandbox, onPaymentEvent)
//	sandbox.SetWebhookHandler(h)
func (p *Provider) SetWebhookHandler(h http.Handler) {
	p.mu.Lock()
	p.handler = h
	p.mu.Unlock()
}

// deliver sends m to every configured target, retrying each with backoff.
func (p *Provider) deliver(ctx context.Context, m *message) error {
	var firstErr error
	if p.cfg.url != "" {
		if err := p.deliverTo(ctx, m, p.cfg.url, p.postURL); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	p.mu.Lock()
	h := p.handler
	p.mu.Unlock()
	if h != nil {
		serve := func(ctx context.Context, m *message, hdr http.Header) (int, error) {
			return p.serveHandler(ctx, h, m, hdr)
		}
		if err := p.deliverTo(ctx, m, "handler", serve); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

type sendFunc func(ctx context.Context, m *message, h http.Header) (int, error)

func (p *Provider) deliverTo(ctx context.Context, m *message, target string, send sendFunc) error {
	rec := Delivery{ID: m.id, Type: m.eventType, Target: target, Body: m.body}
	h := p.SignedHeaders(m.id, m.timestamp, m.body)
	backoff := p.cfg.backoff
	var err error
	for attempt := 0; ; attempt++ {
		rec.Attempts++
		var status int
		status, err = send(ctx, m, h)
		rec.StatusCode = status
		if err == nil && (status < 200 || status > 299) {
			err = fmt.Errorf("target answered %d", status)
		}
		if err == nil || attempt >= p.cfg.retries {
			break
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w; retries stopped: %w", err, ctx.Err())
			break
		}
		p.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "sandboxpay: retrying webhook delivery",
			slog.String("webhook_id", m.id), slog.Int("attempt", rec.Attempts), slog.Any("error", err))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w; retries stopped: %w", err, ctx.Err())
			break
		}
		backoff = min(backoff*2, p.cfg.maxBackoff)
	}
	if err != nil {
		err = fmt.Errorf("%w: %s to %s after %d attempts: %w", ErrDeliveryFailed, m.eventType, target, rec.Attempts, err)
		rec.Err = err
	}
	p.mu.Lock()
	if len(p.log) >= MaxDeliveryLog {
		n := copy(p.log, p.log[len(p.log)-MaxDeliveryLog+1:])
		clear(p.log[n:])
		p.log = p.log[:n]
	}
	p.log = append(p.log, rec)
	p.mu.Unlock()
	return err
}

func (p *Provider) postURL(ctx context.Context, m *message, h http.Header) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.url, bytes.NewReader(m.body))
	if err != nil {
		return 0, err
	}
	req.Header = h.Clone()
	resp, err := p.cfg.httpClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

func (p *Provider) serveHandler(ctx context.Context, handler http.Handler, m *message, h http.Header) (int, error) {
	target := p.cfg.url
	if target == "" {
		target = "http://localhost/webhooks/sandbox"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(m.body))
	if err != nil {
		return 0, err
	}
	req.Header = h.Clone()
	req.RemoteAddr = "127.0.0.1:0"
	rr := httptest.NewRecorder()
	handler.ServeHTTP(rr, req)
	return rr.Code, nil
}

// Verifier returns a Standard Webhooks verifier for this sandbox's
// deliveries whose Provider() and whose events' Provider are Name
// ("sandbox"), so that a webhooks.Handler built on it keys, logs and
// reports the sandbox's events as the sandbox's ("sandbox:msg_..."), not
// as "standardwebhooks". It reads timestamps from the sandbox's clock
// (WithClock) so that deliveries made under a fixed test clock verify.
// opts are applied after the clock and the name and may replace them.
func (p *Provider) Verifier(opts ...webhooks.VerifierOption) (*webhooks.StandardWebhooksVerifier, error) {
	all := append([]webhooks.VerifierOption{webhooks.WithClock(p.cfg.now), webhooks.WithProviderName(Name)}, opts...)
	return webhooks.NewStandardWebhooks(p.cfg.secret, all...)
}
