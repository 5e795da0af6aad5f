package stripepay_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/stripepay"
)

func Example() {
	// A stand-in for api.stripe.com answering one PaymentIntent create, as
	// Stripe documents it. In production, leave WithBaseURL out.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"pi_3Example","object":"payment_intent","amount":%s,"currency":%q,
			"status":"requires_payment_method","client_secret":"pi_3Example_secret_abc",
			"metadata":{"reference":%q},"created":1703087990}`,
			r.FormValue("amount"), r.FormValue("currency"), r.FormValue("metadata[reference]"))
	}))
	defer api.Close()

	provider, err := stripepay.New("sk_test_123", stripepay.WithBaseURL(api.URL))
	if err != nil {
		panic(err)
	}
	price, _ := payments.ParseMoney("29.99 EUR")
	pay, err := provider.CreatePayment(context.Background(), payments.CreatePaymentParams{
		Amount:         price,
		CustomerEmail:  "ada@example.com",
		Reference:      "order-1042",
		IdempotencyKey: "order-1042-payment",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(pay.ID, pay.Amount, pay.Status, pay.Reference)
	fmt.Println(pay.NextAction.Type, pay.NextAction.ClientSecret)

	// Three-decimal currencies must end in 0 at Stripe: rejected before
	// any request is sent.
	_, err = provider.CreatePayment(context.Background(), payments.CreatePaymentParams{Amount: payments.NewMoney(1255, "KWD")})
	fmt.Println(errors.Is(err, payments.ErrInvalidAmount))
	// Output:
	// pi_3Example 29.99 EUR requires_action order-1042
	// confirm_with_client_secret pi_3Example_secret_abc
	// true
}
