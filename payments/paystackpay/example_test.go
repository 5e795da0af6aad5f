package paystackpay_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paystackpay"
)

// Creating a payment returns the URL to send the customer to. Here a small
// server stands in for api.paystack.co.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":true,"message":"Authorization URL created","data":{`+
			`"authorization_url":"https://checkout.paystack.com/3ni8kdavz62431k",`+
			`"access_code":"3ni8kdavz62431k","reference":"order-42"}}`)
	}))
	defer srv.Close()

	var p payments.Provider
	p, err := paystackpay.New("sk_test_xxx", paystackpay.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	pay, err := p.CreatePayment(context.Background(), payments.CreatePaymentParams{
		Amount:         payments.Money{Amount: 500000, Currency: "NGN"}, // ₦5,000.00 in kobo
		CustomerEmail:  "ada@example.com",
		ReturnURL:      "https://shop.example.com/paid",
		IdempotencyKey: "order-42",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pay.ID, pay.Status)
	fmt.Println(pay.NextAction.Type, pay.NextAction.RedirectURL)

	// Currencies Paystack does not take are refused before any call.
	_, err = p.CreatePayment(context.Background(), payments.CreatePaymentParams{
		Amount: payments.Money{Amount: 1000, Currency: "EUR"}, CustomerEmail: "ada@example.com",
	})
	fmt.Println(err)
	// Output:
	// order-42 requires_action
	// redirect https://checkout.paystack.com/3ni8kdavz62431k
	// paystack: payments: unsupported currency (currency_not_accepted): currency EUR is not accepted by this provider
}

func ExampleReferenceForKey() {
	fmt.Println(paystackpay.ReferenceForKey("order-42"))
	fmt.Println(paystackpay.ReferenceForKey("order_42"))
	// Output:
	// order-42
	// order-42-b7c8b17c6fb92694a64dd01e62a23c49
}
