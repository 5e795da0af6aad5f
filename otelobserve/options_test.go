package otelobserve_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/email"
	"github.com/switchboard-go/switchboard/email/mailgunmail"
	"github.com/switchboard-go/switchboard/email/postmarkmail"
	"github.com/switchboard-go/switchboard/email/sendgridmail"
	"github.com/switchboard-go/switchboard/email/smtpmail"
	"github.com/switchboard-go/switchboard/login"
	"github.com/switchboard-go/switchboard/media"
	"github.com/switchboard-go/switchboard/media/localmedia"
	"github.com/switchboard-go/switchboard/otelobserve"
	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paystackpay"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
	"github.com/switchboard-go/switchboard/payments/stripepay"
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

// Every component refuses a nil Observer, as it refuses a nil logger.
func TestComponentsRefuseANilObserver(t *testing.T) {
	errs := map[string]error{}
	_, errs["stripepay"] = stripepay.New("sk_test_x", stripepay.WithObserver(nil))
	_, errs["paystackpay"] = paystackpay.New("sk_test_x", paystackpay.WithObserver(nil))
	_, errs["sandboxpay"] = sandboxpay.New(sandboxpay.WithObserver(nil))
	_, errs["sendgridmail"] = sendgridmail.New("key", sendgridmail.WithObserver(nil))
	_, errs["mailgunmail"] = mailgunmail.New("mg.example.com", "key", mailgunmail.WithObserver(nil))
	_, errs["postmarkmail"] = postmarkmail.New("token", postmarkmail.WithObserver(nil))
	_, errs["smtpmail"] = smtpmail.New("localhost", 25, smtpmail.WithObserver(nil))
	_, errs["localmedia"] = localmedia.New(t.TempDir(), localmedia.WithObserver(nil))
	_, errs["login"] = login.NewHandler("http://127.0.0.1", []byte("0123456789abcdef0123456789abcdef"),
		[]login.Provider{fakeProvider{}}, func(http.ResponseWriter, *http.Request, *login.Identity) error { return nil },
		login.WithObserver(nil))
	for name, err := range errs {
		require.Error(t, err, name)
		require.Contains(t, err.Error(), "WithObserver", name)
	}
	require.ErrorIs(t, errs["stripepay"], payments.ErrInvalidConfig)
	require.ErrorIs(t, errs["sendgridmail"], email.ErrInvalidConfig)
	require.ErrorIs(t, errs["smtpmail"], email.ErrInvalidConfig)
	require.ErrorIs(t, errs["localmedia"], media.ErrInvalidConfig)
	require.ErrorIs(t, errs["login"], login.ErrInvalidConfig)
}
