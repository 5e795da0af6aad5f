package paymentstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-go/switchboard/payments"
)

// Harness connects a provider to the suite. Only NewProvider is required;
// every nil hook skips the checks that need it, naming the hook.
type Harness struct {
	// NewProvider returns the provider under test. It is called once per
	// subtest, so it may build a fresh backend each time (and clean it up
	// with t.Cleanup) or return a shared one. Hooks receive the provider it
	// returned for the subtest they act in.
	NewProvider func(t *testing.T) payments.Provider

	// Amount is what test payments charge. Its half is refunded in the
	// partial-refund checks, so the provider must accept both. The default
	// is 50.00 USD.
	Amount payments.Money

	// Email is the customer email of test payments; the default is
	// customer@example.com.
	Email string

	// Succeed makes payment id succeed, as a customer paying would: a test
	// card, a sandbox control, or a fake server's state. Without it the
	// checks that need a paid payment (refunds, cancel after success,
	// idempotency after success) are skipped, unless Stateless.
	Succeed func(t *testing.T, p payments.Provider, id string)

	// Fail makes payment id fail as a declined card would. Optional.
	Fail func(t *testing.T, p payments.Provider, id string)

	// RequireAction makes payment id wait for the customer (3-D Secure);
	// it must accept a payment that already waits. Optional.
	RequireAction func(t *testing.T, p payments.Provider, id string)

	// SettleRefund makes refund id succeed, for providers whose refunds
	// start pending and are settled later (Paystack). Optional: without it
	// a pending refund is accepted and the checks of the payment's refunded
	// status are skipped.
	SettleRefund func(t *testing.T, p payments.Provider, refundID string)

	// Calls returns how many requests the provider has sent to its backend
	// so far (a counting http.RoundTripper, or an in-memory backend's
	// operation counter). The suite uses it to prove that invalid input
	// fails before any network call; without it that proof is skipped.
	Calls func() int

	// InjectError makes the provider's next call to its backend fail the
	// way the backend signals kind (ErrRateLimited: HTTP 429;
	// ErrProviderUnavailable: 5xx; ErrAuthentication: 401). It may keep
	// failing calls until it is called with a nil kind, which must clear
	// it; the suite injects again before each call it expects to fail, so
	// one-shot and sticky injection both work. It returns false when it
	// cannot produce kind, which skips that case.
	InjectError func(t *testing.T, kind error) bool

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
	if h.NewProvider == nil {
		t.Fatal("paymentstest: Harness.NewProvider is required")
	}
	h.defaults()
	s := &suite{h: h}
	t.Run("CreatePayment", s.testCreate)
	t.Run("GetPayment", s.testGet)
	t.Run("GetPaymentNotFound", s.testGetNotFound)
	t.Run("CancelPayment", s.testCancel)
	t.Run("CancelSucceededPayment", s.testCancelSucceeded)
	t.Run("Succeed", s.testSucceed)
	t.Run("Fail", s.testFail)
	t.Run("RequireAction", s.testRequireAction)
	t.Run("RefundFull", s.testRefundFull)
	t.Run("RefundPartial", s.testRefundPartial)
	t.Run("RefundIdempotent", s.testRefundIdempotent)
	t.Run("CreateIdempotent", s.testCreateIdempotent)
	t.Run("CreateIdempotentConcurrent", s.testCreateIdempotentConcurrent)
	t.Run("CreateIdempotentAfterSuccess", s.testCreateIdempotentAfterSuccess)
	t.Run("ValidationBeforeNetwork", s.testValidation)
	t.Run("TypedErrors", s.testTypedErrors)
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
	noError(t, err)
	isTrue(t, pay != nil, "CreatePayment returned no payment")
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
		t.Skip("skipped: " + s.h.StatelessReason)
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
		t.Skip("skipped: Harness.Succeed is nil, so no payment can be made to succeed")
	}
	s.h.Succeed(t, p, pay.ID)
	if s.h.Stateless {
		return pay
	}
	got, err := p.GetPayment(ctx(t), pay.ID)
	noError(t, err)
	equal(t, payments.StatusSucceeded, got.Status)
	return got
}

func requireProviderError(t *testing.T, p payments.Provider, err error, kinds ...error) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error matching %v, got none", kinds)
	}
	var perr *payments.Error
	isTrue(t, errors.As(err, &perr), "error %v is not a *payments.Error", err)
	equal(t, p.Name(), perr.Provider, "Error.Provider")
	matched := false
	for _, k := range kinds {
		if errors.Is(err, k) {
			matched = true
		}
	}
	isTrue(t, matched, "error %v matches none of %v", err, kinds)
}

func (s *suite) testCreate(t *testing.T) {
	p := s.h.NewProvider(t)
	pay, in := s.create(t, p)
	notEmpty(t, pay.ID)
	equal(t, p.Name(), pay.Provider)
	equal(t, in.Amount, pay.Amount)
	equal(t, in.Reference, pay.Reference)
	isTrue(t, pay.Status.IsOpen(), "a new payment is open, got %q", pay.Status)
	notEmpty(t, pay.RawStatus)
	equal(t, int64(0), pay.AmountRefunded, "AmountRefunded of a new payment")
	if pay.Status == payments.StatusRequiresAction {
		isTrue(t, pay.NextAction != nil, "requires_action comes with a NextAction")
	}
	if na := pay.NextAction; na != nil {
		notEmpty(t, string(na.Type), "NextAction.Type")
		isTrue(t, na.ClientSecret != "" || na.RedirectURL != "", "NextAction carries a client secret or a redirect URL")
	}
	if s.h.Stateless {
		return
	}
	for k, v := range in.Metadata {
		equal(t, v, pay.Metadata[k], "metadata %q", k)
	}
}

func (s *suite) testGet(t *testing.T) {
	p := s.h.NewProvider(t)
	pay, in := s.create(t, p)
	got, err := p.GetPayment(ctx(t), pay.ID)
	noError(t, err)
	equal(t, pay.ID, got.ID)
	equal(t, p.Name(), got.Provider)
	isTrue(t, got.Status.Valid(), "status %q", got.Status)
	notEmpty(t, got.RawStatus)
	if !s.compares(t) {
		return
	}
	equal(t, in.Amount, got.Amount)
	equal(t, in.Reference, got.Reference)
	equal(t, pay.Status, got.Status)
	for k, v := range in.Metadata {
		equal(t, v, got.Metadata[k], "metadata %q", k)
	}
}

func (s *suite) testGetNotFound(t *testing.T) {
	s.requireStateful(t)
	p := s.h.NewProvider(t)
	_, err := p.GetPayment(ctx(t), token("missing"))
	requireProviderError(t, p, err, payments.ErrNotFound)
	_, err = p.GetRefund(ctx(t), token("missing"))
	requireProviderError(t, p, err, payments.ErrNotFound)
}

func (s *suite) testCancel(t *testing.T) {
	p := s.h.NewProvider(t)
	pay, _ := s.create(t, p)
	c, known := caps(p)
	got, err := p.CancelPayment(ctx(t), pay.ID)
	if known && !c.Cancel {
		requireProviderError(t, p, err, payments.ErrNotSupported)
		return
	}
	if errors.Is(err, payments.ErrNotSupported) {
		requireProviderError(t, p, err, payments.ErrNotSupported)
		return
	}
	noError(t, err)
	equal(t, pay.ID, got.ID)
	isTrue(t, got.Status.Valid())
	if !s.compares(t) {
		return
	}
	equal(t, payments.StatusCanceled, got.Status)
	again, err := p.GetPayment(ctx(t), pay.ID)
	noError(t, err)
	equal(t, payments.StatusCanceled, again.Status)
}

func (s *suite) testCancelSucceeded(t *testing.T) {
	s.requireStateful(t)
	p := s.h.NewProvider(t)
	pay := s.paid(t, p)
	_, err := p.CancelPayment(ctx(t), pay.ID)
	requireProviderError(t, p, err, payments.ErrInvalidRequest, payments.ErrNotSupported)
	got, err := p.GetPayment(ctx(t), pay.ID)
	noError(t, err)
	equal(t, payments.StatusSucceeded, got.Status)
}

func (s *suite) testSucceed(t *testing.T) {
	s.requireStateful(t)
	p := s.h.NewProvider(t)
	pay := s.paid(t, p)
	isTrue(t, pay.Status.IsPaid())
	equal(t, s.h.Amount, pay.Amount)
	isTrue(t, pay.NextAction == nil, "a paid payment needs no next action")
}

func (s *suite) testFail(t *testing.T) {
	if s.h.Fail == nil {
		t.Skip("skipped: Harness.Fail is nil, so no payment can be made to fail")
	}
	s.requireStateful(t)
	p := s.h.NewProvider(t)
	pay, _ := s.create(t, p)
	s.h.Fail(t, p, pay.ID)
	got, err := p.GetPayment(ctx(t), pay.ID)
	noError(t, err)
	equal(t, payments.StatusFailed, got.Status)
	isTrue(t, !got.Status.IsPaid(), "a failed payment is not paid")
}

func (s *suite) testRequireAction(t *testing.T) {
	if s.h.RequireAction == nil {
		t.Skip("skipped: Harness.RequireAction is nil, so no payment can be made to wait for the customer")
	}
	s.requireStateful(t)
	p := s.h.NewProvider(t)
	pay, _ := s.create(t, p)
	s.h.RequireAction(t, p, pay.ID)
	got, err := p.GetPayment(ctx(t), pay.ID)
	noError(t, err)
	equal(t, payments.StatusRequiresAction, got.Status)
	isTrue(t, got.NextAction != nil, "requires_action comes with a NextAction")
	isTrue(t, got.NextAction.ClientSecret != "" || got.NextAction.RedirectURL != "")
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
	noError(t, err)
	equal(t, payments.RefundSucceeded, got.Status)
	return true
}

func (s *suite) testRefundFull(t *testing.T) {
	p := s.h.NewProvider(t)
	pay := s.paid(t, p)
	r, err := p.Refund(ctx(t), payments.RefundParams{PaymentID: pay.ID, Reason: "requested_by_customer", IdempotencyKey: token("refund")})
	noError(t, err)
	notEmpty(t, r.ID)
	equal(t, p.Name(), r.Provider)
	isTrue(t, r.Status.Valid(), "refund status %q", r.Status)
	notEmpty(t, r.RawStatus)
	got, err := p.GetRefund(ctx(t), r.ID)
	noError(t, err)
	equal(t, r.ID, got.ID)
	isTrue(t, got.Status.Valid())
	if !s.compares(t) {
		return
	}
	equal(t, pay.ID, r.PaymentID)
	equal(t, pay.Amount, r.Amount, "a full refund refunds the whole amount")
	isTrue(t, r.Status == payments.RefundPending || r.Status == payments.RefundSucceeded, "a new refund is pending or succeeded, got %q", r.Status)
	equal(t, r.Amount, got.Amount)
	equal(t, pay.ID, got.PaymentID)
	if !s.settle(t, p, r) {
		t.Log("refund is pending and Harness.SettleRefund is nil: payment status not checked")
		return
	}
	after, err := p.GetPayment(ctx(t), pay.ID)
	noError(t, err)
	equal(t, payments.StatusRefunded, after.Status)
	equal(t, pay.Amount.Amount, after.AmountRefunded)
	_, err = p.Refund(ctx(t), payments.RefundParams{PaymentID: pay.ID, IdempotencyKey: token("refund")})
	requireProviderError(t, p, err, payments.ErrInvalidRequest, payments.ErrInvalidAmount)
}

func (s *suite) testRefundPartial(t *testing.T) {
	p := s.h.NewProvider(t)
	if c, ok := caps(p); ok && !c.PartialRefund {
		t.Skip("skipped: the provider declares no partial refunds (Capabilities.PartialRefund)")
	}
	pay := s.paid(t, p)
	half := s.h.Amount.Amount / 2
	r1, err := p.Refund(ctx(t), payments.RefundParams{PaymentID: pay.ID, Amount: half, IdempotencyKey: token("refund")})
	noError(t, err)
	notEmpty(t, r1.ID)
	isTrue(t, r1.Status.Valid())
	if !s.compares(t) {
		return
	}
	equal(t, payments.Money{Amount: half, Currency: s.h.Amount.Currency}, r1.Amount)
	if !s.settle(t, p, r1) {
		t.Log("refund is pending and Harness.SettleRefund is nil: payment status not checked")
		return
	}
	mid, err := p.GetPayment(ctx(t), pay.ID)
	noError(t, err)
	equal(t, payments.StatusPartiallyRefunded, mid.Status)
	equal(t, half, mid.AmountRefunded)

	rest := s.h.Amount.Amount - half
	_, err = p.Refund(ctx(t), payments.RefundParams{PaymentID: pay.ID, Amount: rest + 1, IdempotencyKey: token("refund")})
	requireProviderError(t, p, err, payments.ErrInvalidRequest, payments.ErrInvalidAmount)

	r2, err := p.Refund(ctx(t), payments.RefundParams{PaymentID: pay.ID, IdempotencyKey: token("refund")})
	noError(t, err)
	equal(t, rest, r2.Amount.Amount, "a zero amount refunds what is left")
	isTrue(t, s.settle(t, p, r2))
	end, err := p.GetPayment(ctx(t), pay.ID)
	noError(t, err)
	equal(t, payments.StatusRefunded, end.Status)
	equal(t, s.h.Amount.Amount, end.AmountRefunded)
}

func (s *suite) testRefundIdempotent(t *testing.T) {
	s.requireStateful(t)
	p := s.h.NewProvider(t)
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
	noError(t, err)
	r2, err := p.Refund(ctx(t), in)
	noError(t, err)
	equal(t, r1.ID, r2.ID, "the same idempotency key gives the same refund")
	equal(t, r1.Amount, r2.Amount)
	if !s.settle(t, p, r1) {
		return
	}
	got, err := p.GetPayment(ctx(t), pay.ID)
	noError(t, err)
	equal(t, r1.Amount.Amount, got.AmountRefunded, "the repeated refund refunded nothing more")
}

func (s *suite) testCreateIdempotent(t *testing.T) {
	s.requireStateful(t)
	p := s.h.NewProvider(t)
	in := s.params()
	a, err := p.CreatePayment(ctx(t), in)
	noError(t, err)
	b, err := p.CreatePayment(ctx(t), in)
	noError(t, err)
	equal(t, a.ID, b.ID, "the same idempotency key gives the same payment")
	equal(t, a.Amount, b.Amount)

	other := in
	other.IdempotencyKey = token("key")
	other.Reference = token("ref")
	c, err := p.CreatePayment(ctx(t), other)
	noError(t, err)
	notEqual(t, a.ID, c.ID, "a different key gives a different payment")
}

func (s *suite) testCreateIdempotentConcurrent(t *testing.T) {
	s.requireStateful(t)
	p := s.h.NewProvider(t)
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
		equal(t, first, ids[i], "concurrent creates with one key give one payment")
	}
	notEmpty(t, first, "at least one concurrent create succeeds")
}

func (s *suite) testCreateIdempotentAfterSuccess(t *testing.T) {
	s.requireStateful(t)
	if s.h.Succeed == nil {
		t.Skip("skipped: Harness.Succeed is nil, so no payment can be made to succeed")
	}
	p := s.h.NewProvider(t)
	in := s.params()
	a, err := p.CreatePayment(ctx(t), in)
	noError(t, err)
	s.h.Succeed(t, p, a.ID)
	b, err := p.CreatePayment(ctx(t), in)
	noError(t, err)
	equal(t, a.ID, b.ID, "retrying a paid payment's create returns it, with no second charge")
	got, err := p.GetPayment(ctx(t), a.ID)
	noError(t, err)
	equal(t, payments.StatusSucceeded, got.Status)
	equal(t, s.h.Amount, got.Amount)
}

func (s *suite) testValidation(t *testing.T) {
	p := s.h.NewProvider(t)
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
			if s.h.Calls == nil {
				return
			}
			equal(t, before, s.h.Calls(), "invalid input must fail before any network call")
		})
	}
}

func (s *suite) testTypedErrors(t *testing.T) {
	if s.h.InjectError == nil {
		t.Skip("skipped: Harness.InjectError is nil, so provider failures cannot be produced")
	}
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
			p := s.h.NewProvider(t)
			pay, in := s.create(t, p)
			if !s.h.InjectError(t, kind) {
				t.Skipf("skipped: the harness cannot produce %v", kind)
			}
			t.Cleanup(func() { s.h.InjectError(t, nil) })
			_, err := p.GetPayment(ctx(t), pay.ID)
			requireProviderError(t, p, err, kind)
			equal(t, kind, payments.KindOf(err))
			s.h.InjectError(t, kind)
			_, err = p.CreatePayment(ctx(t), in)
			requireProviderError(t, p, err, kind)
			s.h.InjectError(t, nil)
			_, err = p.GetPayment(ctx(t), pay.ID)
			noError(t, err, "calls succeed again once the failure is gone")
		})
	}
}
