package httpclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/switchboard-go/switchboard/httpclient"
)

// Example fetches exchange rates as JSON with a 5 second budget, as a
// service would from a rates provider.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "application/json" {
			http.Error(w, "want JSON", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"base":"USD","rates":{"GHS":15.2}}`)
	}))
	defer srv.Close()

	client := httpclient.New(
		httpclient.WithBaseURL(srv.URL),
		httpclient.WithTimeout(5*time.Second),
	)
	resp, err := client.Get(context.Background(), "/latest",
		httpclient.WithQuery(url.Values{"base": {"USD"}}),
		httpclient.WithRequestHeader("Accept", "application/json"),
	)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	var rates struct {
		Base  string             `json:"base"`
		Rates map[string]float64 `json:"rates"`
	}
	if err := resp.JSON(&rates); err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Printf("1 %s = %.2f GHS\n", rates.Base, rates.Rates["GHS"])
	// Output: 1 USD = 15.20 GHS
}

// ExampleClient_Post sends a payment request that is safe to retry because
// it carries an idempotency key, and shows how a provider's error is read.
func ExampleClient_Post() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Request-Id", "req_42")
		w.WriteHeader(http.StatusPaymentRequired)
		fmt.Fprint(w, `{"error":"card_declined"}`)
	}))
	defer srv.Close()

	client := httpclient.New(httpclient.WithBaseURL(srv.URL), httpclient.WithBearerToken("sk_test_x"))
	_, err := client.Post(context.Background(), "/v1/charges",
		map[string]any{"amount": 1500, "currency": "ghs"},
		httpclient.WithIdempotencyKey("order-1001"),
	)
	var se *httpclient.StatusError
	if errors.As(err, &se) {
		fmt.Println(se.StatusCode, se.RequestID, string(se.Body))
		fmt.Println(errors.Is(err, httpclient.ErrClientError))
	}
	// Output:
	// 402 req_42 {"error":"card_declined"}
	// true
}
