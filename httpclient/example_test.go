package httpclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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

	client, err := httpclient.New(
		httpclient.WithBaseURL(srv.URL),
		httpclient.WithTimeout(5*time.Second),
	)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
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

	client, err := httpclient.New(httpclient.WithBaseURL(srv.URL), httpclient.WithBearerToken("sk_test_x"))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	_, err = client.Post(context.Background(), "/v1/charges",
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

// ExampleNew shows a configuration mistake reported at construction: the
// error names the option and never quotes the URL, which may hold a key.
func ExampleNew() {
	_, err := httpclient.New(httpclient.WithBaseURL("https://api.example.com/v1?api_key=sk_live_123"))
	fmt.Println(errors.Is(err, httpclient.ErrInvalidConfig))
	fmt.Println(err)
	// Output:
	// true
	// httpclient: invalid configuration: WithBaseURL: the base URL has a query; add query parameters per request with WithQuery
}

// ExampleWithMaxRedirects shows the redirect rules: an API client (one
// with a base URL) follows no redirect by default, and even with
// redirects allowed, a request with credentials is never sent on to
// another origin.
func ExampleWithMaxRedirects() {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("elsewhere got a request") // never printed
	}))
	defer elsewhere.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/old":
			http.Redirect(w, r, "/v1/new", http.StatusPermanentRedirect)
		case "/v1/new":
			fmt.Fprint(w, "new")
		default:
			http.Redirect(w, r, elsewhere.URL+"/collect?token=abc", http.StatusTemporaryRedirect)
		}
	}))
	defer api.Close()
	ctx := context.Background()

	strict, err := httpclient.New(httpclient.WithBaseURL(api.URL), httpclient.WithBearerToken("sk_test_x"))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	_, err = strict.Get(ctx, "/v1/old")
	fmt.Println(errors.Is(err, httpclient.ErrRedirectRefused))

	following, err := httpclient.New(httpclient.WithBaseURL(api.URL), httpclient.WithBearerToken("sk_test_x"),
		httpclient.WithMaxRedirects(3))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	resp, err := following.Get(ctx, "/v1/old")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(string(resp.Body))
	_, err = following.Post(ctx, "/v1/charges", map[string]int{"amount": 100})
	fmt.Println(errors.Is(err, httpclient.ErrRedirectRefused))
	fmt.Println(strings.Contains(err.Error(), "/collect?token=REDACTED"))
	// Output:
	// true
	// new
	// true
	// true
}
