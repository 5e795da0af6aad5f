package sandboxpay_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
	"github.com/switchboard-go/switchboard/webhooks"
)

// A test drives a payment through the sandbox and checks what its webhook
// handler received, verified and normalized as in production.
func Example() {
	ctx := context.Background()
	p := sandboxpay.New()

	// The application's webhook endpoint, verifying the sandbox's secret.
	v, _ := p.Verifier()
	h, err := webhooks.NewHandler(v, webhooks.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		panic(err)
	}
	payments.Handle(h, p, func(ctx context.Context, ev *payments.Event) error {
		fmt.Println("webhook:", ev.Type, ev.Reference, ev.Amount.Amount, ev.Amount.Currency)
		return nil
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	sandbox := sandboxpay.New(
		sandboxpay.WithWebhookSecret(p.WebhookSecret()),
		sandboxpay.WithWebhookURL(srv.URL),
	)
	pay, err := sandbox.CreatePayment(ctx, payments.CreatePaymentParams{
		Amount:         payments.Money{Amount: 2999, Currency: "USD"},
		CustomerEmail:  "ada@example.com",
		Reference:      "order-42",
		IdempotencyKey: "order-42",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created:", pay.Status, pay.NextAction.Type)

	pay, err = sandbox.Succeed(ctx, pay.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("now:", pay.Status)

	r, _ := sandbox.Refund(ctx, payments.RefundParams{PaymentID: pay.ID, Amount: 999})
	pay, _ = sandbox.GetPayment(ctx, pay.ID)
	fmt.Println("refund:", r.Status, r.Amount.Amount, "payment:", pay.Status)
	// Output:
	// created: requires_action confirm_with_client_secret
	// webhook: payment.succeeded order-42 2999 USD
	// now: succeeded
	// webhook: refund.succeeded order-42 999 USD
	// refund: succeeded 999 payment: partially_refunded
}

// FailNext makes the next call fail with a chosen error, for testing an
// application's error paths.
func ExampleProvider_FailNext() {
	p := sandboxpay.New()
	p.FailNext(&payments.Error{Kind: payments.ErrRateLimited, Provider: sandboxpay.Name, Code: "rate_limited"})
	_, err := p.CreatePayment(context.Background(), payments.CreatePaymentParams{
		Amount: payments.Money{Amount: 100, Currency: "USD"},
	})
	fmt.Println(payments.IsRetryable(err), err)
	// Output:
	// true sandbox: payments: rate limited (rate_limited)
}
