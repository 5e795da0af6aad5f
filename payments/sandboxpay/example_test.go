package sandboxpay_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
	"github.com/switchboard-go/switchboard/webhooks"
)

// A test drives a payment through the sandbox and checks what its webhook
// handler received, verified and normalized as in production. The sandbox
// exists first, with its secret; the handler is built from the sandbox's
// verifier; then the sandbox is told where to deliver.
func Example() {
	ctx := context.Background()
	sandbox, err := sandboxpay.New()
	if err != nil {
		fmt.Println(err)
		return
	}

	// The application's webhook endpoint, verifying the sandbox's secret.
	verifier, err := sandbox.Verifier()
	if err != nil {
		fmt.Println(err)
		return
	}
	h, err := webhooks.NewHandler(verifier, webhooks.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		fmt.Println(err)
		return
	}
	payments.Handle(h, sandbox, func(ctx context.Context, ev *payments.Event) error {
		fmt.Println("webhook:", ev.Type, ev.Reference, ev.Amount)
		return nil
	})
	sandbox.SetWebhookHandler(h) // or sandboxpay.WithWebhookURL(srv.URL) for a server

	pay, err := sandbox.CreatePayment(ctx, payments.CreatePaymentParams{
		Amount:         payments.Money{Amount: 2999, Currency: "usd"},
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
	fmt.Println("refund:", r.Status, r.Amount, "payment:", pay.Status)
	// Output:
	// created: requires_action confirm_with_client_secret
	// webhook: payment.succeeded order-42 29.99 USD
	// now: succeeded
	// webhook: refund.succeeded order-42 9.99 USD
	// refund: succeeded 9.99 USD payment: partially_refunded
}

// FailNext makes the next call fail with a chosen error, for testing an
// application's error paths.
func ExampleProvider_FailNext() {
	p, err := sandboxpay.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	p.FailNext(&payments.Error{Kind: payments.ErrRateLimited, Provider: sandboxpay.Name, Code: "rate_limited"})
	_, err = p.CreatePayment(context.Background(), payments.CreatePaymentParams{
		Amount: payments.Money{Amount: 100, Currency: "USD"},
	})
	fmt.Println(payments.IsRetryable(err), err)
	// Output:
	// true sandbox: payments: rate limited (rate_limited)
}
