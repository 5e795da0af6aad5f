package otelobserve_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/otelobserve"
	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
)

func TestNewRefusesNilValues(t *testing.T) {
	for name, opt := range map[string]otelobserve.Option{
		"nil option":          nil,
		"nil tracer provider": otelobserve.WithTracerProvider(nil),
		"nil meter provider":  otelobserve.WithMeterProvider(nil),
		"nil propagator":      otelobserve.WithPropagator(nil),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := otelobserve.New(opt)
			require.ErrorIs(t, err, otelobserve.ErrInvalidConfig)
		})
	}
	tel, err := otelobserve.New()
	require.NoError(t, err, "the global providers are the default")
	require.NotNil(t, tel.Webhooks())
}

func TestErrorMessagesOnlyWhenAsked(t *testing.T) {
	for _, withText := range []bool{false, true} {
		var opts []otelobserve.Option
		if withText {
			opts = append(opts, otelobserve.WithErrorMessages())
		}
		hs := newHarness(t, opts...)
		p, err := sandboxpay.New(sandboxpay.WithObserver(hs.tel.Calls()))
		require.NoError(t, err)
		p.FailNext(&payments.Error{Kind: payments.ErrProviderUnavailable, Provider: "sandbox", Message: "upstream said no"})
		_, err = p.GetPayment(context.Background(), "pay_1")
		require.True(t, errors.Is(err, payments.ErrProviderUnavailable))
		s := hs.span("payments.get_payment sandbox")
		require.Equal(t, "provider_unavailable", attrs(s)["error.type"])
		if withText {
			require.Contains(t, s.Status().Description, "upstream said no")
			require.Len(t, s.Events(), 1, "the error is recorded as an exception event")
		} else {
			require.Equal(t, "provider_unavailable", s.Status().Description)
			require.Empty(t, s.Events())
		}
	}
}
