package paymentstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/payments"
)

// Harness connects a provider to the suite. Only New is required; every
// nil hook skips the checks that need it, with a message naming the hook.
type Harness struct {
	// New returns the provider under test, built as a user builds it by
	// default (in particular without a logger). It is called once per
	// subtest, so it may build a fresh backend each time (and clean it up
	// with t.Cleanup) or return a shared one. Hooks receive the provider it
	// returned for the subtest they act in. Required.
	New func(t *testing.T) payments.Provider

	// Calls returns how many requests the provider has sent to its backend
	// so far (a counting http.RoundTripper, or an in-memory backend's
	// operation counter). The suite uses it to prove that invalid input
	// fails before any network call; without it that proof is skipped.
	Calls func() int

	// InjectError makes the provider's calls to its backend fail the way
	// the backend signals kind (payments.ErrRateLimited: HTTP 429;
	// payments.ErrProviderUnavailable: 5xx; payments.ErrAuthentication:
	// 401), as a transport or provider outage would. It may fail one call
	// or every call until it is called with a nil kind, which must clear
	// it; the suite injects again before each call it expects to fail, so
	// both work. It returns false when it cannot produce kind, which skips
	// that case.
	InjectError func(t *testing.T, kind error) bool

	// Succeed makes payment id succeed, as a customer paying would: a test
	// card, a sandbox control, or a fake server's state. Without it the
	// checks that need a paid payment (refunds, cancel after success,
	// idempotency after success) are skipped, unless Stateless.
	Succeed func(t *testing.T, p payments.Provider, id string)

	// Decline makes payment id fail as a declined card would: the
	// customer's bank refuses, not the transport (that is InjectError).
	Decline func(t *testing.T, p payments.Provider, id string)

	// RequireAction makes payment id wait for the customer (3-D Secure, a
	// payment page left unfinished); it must accept a payment that already
	// waits.
	RequireAction func(t *testing.T, p payments.Provider, id string)

	// SettleRefund makes refund id succeed, for providers whose refunds
	// start pending and are settled later (Paystack). Without it a pending
	// refund is accepted and the checks of the payment's refunded status
	// are skipped.
	SettleRefund func(t *testing.T, p payments.Provider, refundID string)

	// Amount is what test payments charge. Its half is refunded in the
	// partial-refund checks, so the provider must accept both. The default
	// is 50.00 USD.
	Amount payments.Money

	// Email is the customer email of test payments; the default is
	// customer@example.com.
	Email string

	// Stateless says the backend answers with fixtures instead of keeping
	// state (stripe-mock): reads do not return what was written and
	// idempotency keys are not honoured. The suite still makes every call
	// and checks the answers' shape, and skips the checks that compare
	// reads with writes, naming this reason.
	Stateless bool

	// StatelessReason explains Stateless in skip messages; the default is
	// "the backend keeps no state".
	StatelessReason string

	// UnsupportedCurrency is a valid ISO 4217 currency the provider
	// rejects (Paystack: EUR); empty skips that case.
	UnsupportedCurrency payments.Currency
}

func (h *Harness) defaults() {
	if h.Amount.IsZero() {
		h.Amount = payments.NewMoney(5000, "USD")
	}
	h.Amount = h.Amount.Normalize()
	if h.Email == "" {
		h.Email = "customer@example.com"
	}
	if h.StatelessReason == "" {
		h.StatelessReason = "the backend keeps no state"
	}
}

// Run runs the conformance suite against the provider h builds.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotNil(t, h.New, "paymentstest: Harness.New is required")
	h.defaults()
	s := &suite{h: h}
	t.Run("CreatePayment", s.testCreate)
	t.Run("NewPaymentWaitsForCustomer", s.testNewPaymentWaits)
	t.Run("GetPayment", s.testGet)
	t.Run("GetPaymentNotFound", s.testGetNotFound)
	t.Run("CancelPayment", s.testCancel)
	t.Run("CancelSucceededPayment", s.testCancelSucceeded)
	t.Run("Succeed", s.testSucceed)
	t.Run("Decline", s.testDecline)
	t.Run("RequireAction", s.testRequireAction)
	t.Run("RefundFull", s.testRefundFull)
	t.Run("RefundPartial", s.testRefundPartial)
	t.Run("RefundIdempotent", s.testRefundIdempotent)
	t.Run("CreateIdempotent", s.testCreateIdempotent)
	t.Run("CreateIdempotentConcurrent", s.testCreateIdempotentConcurrent)
	t.Run("CreateIdempotentAfterSuccess", s.testCreateIdempotentAfterSuccess)
	t.Run("CurrencyInAnyCase", s.testCurrencyCase)
	t.Run("MaximumAmount", s.testMaximumAmount)
	t.Run("ValidationBeforeNetwork", s.testValidation)
	t.Run("TypedErrors", s.testTypedErrors)
	t.Run("SilentByDefault", s.testSilent)
}

type suite struct{ h Harness }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// token returns a short random string of characters every provider
// accepts in keys and references ([a-z0-9-]).
func token(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

func (s *suite) params() payments.CreatePaymentParams {
	return payments.CreatePaymentParams{
		Amount:         s.h.Amount,
		CustomerEmail:  s.h.Email,
		Reference:      token("ref"),
		Description:    "conformance test payment",
		Metadata:       map[string]string{"order_id": token("order")},
		ReturnURL:      "https://shop.example.com/return",
		IdempotencyKey: token("key"),
	}
}

func caps(p payments.Provider) (payments.Capabilities, bool) {
	if r, ok := p.(payments.CapabilityReporter); ok {
		return r.Capabilities(), true
	}
	return payments.Capabilities{}, false
}

func (s *suite) create(t *testing.T, p payments.Provider) (*payments.Payment, payments.CreatePaymentParams) {
	t.Helper()
	in := s.params()
	pay, err := p.CreatePayment(ctx(t), in)
	require.NoError(t, err, "CreatePayment")
	require.NotNil(t, pay, "CreatePayment returned no payment")
	return pay, in
}

// compares reports whether the suite may compare reads with writes; on a
// stateless backend it logs why not, and the subtest ends after the
// checks of the answers' shape, passing.
func (s *suite) compares(t *testing.T) bool {
	t.Helper()
	if s.h.Stateless {
		t.Log("reads not compared with writes: " + s.h.StatelessReason)
		return false
	}
	return true
}

func (s *suite) requireStateful(t *testing.T) {
	t.Helper()
	if s.h.Stateless {
		t.Skip("skipped: Harness.Stateless: " + s.h.StatelessReason)
	}
}

func (s *suite) requireHook(t *testing.T, hook string, set bool, why string) {
	t.Helper()
	if !set {
		t.Skipf("skipped: Harness.%s is nil, so %s", hook, why)
	}
}

// paid returns a payment that succeeded, or skips.
func (s *suite) paid(t *testing.T, p payments.Provider) *payments.Payment {
	t.Helper()
	pay, _ := s.create(t, p)
	if s.h.Succeed == nil {
		if s.h.Stateless {
			return pay
		}
		s.requireHook(t, "Succeed", false, "no payment can be made to succeed")
	}
	s.h.Succeed(t, p, pay.ID)
	if s.h.Stateless {
		return pay
	}
	got, err := p.GetPayment(ctx(t), pay.ID)
	require.NoError(t, err, "GetPayment after Succeed")
	require.Equal(t, payments.StatusSucceeded, got.Status, "a payment that Harness.Succeed paid is succeeded")
	return got
}

// requireProviderError checks that err is a *payments.Error naming p and
// matching one of kinds.
func requireProviderError(t *testing.T, p payments.Provider, err error, kinds ...error) {
	t.Helper()
	require.Error(t, err, "want an error matching one of %v", kinds)
	var perr *payments.Error
	require.ErrorAs(t, err, &perr, "error %v is a *payments.Error", err)
	require.Equal(t, p.Name(), perr.Provider, "Error.Provider names the provider")
	for _, k := range kinds {
		if errors.Is(err, k) {
			return
		}
	}
	require.Failf(t, "wrong error kind", "error %v matches none of %v", err, kinds)
}

// requireNextAction checks that a payment's NextAction says what to do.
func requireNextAction(t *testing.T, pay *payments.Payment) {
	t.Helper()
	na := pay.NextAction
	require.NotNil(t, na, "a payment in requires_action carries a NextAction")
	switch na.Type {
	case payments.NextActionConfirmWithClientSecret:
		require.NotEmpty(t, na.ClientSecret, "a confirm_with_client_secret next action carries the client secret")
	case payments.NextActionRedirect:
		require.NotEmpty(t, na.RedirectURL, "a redirect next action carries the URL")
	default:
		require.Failf(t, "unknown next action", "NextAction.Type %q", na.Type)
	}
}

func (s *suite) testCreate(t *testing.T) {
	p := s.h.New(t)
	pay, in := s.create(t, p)
	require.NotEmpty(t, pay.ID, "Payment.ID")
	require.Equal(t, p.Name(), pay.Provider, "Payment.Provider")
	require.Equal(t, in.Amount, pay.Amount, "Payment.Amount is the amount asked for")
	require.Equal(t, in.Reference, pay.Reference, "Payment.Reference")
	require.True(t, pay.Status.IsOpen(), "a new payment is open, got %q", pay.Status)
	require.NotEmpty(t, pay.RawStatus, "Payment.RawStatus")
	require.Zero(t, pay.AmountRefunded, "AmountRefunded of a new payment")
	if s.h.Stateless {
		return
	}
	for k, v := range in.Metadata {
		require.Equal(t, v, pay.Metadata[k], "metadata %q", k)
	}
}

// testNewPaymentWaits pins the status mapping for the first moments of a
// payment, the same on every provider: a payment that carries something
// for the customer to do is in requires_action, and one in
// requires_action says what (a client secret or a redirect URL). A
// provider that reports such a payment as pending, or a requires_action
// without a next action, fails here. GetPayment reports the same status,
// and the same kind of next action where the provider's Capabilities say
// it can (NextActionOnGet).
func (s *suite) testNewPaymentWaits(t *testing.T) {
	p := s.h.New(t)
	pay, _ := s.create(t, p)
	if pay.NextAction != nil {
		require.Equal(t, payments.StatusRequiresAction, pay.Status,
			"a new payment with a next action for the customer reports requires_action, not %q", pay.Status)
	}
	if pay.Status == payments.StatusRequiresAction {
		requireNextAction(t, pay)
	} else {
		require.Contains(t, []payments.Status{payments.StatusPending, payments.StatusProcessing}, pay.Status,
			"a new payment that needs nothing from the customer is pending or processing")
	}

	got, err := p.GetPayment(ctx(t), pay.ID)
	require.NoError(t, err, "GetPayment of a new payment")
	if !s.compares(t) {
		if got.Status == payments.StatusRequiresAction {
			if c, ok := caps(p); ok && c.NextActionOnGet {
				requireNextAction(t, got)
			}
		}
		return
	}
	require.Equal(t, pay.Status, got.Status, "GetPayment reports the status CreatePayment did")
	c, known := caps(p)
	if got.Status != payments.StatusRequiresAction {
		require.Nil(t, got.NextAction, "only a payment in requires_action carries a next action")
		return
	}
	if !known || !c.NextActionOnGet {
		t.Log("the provider does not declare Capabilities.NextActionOnGet: GetPayment's next action not required")
		if got.NextAction != nil {
			requireNextAction(t, got)
		}
		return
	}
	requireNextAction(t, got)
	require.Equal(t, pay.NextAction.Type, got.NextAction.Type, "GetPayment reports the same kind of next action")
}

func (s *suite) testGet(t *testing.T) {
	p := s.h.New(t)
	pay, in := s.create(t, p)
	got, err := p.GetPayment(ctx(t), pay.ID)
	require.NoError(t, err, "GetPayment")
	require.Equal(t, pay.ID, got.ID, "Payment.ID")
	require.Equal(t, p.Name(), got.Provider, "Payment.Provider")
	require.True(t, got.Status.Valid(), "status %q is a normalized status", got.Status)
	require.NotEmpty(t, got.RawStatus, "Payment.RawStatus")
	if !s.compares(t) {
		return
	}
	require.Equal(t, in.Amount, got.Amount, "GetPayment reads back the amount")
	require.Equal(t, in.Reference, got.Reference, "GetPayment reads back the reference")
	require.Equal(t, pay.Status, got.Status, "GetPayment reads back the status")
	for k, v := range in.Metadata {
		require.Equal(t, v, got.Metadata[k], "metadata %q", k)
	}
}

func (s *suite) testGetNotFound(t *testing.T) {
	s.requireStateful(t)
	p := s.h.New(t)
	_, err := p.GetPayment(ctx(t), token("missing"))
	requireProviderError(t, p, err, payments.ErrNotFound)
	_, err = p.GetRefund(ctx(t), token("missing"))
	requireProviderError(t, p, err, payments.ErrNotFound)
}

func (s *suite) testCancel(t *testing.T) {
	p := s.h.New(t)
	pay, _ := s.create(t, p)
	c, known := caps(p)
	got, err := p.CancelPayment(ctx(t), pay.ID)
	if (known && !c.Cancel) || errors.Is(err, payments.ErrNotSupported) {
		requireProviderError(t, p, err, payments.ErrNotSupported)
		return
	}
	require.NoError(t, err, "CancelPayment of an open payment")
	require.Equal(t, pay.ID, got.ID, "Payment.ID")
	require.True(t, got.Status.Valid(), "status %q is a normalized status", got.Status)
	if !s.compares(t) {
		return
	}
	require.Equal(t, payments.StatusCanceled, got.Status, "a canceled payment is canceled")
	require.Nil(t, got.NextAction, "a canceled payment needs no next action")
	again, err := p.GetPayment(ctx(t), pay.ID)
	require.NoError(t, err, "GetPayment after CancelPayment")
	require.Equal(t, payments.StatusCanceled, again.Status, "GetPayment reads back canceled")
}

func (s *suite) testCancelSucceeded(t *testing.T) {
	s.requireStateful(t)
	p := s.h.New(t)
	pay := s.paid(t, p)
	_, err := p.CancelPayment(ctx(t), pay.ID)
	requireProviderError(t, p, err, payments.ErrInvalidRequest, payments.ErrNotSupported)
	got, err := p.GetPayment(ctx(t), pay.ID)
	require.NoError(t, err, "GetPayment")
	require.Equal(t, payments.StatusSucceeded, got.Status, "a refused cancel leaves the payment succeeded")
}

func (s *suite) testSucceed(t *testing.T) {
	s.requireStateful(t)
	p := s.h.New(t)
	pay := s.paid(t, p)
	require.True(t, pay.Status.IsPaid(), "a succeeded payment is paid")
	require.Equal(t, s.h.Amount, pay.Amount, "Payment.Amount")
	require.Nil(t, pay.NextAction, "a paid payment needs no next action")
}

func (s *suite) testDecline(t *testing.T) {
	s.requireHook(t, "Decline", s.h.Decline != nil, "no payment can be declined")
	s.requireStateful(t)
	p := s.h.New(t)
	pay, _ := s.create(t, p)
	s.h.Decline(t, p, pay.ID)
	got, err := p.GetPayment(ctx(t), pay.ID)
	require.NoError(t, err, "GetPayment after Decline")
	require.Equal(t, payments.StatusFailed, got.Status, "a declined payment is failed")
	require.False(t, got.Status.IsPaid(), "a failed payment is not paid")
	require.Nil(t, got.NextAction, "a failed payment carries no next action")
}

func (s *suite) testRequireAction(t *testing.T) {
	s.requireHook(t, "RequireAction", s.h.RequireAction != nil, "no payment can be made to wait for the customer")
	s.requireStateful(t)
	p := s.h.New(t)
	pay, _ := s.create(t, p)
	s.h.RequireAction(t, p, pay.ID)
	got, err := p.GetPayment(ctx(t), pay.ID)
	require.NoError(t, err, "GetPayment after RequireAction")
	require.Equal(t, payments.StatusRequiresAction, got.Status, "a payment waiting for the customer is requires_action")
	if c, ok := caps(p); ok && !c.NextActionOnGet && got.NextAction == nil {
		t.Log("the provider does not declare Capabilities.NextActionOnGet: GetPayment's next action not required")
		return
	}
	requireNextAction(t, got)
}

// settle settles a refund when the harness can, and reports whether the
// refund is now known to have succeeded.
func (s *suite) settle(t *testing.T, p payments.Provider, r *payments.Refund) bool {
	t.Helper()
	if r.Status == payments.RefundSucceeded {
		return true
	}
	if s.h.SettleRefund == nil {
		return false
	}
	s.h.SettleRefund(t, p, r.ID)
	got, err := p.GetRefund(ctx(t), r.ID)
	require.NoError(t, err, "GetRefund after SettleRefund")
	require.Equal(t, payments.RefundSucceeded, got.Status, "a settled refund is succeeded")
	return true
}

func (s *suite) testRefundFull(t *testing.T) {
	p := s.h.New(t)
	pay := s.paid(t, p)
	r, err := p.Refund(ctx(t), payments.RefundParams{PaymentID: pay.ID, Reason: "requested_by_customer", IdempotencyKey: token("refund")})
	require.NoError(t, err, "Refund of a paid payment")
	require.NotEmpty(t, r.ID, "Refund.ID")
	require.Equal(t, p.Name(), r.Provider, "Refund.Provider")
	require.True(t, r.Status.Valid(), "refund status %q is a normalized status", r.Status)
	require.NotEmpty(t, r.RawStatus, "Refund.RawStatus")
	got, err := p.GetRefund(ctx(t), r.ID)
	require.NoError(t, err, "GetRefund")
	require.Equal(t, r.ID, got.ID, "Refund.ID")
	require.True(t, got.Status.Valid(), "refund status %q is a normalized status", got.Status)
	if !s.compares(t) {
		return
	}
	require.Equal(t, pay.ID, r.PaymentID, "Refund.PaymentID")
	require.Equal(t, pay.Amount, r.Amount, "a full refund refunds the whole amount")
	require.Contains(t, []payments.RefundStatus{payments.RefundPending, payments.RefundSucceeded}, r.Status,
		"a new refund is pending or succeeded")
	require.Equal(t, r.Amount, got.Amount, "GetRefund reads back the amount")
	require.Equal(t, pay.ID, got.PaymentID, "GetRefund reads back the payment")
	if !s.settle(t, p, r) {
		t.Log("refund is pending and Harness.SettleRefund is nil: payment status not checked")
		return
	}
	after, err := p.GetPayment(ctx(t), pay.ID)
	require.NoError(t, err, "GetPayment after a full refund")
	require.Equal(t, payments.StatusRefunded, after.Status, "a fully refunded payment is refunded")
	require.Equal(t, pay.Amount.Amount, after.AmountRefunded, "AmountRefunded after a full refund")
	_, err = p.Refund(ctx(t), payments.RefundParams{PaymentID: pay.ID, IdempotencyKey: token("refund")})
	requireProviderError(t, p, err, payments.ErrInvalidRequest, payments.ErrInvalidAmount)
}

func (s *suite) testRefundPartial(t *testing.T) {
	p := s.h.New(t)
	if c, ok := caps(p); ok && !c.PartialRefund {
		t.Skip("skipped: the provider declares no partial refunds (Capabilities.PartialRefund)")
	}
	pay := s.paid(t, p)
	half := s.h.Amount.Amount / 2
	r1, err := p.Refund(ctx(t), payments.RefundParams{PaymentID: pay.ID, Amount: half, IdempotencyKey: token("refund")})
	require.NoError(t, err, "a partial refund")
	require.NotEmpty(t, r1.ID, "Refund.ID")
	require.True(t, r1.Status.Valid(), "refund status %q is a normalized status", r1.Status)
	if !s.compares(t) {
		return
	}
	require.Equal(t, payments.Money{Amount: half, Currency: s.h.Amount.Currency}, r1.Amount, "Refund.Amount")
	if !s.settle(t, p, r1) {
		t.Log("refund is pending and Harness.SettleRefund is nil: payment status not checked")
		return
	}
	mid, err := p.GetPayment(ctx(t), pay.ID)
	require.NoError(t, err, "GetPayment after a partial refund")
	require.Equal(t, payments.StatusPartiallyRefunded, mid.Status, "a partly refunded payment is partially_refunded")
	require.Equal(t, half, mid.AmountRefunded, "AmountRefunded after a partial refund")

	rest := s.h.Amount.Amount - half
	_, err = p.Refund(ctx(t), payments.RefundParams{PaymentID: pay.ID, Amount: rest + 1, IdempotencyKey: token("refund")})
	requireProviderError(t, p, err, payments.ErrInvalidRequest, payments.ErrInvalidAmount)

	r2, err := p.Refund(ctx(t), payments.RefundParams{PaymentID: pay.ID, IdempotencyKey: token("refund")})
	require.NoError(t, err, "refunding the rest")
	require.Equal(t, rest, r2.Amount.Amount, "a zero amount refunds what is left")
	require.True(t, s.settle(t, p, r2), "the second refund settles as the first did")
	end, err := p.GetPayment(ctx(t), pay.ID)
	require.NoError(t, err, "GetPayment after refunding the rest")
	require.Equal(t, payments.StatusRefunded, end.Status, "a payment refunded in two parts is refunded")
	require.Equal(t, s.h.Amount.Amount, end.AmountRefunded, "AmountRefunded after refunding the rest")
}

func (s *suite) testRefundIdempotent(t *testing.T) {
	s.requireStateful(t)
	p := s.h.New(t)
	pay := s.paid(t, p)
	// More than half: after the first refund, the retry asks for more than
	// is left, so a provider that checks the balance before replaying the
	// key fails the retry instead of returning the first refund.
	amount := s.h.Amount.Amount * 3 / 4
	if amount >= 100 {
		amount -= amount % 10 // a valid amount in three-decimal currencies too
	}
	if c, ok := caps(p); ok && !c.PartialRefund {
		amount = 0
	}
	in := payments.RefundParams{PaymentID: pay.ID, Amount: amount, IdempotencyKey: token("refund")}
	r1, err := p.Refund(ctx(t), in)
	require.NoError(t, err, "the first refund")
	r2, err := p.Refund(ctx(t), in)
	require.NoError(t, err, "the same refund again, with the same key")
	require.Equal(t, r1.ID, r2.ID, "the same idempotency key gives the same refund")
	require.Equal(t, r1.Amount, r2.Amount, "Refund.Amount of the replay")
	if !s.settle(t, p, r1) {
		return
	}
	got, err := p.GetPayment(ctx(t), pay.ID)
	require.NoError(t, err, "GetPayment")
	require.Equal(t, r1.Amount.Amount, got.AmountRefunded, "the repeated refund refunded nothing more")
}

func (s *suite) testCreateIdempotent(t *testing.T) {
	s.requireStateful(t)
	p := s.h.New(t)
	in := s.params()
	a, err := p.CreatePayment(ctx(t), in)
	require.NoError(t, err, "CreatePayment")
	b, err := p.CreatePayment(ctx(t), in)
	require.NoError(t, err, "CreatePayment again with the same key")
	require.Equal(t, a.ID, b.ID, "the same idempotency key gives the same payment")
	require.Equal(t, a.Amount, b.Amount, "Payment.Amount of the replay")
	require.Equal(t, a.Status, b.Status, "Payment.Status of the replay")
	if c, ok := caps(p); ok && c.NextActionOnGet && b.Status == payments.StatusRequiresAction {
		requireNextAction(t, b)
		require.Equal(t, a.NextAction.Type, b.NextAction.Type, "the replay carries the same kind of next action")
	}

	other := in
	other.IdempotencyKey = token("key")
	other.Reference = token("ref")
	c, err := p.CreatePayment(ctx(t), other)
	require.NoError(t, err, "CreatePayment with another key")
	require.NotEqual(t, a.ID, c.ID, "a different key gives a different payment")
}

func (s *suite) testCreateIdempotentConcurrent(t *testing.T) {
	s.requireStateful(t)
	p := s.h.New(t)
	in := s.params()
	const n = 5
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pay, err := p.CreatePayment(ctx(t), in)
			errs[i] = err
			if err == nil {
				ids[i] = pay.ID
			}
		}()
	}
	wg.Wait()
	first := ""
	for i := range n {
		if errs[i] != nil {
			// A provider may refuse a request while the first one with the
			// same key is in flight; it must say so with a typed error.
			requireProviderError(t, p, errs[i], payments.ErrIdempotencyConflict, payments.ErrRateLimited)
			continue
		}
		if first == "" {
			first = ids[i]
		}
		require.Equal(t, first, ids[i], "concurrent creates with one key give one payment")
	}
	require.NotEmpty(t, first, "at least one concurrent create succeeds")
}

func (s *suite) testCreateIdempotentAfterSuccess(t *testing.T) {
	s.requireStateful(t)
	s.requireHook(t, "Succeed", s.h.Succeed != nil, "no payment can be made to succeed")
	p := s.h.New(t)
	in := s.params()
	a, err := p.CreatePayment(ctx(t), in)
	require.NoError(t, err, "CreatePayment")
	s.h.Succeed(t, p, a.ID)
	b, err := p.CreatePayment(ctx(t), in)
	require.NoError(t, err, "CreatePayment retried after the payment succeeded")
	require.Equal(t, a.ID, b.ID, "retrying a paid payment's create returns it, with no second charge")
	got, err := p.GetPayment(ctx(t), a.ID)
	require.NoError(t, err, "GetPayment")
	require.Equal(t, payments.StatusSucceeded, got.Status, "the payment is still succeeded")
	require.Equal(t, s.h.Amount, got.Amount, "Payment.Amount")
}

// testCurrencyCase checks that a Money literal with a lower-case code is
// taken as the upper-case one, and reported in upper case.
func (s *suite) testCurrencyCase(t *testing.T) {
	p := s.h.New(t)
	in := s.params()
	in.Amount.Currency = payments.Currency(lower(string(s.h.Amount.Currency)))
	pay, err := p.CreatePayment(ctx(t), in)
	require.NoError(t, err, "CreatePayment with the currency %q in lower case", in.Amount.Currency)
	require.Equal(t, s.h.Amount, pay.Amount, "the payment reports the amount with the upper-case code")
	if !s.compares(t) {
		return
	}
	got, err := p.GetPayment(ctx(t), pay.ID)
	require.NoError(t, err, "GetPayment")
	require.Equal(t, s.h.Amount, got.Amount, "GetPayment reports the upper-case code")
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// testMaximumAmount checks that a provider that declares a maximum (see
// payments.AmountLimiter) refuses the next amount up before any call, with
// an error that names the limit, in either case of the currency code.
func (s *suite) testMaximumAmount(t *testing.T) {
	p := s.h.New(t)
	c, ok := caps(p)
	if !ok {
		t.Skip("skipped: the provider reports no Capabilities, so it declares no maximum amount")
	}
	cur := s.h.Amount.Currency
	limit, ok := c.MaxAmount(cur)
	if !ok {
		t.Skipf("skipped: the provider declares no maximum amount in %s (Capabilities.MaxAmount)", cur)
	}
	require.Equal(t, cur, limit.Currency, "the limit is in the currency asked for")
	require.Positive(t, limit.Amount, "the limit is a positive amount")
	for _, code := range []payments.Currency{cur, payments.Currency(lower(string(cur)))} {
		in := s.params()
		in.Amount = payments.Money{Amount: limit.Amount + 1, Currency: code}
		before := -1
		if s.h.Calls != nil {
			before = s.h.Calls()
		}
		_, err := p.CreatePayment(ctx(t), in)
		requireProviderError(t, p, err, payments.ErrInvalidAmount)
		var perr *payments.Error
		require.ErrorAs(t, err, &perr)
		require.Equal(t, "amount_too_large", perr.Code, "an amount above the maximum has code amount_too_large")
		require.Contains(t, err.Error(), limit.String(), "the error names the limit")
		if s.h.Calls != nil {
			require.Equal(t, before, s.h.Calls(), "an amount above the maximum fails before any network call")
		}
	}
}

func (s *suite) testValidation(t *testing.T) {
	p := s.h.New(t)
	base := s.params()
	withAmount := func(m payments.Money) payments.CreatePaymentParams { c := base; c.Amount = m; return c }
	type tc struct {
		name  string
		call  func() error
		kinds []error
	}
	cur := s.h.Amount.Currency
	cases := []tc{
		{"zero amount", func() error {
			_, err := p.CreatePayment(ctx(t), withAmount(payments.Money{Amount: 0, Currency: cur}))
			return err
		}, []error{payments.ErrInvalidAmount}},
		{"negative amount", func() error {
			_, err := p.CreatePayment(ctx(t), withAmount(payments.Money{Amount: -100, Currency: cur}))
			return err
		}, []error{payments.ErrInvalidAmount}},
		{"unknown currency", func() error {
			_, err := p.CreatePayment(ctx(t), withAmount(payments.Money{Amount: 1000, Currency: "XYZ"}))
			return err
		}, []error{payments.ErrUnsupportedCurrency}},
		{"empty currency", func() error {
			_, err := p.CreatePayment(ctx(t), withAmount(payments.Money{Amount: 1000}))
			return err
		}, []error{payments.ErrUnsupportedCurrency}},
		{"malformed email", func() error {
			c := base
			c.CustomerEmail = "not an email"
			_, err := p.CreatePayment(ctx(t), c)
			return err
		}, []error{payments.ErrInvalidRequest}},
		{"get empty id", func() error { _, err := p.GetPayment(ctx(t), ""); return err }, []error{payments.ErrInvalidRequest}},
		{"get id with slash", func() error { _, err := p.GetPayment(ctx(t), "../refunds"); return err }, []error{payments.ErrInvalidRequest}},
		{"cancel empty id", func() error { _, err := p.CancelPayment(ctx(t), ""); return err }, []error{payments.ErrInvalidRequest, payments.ErrNotSupported}},
		{"refund empty payment id", func() error {
			_, err := p.Refund(ctx(t), payments.RefundParams{Amount: 100})
			return err
		}, []error{payments.ErrInvalidRequest}},
		{"refund negative amount", func() error {
			_, err := p.Refund(ctx(t), payments.RefundParams{PaymentID: "pay_123", Amount: -1})
			return err
		}, []error{payments.ErrInvalidAmount}},
		{"get refund empty id", func() error { _, err := p.GetRefund(ctx(t), ""); return err }, []error{payments.ErrInvalidRequest}},
	}
	if s.h.UnsupportedCurrency != "" {
		uc := s.h.UnsupportedCurrency
		cases = append(cases, tc{"currency the provider rejects", func() error {
			m := payments.Money{Amount: 100000, Currency: uc}
			_, err := p.CreatePayment(ctx(t), withAmount(m))
			return err
		}, []error{payments.ErrUnsupportedCurrency}})
	}
	if s.h.Calls == nil {
		t.Run("NoNetworkCall", func(t *testing.T) {
			t.Skip("skipped: Harness.Calls is nil, so the suite cannot prove that invalid input made no network call (the errors themselves are checked)")
		})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := -1
			if s.h.Calls != nil {
				before = s.h.Calls()
			}
			err := c.call()
			requireProviderError(t, p, err, c.kinds...)
			if s.h.Calls != nil {
				require.Equal(t, before, s.h.Calls(), "invalid input must fail before any network call")
			}
		})
	}
}

func (s *suite) testTypedErrors(t *testing.T) {
	s.requireHook(t, "InjectError", s.h.InjectError != nil, "provider failures cannot be produced")
	for _, c := range []struct {
		name string
		kind error
	}{
		{"RateLimited", payments.ErrRateLimited},
		{"ProviderUnavailable", payments.ErrProviderUnavailable},
		{"Authentication", payments.ErrAuthentication},
	} {
		kind := c.kind
		t.Run(c.name, func(t *testing.T) {
			p := s.h.New(t)
			pay, in := s.create(t, p)
			if !s.h.InjectError(t, kind) {
				t.Skipf("skipped: Harness.InjectError cannot produce %v", kind)
			}
			t.Cleanup(func() { s.h.InjectError(t, nil) })
			_, err := p.GetPayment(ctx(t), pay.ID)
			requireProviderError(t, p, err, kind)
			require.Equal(t, kind, payments.KindOf(err), "KindOf gives the injected kind")
			require.Equal(t, kind != payments.ErrAuthentication, payments.IsRetryable(err), "IsRetryable of %v", kind)
			s.h.InjectError(t, kind)
			_, err = p.CreatePayment(ctx(t), in)
			requireProviderError(t, p, err, kind)
			s.h.InjectError(t, nil)
			_, err = p.GetPayment(ctx(t), pay.ID)
			require.NoError(t, err, "calls succeed again once the failure is gone")
		})
	}
}

// testSilent checks that a provider built without a logger writes nothing
// through slog.Default or the standard log package, whatever happens:
// payments made, refused input, provider failures.
func (s *suite) testSilent(t *testing.T) {
	rec := &recordingHandler{}
	prevLogger, prevWriter, prevFlags := slog.Default(), log.Writer(), log.Flags()
	slog.SetDefault(slog.New(rec))
	t.Cleanup(func() {
		slog.SetDefault(prevLogger)
		log.SetOutput(prevWriter)
		log.SetFlags(prevFlags)
	})

	p := s.h.New(t)
	pay, in := s.create(t, p)
	_, _ = p.CreatePayment(ctx(t), in) // a retry with the same key
	_, _ = p.GetPayment(ctx(t), pay.ID)
	bad := in
	bad.Amount = payments.Money{Amount: -1, Currency: in.Amount.Currency}
	_, _ = p.CreatePayment(ctx(t), bad)
	_, _ = p.GetPayment(ctx(t), "")
	if s.h.InjectError != nil && s.h.InjectError(t, payments.ErrProviderUnavailable) {
		_, _ = p.GetPayment(ctx(t), pay.ID)
		_, _ = p.CreatePayment(ctx(t), s.params())
		s.h.InjectError(t, nil)
	}
	if s.h.Succeed != nil {
		paid := s.paid(t, p)
		_, _ = p.Refund(ctx(t), payments.RefundParams{PaymentID: paid.ID, IdempotencyKey: token("refund")})
	}
	_, _ = p.CancelPayment(ctx(t), pay.ID)
	require.Empty(t, rec.lines(), "a provider built without a logger logs nothing (it logged through slog.Default or package log)")
}

// recordingHandler is a slog.Handler that keeps every record's message.
type recordingHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.msgs = append(h.msgs, r.Level.String()+" "+r.Message)
	h.mu.Unlock()
	return nil
}

func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordingHandler) lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.msgs...)
}
