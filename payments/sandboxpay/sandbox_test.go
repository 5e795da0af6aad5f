package sandboxpay_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
)

var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func fixedClock() time.Time { return fixedNow }

// newSandbox returns a sandbox, failing the test when New does.
func newSandbox(t testing.TB, opts ...sandboxpay.Option) *sandboxpay.Provider {
	t.Helper()
	p, err := sandboxpay.New(opts...)
	require.NoError(t, err)
	return p
}

// newSandboxTo returns a sandbox that delivers its webhooks to h.
func newSandboxTo(t testing.TB, h http.Handler, opts ...sandboxpay.Option) *sandboxpay.Provider {
	t.Helper()
	p := newSandbox(t, opts...)
	p.SetWebhookHandler(h)
	return p
}

func usd(amount int64) payments.Money { return payments.Money{Amount: amount, Currency: "USD"} }

func create(t *testing.T, p *sandboxpay.Provider, amount int64) *payments.Payment {
	t.Helper()
	pay, err := p.CreatePayment(context.Background(), payments.CreatePaymentParams{
		Amount: usd(amount), CustomerEmail: "ada@example.com", Reference: "order-1",
		Metadata: map[string]string{"order": "1"},
	})
	require.NoError(t, err)
	return pay
}

func requireKind(t *testing.T, err error, kind error, code string) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, kind)
	var pe *payments.Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, sandboxpay.Name, pe.Provider)
	if code != "" {
		require.Equal(t, code, pe.Code)
	}
}

func TestCreatePayment(t *testing.T) {
	ctx := context.Background()
	t.Run("requires action by default", func(t *testing.T) {
		p := newSandbox(t, sandboxpay.WithClock(fixedClock))
		pay := create(t, p, 2999)
		require.Equal(t, payments.StatusRequiresAction, pay.Status)
		require.Equal(t, "requires_action", pay.RawStatus)
		require.Equal(t, "sandbox", pay.Provider)
		require.Equal(t, usd(2999), pay.Amount)
		require.Equal(t, "order-1", pay.Reference)
		require.Equal(t, map[string]string{"order": "1"}, pay.Metadata)
		require.Equal(t, fixedNow, pay.CreatedAt)
		require.NotNil(t, pay.NextAction)
		require.Equal(t, payments.NextActionConfirmWithClientSecret, pay.NextAction.Type)
		require.Contains(t, pay.NextAction.ClientSecret, pay.ID+"_secret_")

		got, err := p.GetPayment(ctx, pay.ID)
		require.NoError(t, err)
		require.Equal(t, pay, got)
	})
	t.Run("pending with WithPendingPayments", func(t *testing.T) {
		p := newSandbox(t, sandboxpay.WithPendingPayments())
		pay := create(t, p, 100)
		require.Equal(t, payments.StatusPending, pay.Status)
		require.Nil(t, pay.NextAction)
	})
	t.Run("returned values are copies", func(t *testing.T) {
		p := newSandbox(t)
		pay := create(t, p, 100)
		pay.Metadata["order"] = "changed"
		pay.NextAction.ClientSecret = "changed"
		got, err := p.GetPayment(ctx, pay.ID)
		require.NoError(t, err)
		require.Equal(t, "1", got.Metadata["order"])
		require.NotEqual(t, "changed", got.NextAction.ClientSecret)
	})
}

func TestValidation(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		opts   []sandboxpay.Option
		params payments.CreatePaymentParams
		kind   error
	}{
		{"zero amount", nil, payments.CreatePaymentParams{Amount: usd(0)}, payments.ErrInvalidAmount},
		{"negative amount", nil, payments.CreatePaymentParams{Amount: usd(-5)}, payments.ErrInvalidAmount},
		{"unknown currency", nil, payments.CreatePaymentParams{Amount: payments.Money{Amount: 100, Currency: "XYZ"}}, payments.ErrUnsupportedCurrency},
		{"currency not accepted", []sandboxpay.Option{sandboxpay.WithCurrencies("NGN")}, payments.CreatePaymentParams{Amount: usd(100)}, payments.ErrUnsupportedCurrency},
		{"bad email", nil, payments.CreatePaymentParams{Amount: usd(100), CustomerEmail: "not an email"}, payments.ErrInvalidRequest},
		{"long key", nil, payments.CreatePaymentParams{Amount: usd(100), IdempotencyKey: string(make([]byte, 300))}, payments.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newSandbox(t, tt.opts...)
			_, err := p.CreatePayment(ctx, tt.params)
			requireKind(t, err, tt.kind, "")
		})
	}
	t.Run("maximum amount", func(t *testing.T) {
		p := newSandbox(t)
		limit, ok := p.Capabilities().MaxAmount("USD")
		require.True(t, ok)
		require.Equal(t, usd(sandboxpay.DefaultMaxAmount), limit)
		_, err := p.CreatePayment(ctx, payments.CreatePaymentParams{Amount: usd(sandboxpay.DefaultMaxAmount)})
		require.NoError(t, err, "the limit itself is accepted")
		_, err = p.CreatePayment(ctx, payments.CreatePaymentParams{Amount: usd(sandboxpay.DefaultMaxAmount + 1)})
		requireKind(t, err, payments.ErrInvalidAmount, "amount_too_large")
		require.Contains(t, err.Error(), "999999.99 USD", "the error names the limit")
		require.Equal(t, 1, p.Calls(), "the refused amount never reached the backend")

		p = newSandbox(t, sandboxpay.WithMaxAmount(5000))
		_, err = p.CreatePayment(ctx, payments.CreatePaymentParams{Amount: payments.Money{Amount: 5001, Currency: "jpy"}})
		requireKind(t, err, payments.ErrInvalidAmount, "amount_too_large")
		require.Contains(t, err.Error(), "5000 JPY")
	})
	t.Run("lower-case currency is the same currency", func(t *testing.T) {
		p := newSandbox(t, sandboxpay.WithCurrencies("ngn", "USD"))
		pay, err := p.CreatePayment(ctx, payments.CreatePaymentParams{Amount: payments.Money{Amount: 100, Currency: "usd"}})
		require.NoError(t, err)
		require.Equal(t, usd(100), pay.Amount, "the payment reports the upper-case code")
		pay, err = p.CreatePayment(ctx, payments.CreatePaymentParams{Amount: payments.Money{Amount: 100, Currency: "NGN"}})
		require.NoError(t, err)
		require.Equal(t, payments.Currency("NGN"), pay.Amount.Currency)
	})
	t.Run("accepted currency", func(t *testing.T) {
		p := newSandbox(t, sandboxpay.WithCurrencies("NGN", "USD"))
		_, err := p.CreatePayment(ctx, payments.CreatePaymentParams{Amount: payments.Money{Amount: 5000, Currency: "NGN"}})
		require.NoError(t, err)
	})
	t.Run("not found", func(t *testing.T) {
		p := newSandbox(t)
		_, err := p.GetPayment(ctx, "pay_missing")
		requireKind(t, err, payments.ErrNotFound, "resource_missing")
		_, err = p.GetRefund(ctx, "re_missing")
		requireKind(t, err, payments.ErrNotFound, "resource_missing")
		_, err = p.Succeed(ctx, "pay_missing")
		requireKind(t, err, payments.ErrNotFound, "")
		_, err = p.GetPayment(ctx, "")
		requireKind(t, err, payments.ErrInvalidRequest, "")
		_, err = p.Refund(ctx, payments.RefundParams{PaymentID: "pay_missing"})
		requireKind(t, err, payments.ErrNotFound, "")
	})
}

// step is one action of the state machine.
type step func(ctx context.Context, p *sandboxpay.Provider, id string) error

var (
	succeed step = func(ctx context.Context, p *sandboxpay.Provider, id string) error {
		_, err := p.Succeed(ctx, id)
		return err
	}
	fail step = func(ctx context.Context, p *sandboxpay.Provider, id string) error {
		_, err := p.Decline(ctx, id, "card_declined", "Declined")
		return err
	}
	requireAction step = func(ctx context.Context, p *sandboxpay.Provider, id string) error {
		_, err := p.RequireAction(ctx, id)
		return err
	}
	cancel step = func(ctx context.Context, p *sandboxpay.Provider, id string) error {
		_, err := p.CancelPayment(ctx, id)
		return err
	}
	refundAll step = func(ctx context.Context, p *sandboxpay.Provider, id string) error {
		_, err := p.Refund(ctx, payments.RefundParams{PaymentID: id})
		return err
	}
	refundPart step = func(ctx context.Context, p *sandboxpay.Provider, id string) error {
		_, err := p.Refund(ctx, payments.RefundParams{PaymentID: id, Amount: 400})
		return err
	}
)

func TestStateMachine(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		pending bool
		setup   []step
		act     step
		want    payments.Status
		wantErr error
	}{
		{"requires_action succeed", false, nil, succeed, payments.StatusSucceeded, nil},
		{"requires_action fail", false, nil, fail, payments.StatusFailed, nil},
		{"requires_action cancel", false, nil, cancel, payments.StatusCanceled, nil},
		{"requires_action require action again", false, nil, requireAction, payments.StatusRequiresAction, nil},
		{"pending require action", true, nil, requireAction, payments.StatusRequiresAction, nil},
		{"pending succeed", true, nil, succeed, payments.StatusSucceeded, nil},
		{"pending fail", true, nil, fail, payments.StatusFailed, nil},
		{"pending cancel", true, nil, cancel, payments.StatusCanceled, nil},
		{"pending refund", true, nil, refundAll, payments.StatusPending, payments.ErrInvalidRequest},
		{"succeeded fail", false, []step{succeed}, fail, payments.StatusSucceeded, payments.ErrInvalidRequest},
		{"succeeded succeed", false, []step{succeed}, succeed, payments.StatusSucceeded, payments.ErrInvalidRequest},
		{"succeeded cancel", false, []step{succeed}, cancel, payments.StatusSucceeded, payments.ErrInvalidRequest},
		{"succeeded require action", false, []step{succeed}, requireAction, payments.StatusSucceeded, payments.ErrInvalidRequest},
		{"succeeded refund all", false, []step{succeed}, refundAll, payments.StatusRefunded, nil},
		{"succeeded refund part", false, []step{succeed}, refundPart, payments.StatusPartiallyRefunded, nil},
		{"partially refunded refund rest", false, []step{succeed, refundPart}, refundAll, payments.StatusRefunded, nil},
		{"partially refunded refund part", false, []step{succeed, refundPart}, refundPart, payments.StatusPartiallyRefunded, nil},
		{"refunded refund", false, []step{succeed, refundAll}, refundPart, payments.StatusRefunded, payments.ErrInvalidRequest},
		{"failed succeed", false, []step{fail}, succeed, payments.StatusFailed, payments.ErrInvalidRequest},
		{"failed cancel", false, []step{fail}, cancel, payments.StatusFailed, payments.ErrInvalidRequest},
		{"canceled cancel again", false, []step{cancel}, cancel, payments.StatusCanceled, nil},
		{"canceled succeed", false, []step{cancel}, succeed, payments.StatusCanceled, payments.ErrInvalidRequest},
		{"canceled refund", false, []step{cancel}, refundAll, payments.StatusCanceled, payments.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []sandboxpay.Option
			if tt.pending {
				opts = append(opts, sandboxpay.WithPendingPayments())
			}
			p := newSandbox(t, opts...)
			pay := create(t, p, 1000)
			for _, s := range tt.setup {
				require.NoError(t, s(ctx, p, pay.ID))
			}
			err := tt.act(ctx, p, pay.ID)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			got, err := p.GetPayment(ctx, pay.ID)
			require.NoError(t, err)
			require.Equal(t, tt.want, got.Status)
			require.Equal(t, string(tt.want), got.RawStatus)
		})
	}
}

func TestTransitionDetails(t *testing.T) {
	ctx := context.Background()
	p := newSandbox(t, sandboxpay.WithPendingPayments())
	pay := create(t, p, 1000)

	got, err := p.RequireAction(ctx, pay.ID)
	require.NoError(t, err)
	require.Equal(t, payments.StatusRequiresAction, got.Status)
	require.Equal(t, payments.NextActionConfirmWithClientSecret, got.NextAction.Type)
	first := got.NextAction.ClientSecret
	require.NotEmpty(t, first)
	got, err = p.RequireAction(ctx, pay.ID)
	require.NoError(t, err)
	require.NotEqual(t, first, got.NextAction.ClientSecret, "asking again gives a new client secret")

	got, err = p.Decline(ctx, pay.ID, "card_declined", "Your card was declined.")
	require.NoError(t, err)
	require.Equal(t, payments.StatusFailed, got.Status)
	require.Nil(t, got.NextAction)
	require.Equal(t, "card_declined", got.FailureCode)
	require.Equal(t, "Your card was declined.", got.FailureMessage)
}

func TestRefunds(t *testing.T) {
	ctx := context.Background()
	p := newSandbox(t, sandboxpay.WithClock(fixedClock))
	pay := create(t, p, 1000)
	_, err := p.Succeed(ctx, pay.ID)
	require.NoError(t, err)

	r1, err := p.Refund(ctx, payments.RefundParams{PaymentID: pay.ID, Amount: 300, Reason: "requested_by_customer"})
	require.NoError(t, err)
	require.Equal(t, payments.RefundSucceeded, r1.Status)
	require.Equal(t, usd(300), r1.Amount)
	require.Equal(t, pay.ID, r1.PaymentID)
	require.Equal(t, "requested_by_customer", r1.Reason)
	require.Equal(t, fixedNow, r1.CreatedAt)

	_, err = p.Refund(ctx, payments.RefundParams{PaymentID: pay.ID, Amount: 701})
	requireKind(t, err, payments.ErrInvalidAmount, "amount_too_large")
	_, err = p.Refund(ctx, payments.RefundParams{PaymentID: pay.ID, Amount: -1})
	requireKind(t, err, payments.ErrInvalidAmount, "")

	r2, err := p.Refund(ctx, payments.RefundParams{PaymentID: pay.ID})
	require.NoError(t, err)
	require.Equal(t, int64(700), r2.Amount.Amount)

	got, err := p.GetPayment(ctx, pay.ID)
	require.NoError(t, err)
	require.Equal(t, payments.StatusRefunded, got.Status)
	require.Equal(t, int64(1000), got.AmountRefunded)

	fetched, err := p.GetRefund(ctx, r1.ID)
	require.NoError(t, err)
	require.Equal(t, r1, fetched)
}

func TestPendingRefunds(t *testing.T) {
	ctx := context.Background()
	p := newSandbox(t, sandboxpay.WithPendingRefunds())
	pay := create(t, p, 1000)
	_, err := p.Succeed(ctx, pay.ID)
	require.NoError(t, err)

	r1, err := p.Refund(ctx, payments.RefundParams{PaymentID: pay.ID, Amount: 600})
	require.NoError(t, err)
	require.Equal(t, payments.RefundPending, r1.Status)
	// The pending refund holds its amount.
	_, err = p.Refund(ctx, payments.RefundParams{PaymentID: pay.ID, Amount: 500})
	requireKind(t, err, payments.ErrInvalidAmount, "")

	failed, err := p.FailRefund(ctx, r1.ID, "insufficient_funds", "Merchant balance too low")
	require.NoError(t, err)
	require.Equal(t, payments.RefundFailed, failed.Status)
	_, err = p.SucceedRefund(ctx, r1.ID)
	requireKind(t, err, payments.ErrInvalidRequest, "invalid_state")

	got, err := p.GetPayment(ctx, pay.ID)
	require.NoError(t, err)
	require.Equal(t, payments.StatusSucceeded, got.Status)
	require.Zero(t, got.AmountRefunded)

	r2, err := p.Refund(ctx, payments.RefundParams{PaymentID: pay.ID})
	require.NoError(t, err)
	require.Equal(t, int64(1000), r2.Amount.Amount)
	done, err := p.SucceedRefund(ctx, r2.ID)
	require.NoError(t, err)
	require.Equal(t, payments.RefundSucceeded, done.Status)
	got, err = p.GetPayment(ctx, pay.ID)
	require.NoError(t, err)
	require.Equal(t, payments.StatusRefunded, got.Status)
}

func TestIdempotency(t *testing.T) {
	ctx := context.Background()
	p := newSandbox(t)
	params := payments.CreatePaymentParams{Amount: usd(500), CustomerEmail: "ada@example.com", IdempotencyKey: "order-7"}
	a, err := p.CreatePayment(ctx, params)
	require.NoError(t, err)
	b, err := p.CreatePayment(ctx, params)
	require.NoError(t, err)
	require.Equal(t, a.ID, b.ID)

	changed := params
	changed.Amount = usd(501)
	_, err = p.CreatePayment(ctx, changed)
	requireKind(t, err, payments.ErrIdempotencyConflict, "idempotency_key_reused")

	other := params
	other.IdempotencyKey = "order-8"
	c, err := p.CreatePayment(ctx, other)
	require.NoError(t, err)
	require.NotEqual(t, a.ID, c.ID)

	// Refunds: the same key refunds once.
	_, err = p.Succeed(ctx, a.ID)
	require.NoError(t, err)
	rp := payments.RefundParams{PaymentID: a.ID, Amount: 200, IdempotencyKey: "refund-1"}
	r1, err := p.Refund(ctx, rp)
	require.NoError(t, err)
	r2, err := p.Refund(ctx, rp)
	require.NoError(t, err)
	require.Equal(t, r1, r2)
	got, err := p.GetPayment(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, int64(200), got.AmountRefunded)
	rp.Amount = 300
	_, err = p.Refund(ctx, rp)
	requireKind(t, err, payments.ErrIdempotencyConflict, "")
}

func TestFailNext(t *testing.T) {
	ctx := context.Background()
	p := newSandbox(t)
	declined := &payments.Error{Kind: payments.ErrCardDeclined, Provider: "sandbox", Code: "card_declined"}
	p.FailNext(declined)
	p.FailNext(payments.ErrRateLimited)
	p.FailNext(nil) // ignored

	_, err := p.CreatePayment(ctx, payments.CreatePaymentParams{Amount: usd(100)})
	require.ErrorIs(t, err, payments.ErrCardDeclined)
	_, err = p.GetPayment(ctx, "anything")
	require.ErrorIs(t, err, payments.ErrRateLimited)
	pay, err := p.CreatePayment(ctx, payments.CreatePaymentParams{Amount: usd(100)})
	require.NoError(t, err)

	p.FailNext(errors.New("boom"))
	_, err = p.CancelPayment(ctx, pay.ID)
	require.EqualError(t, err, "boom")
	got, err := p.GetPayment(ctx, pay.ID)
	require.NoError(t, err)
	require.Equal(t, payments.StatusRequiresAction, got.Status, "a failed call changes nothing")
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	p := newSandbox(t)
	const workers = 16

	// The same idempotency key from many goroutines makes one payment.
	ids := make([]string, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pay, err := p.CreatePayment(ctx, payments.CreatePaymentParams{Amount: usd(1000), IdempotencyKey: "same"})
			if err == nil {
				ids[i] = pay.ID
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		require.Equal(t, ids[0], id)
	}
	_, err := p.Succeed(ctx, ids[0])
	require.NoError(t, err)

	// Concurrent partial refunds never refund more than the amount.
	var mu sync.Mutex
	var refunded int64
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := p.Refund(ctx, payments.RefundParams{PaymentID: ids[0], Amount: 100, IdempotencyKey: fmt.Sprint("r", i)})
			if err == nil {
				mu.Lock()
				refunded += r.Amount.Amount
				mu.Unlock()
			} else if !errors.Is(err, payments.ErrInvalidAmount) && !errors.Is(err, payments.ErrInvalidRequest) {
				t.Errorf("unexpected error: %v", err)
			}
			_, _ = p.GetPayment(ctx, ids[0])
		}()
	}
	wg.Wait()
	require.Equal(t, int64(1000), refunded)
	got, err := p.GetPayment(ctx, ids[0])
	require.NoError(t, err)
	require.Equal(t, payments.StatusRefunded, got.Status)
	require.Equal(t, int64(1000), got.AmountRefunded)
}
