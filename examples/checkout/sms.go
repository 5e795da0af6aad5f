package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/africastalkingsms"
	"github.com/switchboard-go/switchboard/sms/e164"
	"github.com/switchboard-go/switchboard/sms/logsms"
	"github.com/switchboard-go/switchboard/sms/twiliosms"
	"github.com/switchboard-go/switchboard/webhooks"
)

// smsConfig is the text-message part of the configuration.
type smsConfig struct {
	Provider string // SMS_PROVIDER: twilio, africastalking or log (default: the one whose credentials are set, else log)
	Region   string // SMS_REGION: the country of phone numbers typed without +country code (default GH)

	TwilioAccountSID string // TWILIO_ACCOUNT_SID
	TwilioAuthToken  string // TWILIO_AUTH_TOKEN
	TwilioFrom       string // TWILIO_FROM: a Twilio number, short code or sender ID
	TwilioAPIURL     string // TWILIO_API_URL: a proxy or a fake instead of api.twilio.com

	ATUsername      string // AFRICASTALKING_USERNAME ("sandbox" for the sandbox)
	ATAPIKey        string // AFRICASTALKING_API_KEY
	ATFrom          string // AFRICASTALKING_FROM: a registered sender ID or short code
	ATAPIURL        string // AFRICASTALKING_API_URL: a proxy or a fake instead of api.africastalking.com
	ATCallbackToken string // AFRICASTALKING_CALLBACK_TOKEN: the token of the delivery-report URL
}

func smsConfigFromEnv(getenv func(string) string) smsConfig {
	c := smsConfig{
		Provider:         strings.ToLower(getenv("SMS_PROVIDER")),
		Region:           getenv("SMS_REGION"),
		TwilioAccountSID: getenv("TWILIO_ACCOUNT_SID"),
		TwilioAuthToken:  getenv("TWILIO_AUTH_TOKEN"),
		TwilioFrom:       getenv("TWILIO_FROM"),
		TwilioAPIURL:     getenv("TWILIO_API_URL"),
		ATUsername:       getenv("AFRICASTALKING_USERNAME"),
		ATAPIKey:         getenv("AFRICASTALKING_API_KEY"),
		ATFrom:           getenv("AFRICASTALKING_FROM"),
		ATAPIURL:         getenv("AFRICASTALKING_API_URL"),
		ATCallbackToken:  getenv("AFRICASTALKING_CALLBACK_TOKEN"),
	}
	if c.Region == "" {
		c.Region = "GH"
	}
	if c.Provider == "" {
		switch {
		case c.TwilioAccountSID != "":
			c.Provider = "twilio"
		case c.ATUsername != "":
			c.Provider = "africastalking"
		default:
			c.Provider = "log"
		}
	}
	return c
}

// smsService is the app's text messages: the receipt text of each order
// and the delivery reports that follow it.
type smsService struct {
	sender sms.Sender
	closer interface{ Close() error }
	name   string
	db     *sql.DB
}

const orderSMSSchema = `
CREATE TABLE IF NOT EXISTS order_sms (
	order_id    INTEGER NOT NULL,
	provider    TEXT    NOT NULL,
	message_id  TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	updated_at  TEXT    NOT NULL,
	PRIMARY KEY (provider, message_id)
)`

// setupSMS builds the sender SMS_PROVIDER names and mounts the delivery
// report endpoint of its provider: /webhooks/twilio (the status callback
// every message names, so PUBLIC_URL must be what Twilio reaches) or
// /webhooks/africastalking (register the URL with the token in the
// Africa's Talking dashboard).
func (a *app) setupSMS(ctx context.Context, baseURL string) error {
	c := a.cfg.SMS
	if _, err := a.orders.db.ExecContext(ctx, orderSMSSchema); err != nil {
		return fmt.Errorf("create order_sms table: %w", err)
	}
	s := &smsService{name: c.Provider, db: a.orders.db}
	a.sms = s
	public := strings.TrimRight(a.cfg.Login.PublicURL, "/")
	if public == "" {
		public = strings.TrimRight(baseURL, "/")
	}
	switch c.Provider {
	case "twilio":
		callback := public + "/webhooks/twilio"
		opts := []twiliosms.Option{twiliosms.WithStore(a.store), twiliosms.WithLogger(a.log), twiliosms.WithStatusCallback(callback)}
		if c.TwilioFrom != "" {
			opts = append(opts, twiliosms.WithFrom(c.TwilioFrom))
		}
		if c.TwilioAPIURL != "" {
			opts = append(opts, twiliosms.WithBaseURL(c.TwilioAPIURL))
		}
		opts = observedHTTP(a.tel, observed(a.tel, opts, twiliosms.WithObserver), twiliosms.WithHTTPOptions)
		sender, err := twiliosms.New(c.TwilioAccountSID, c.TwilioAuthToken, opts...)
		if err != nil {
			return fmt.Errorf("TWILIO_*: %w", err)
		}
		s.sender, s.closer = sender, sender
		v, err := webhooks.NewTwilio(c.TwilioAuthToken, webhooks.WithPublicURL(callback))
		if err != nil {
			return fmt.Errorf("twilio status callbacks: %w", err)
		}
		return a.mountReports("twilio", v, twiliosms.ReportParser{})
	case "africastalking":
		var opts []africastalkingsms.Option
		switch {
		case c.ATAPIURL != "":
			opts = append(opts, africastalkingsms.WithBaseURL(c.ATAPIURL))
		case c.ATUsername == africastalkingsms.SandboxUsername:
			opts = append(opts, africastalkingsms.WithSandbox())
		}
		if c.ATFrom != "" {
			opts = append(opts, africastalkingsms.WithFrom(c.ATFrom))
		}
		opts = append(opts, africastalkingsms.WithStore(a.store), africastalkingsms.WithLogger(a.log))
		opts = observedHTTP(a.tel, observed(a.tel, opts, africastalkingsms.WithObserver), africastalkingsms.WithHTTPOptions)
		sender, err := africastalkingsms.New(c.ATUsername, c.ATAPIKey, opts...)
		if err != nil {
			return fmt.Errorf("AFRICASTALKING_*: %w", err)
		}
		s.sender, s.closer = sender, sender
		if c.ATCallbackToken == "" {
			return errors.New("AFRICASTALKING_CALLBACK_TOKEN is required: Africa's Talking signs no delivery report, so the report URL carries this token (make one with: switchboard webhooks keygen --provider africastalking)")
		}
		v, err := webhooks.NewAfricasTalking(c.ATCallbackToken, webhooks.WithPublicURL(public+"/webhooks/africastalking"))
		if err != nil {
			return fmt.Errorf("AFRICASTALKING_CALLBACK_TOKEN: %w", err)
		}
		return a.mountReports("africastalking", v, africastalkingsms.ReportParser{})
	case "log":
		sender, err := logsms.New(a.log, observed(a.tel, []logsms.Option{logsms.WithStore(a.store)}, logsms.WithObserver)...)
		if err != nil {
			return fmt.Errorf("log sms: %w", err)
		}
		s.sender, s.closer = sender, sender
		return nil
	}
	return fmt.Errorf("SMS_PROVIDER %q is not one of twilio, africastalking, log", c.Provider)
}

// mountReports mounts the delivery report endpoint of a provider.
func (a *app) mountReports(name string, v webhooks.Verifier, p sms.ReportParser) error {
	h, err := webhooks.NewHandler(v, a.observeWebhooks(webhooks.WithStore(a.store), webhooks.WithLogger(a.log))...)
	if err != nil {
		return fmt.Errorf("%s reports: %w", name, err)
	}
	sms.Handle(h, p, a.sms.onReport)
	a.mux.Handle("/webhooks/"+name, h)
	return nil
}

func (s *smsService) close() error {
	if s == nil || s.closer == nil {
		return nil
	}
	return s.closer.Close()
}

// normalizePhone turns the phone of a create-intent request into E.164.
func (a *app) normalizePhone(raw string) (string, error) {
	return e164.Normalize(raw, a.cfg.SMS.Region)
}

// sendReceiptSMS texts the buyer when the payment carries a phone. The
// idempotency key is the order's payment, so the webhook delivered again
// (by the provider, or after another step of fulfilment failed) never
// texts twice, whichever replica runs it.
func (a *app) sendReceiptSMS(ctx context.Context, ord Order, e *payments.Event) error {
	phone := e.Metadata["phone"]
	if phone == "" {
		return nil
	}
	r, err := a.sms.sender.Send(ctx, &sms.Message{
		To:             phone,
		Body:           fmt.Sprintf("Switchboard Checkout: order %d is paid (%s). Thank you!", ord.ID, e.Amount.String()),
		IdempotencyKey: "order-receipt:" + ord.Provider + ":" + ord.PaymentID,
		Metadata:       map[string]string{"order_id": fmt.Sprint(ord.ID)},
	})
	switch {
	case errors.Is(err, sms.ErrUnknownOutcome) && !errors.Is(err, sms.ErrTemporary):
		// An earlier attempt may have texted: never again under this key.
		a.log.Warn("receipt sms outcome unknown; not sent again", "order_id", ord.ID, "err", err)
		return nil
	case errors.Is(err, sms.ErrTemporary):
		return fmt.Errorf("receipt sms: %w", err) // 500: the provider delivers the event again
	case err != nil:
		// A refusal (unsubscribed, invalid number) will not change on retry.
		a.log.Warn("receipt sms refused", "order_id", ord.ID, "err", err)
		return nil
	}
	_, err = a.sms.db.ExecContext(ctx,
		`INSERT INTO order_sms (order_id, provider, message_id, status, updated_at) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT (provider, message_id) DO NOTHING`,
		ord.ID, r.Provider, r.MessageID, string(r.Status), time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("record receipt sms: %w", err)
	}
	a.log.Info("receipt sms sent", "order_id", ord.ID, "message_id", r.MessageID, "segments", r.Segments, "replayed", r.Replayed)
	return nil
}

// onReport records a delivery report: the status of higher rank wins, so a
// report that arrives late never moves a message back.
func (s *smsService) onReport(ctx context.Context, r *sms.Report) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var current string
	err = tx.QueryRowContext(ctx, `SELECT status FROM order_sms WHERE provider = ? AND message_id = ?`, r.Provider, r.MessageID).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // not a receipt text of ours (or an inbound message)
	}
	if err != nil {
		return err
	}
	next := sms.Advance(sms.Status(current), r.Status)
	if string(next) == current {
		return tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE order_sms SET status = ?, updated_at = ? WHERE provider = ? AND message_id = ?`,
		string(next), time.Now().UTC().Format(time.RFC3339Nano), r.Provider, r.MessageID); err != nil {
		return err
	}
	return tx.Commit()
}

// OrderSMS is the receipt text of an order, as GET /orders shows it.
type OrderSMS struct {
	Provider  string `json:"provider"`
	MessageID string `json:"message_id"`
	Status    string `json:"status"`
}

// attachSMS fills each order's receipt text and its latest status.
func (a *app) attachSMS(ctx context.Context, orders []Order) error {
	for i := range orders {
		var o OrderSMS
		err := a.sms.db.QueryRowContext(ctx, `SELECT provider, message_id, status FROM order_sms WHERE order_id = ? ORDER BY updated_at DESC LIMIT 1`,
			orders[i].ID).Scan(&o.Provider, &o.MessageID, &o.Status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			orders[i].SMS = &o
		}
	}
	return nil
}
