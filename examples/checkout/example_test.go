package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/switchboard-go/switchboard/email/emailtest"
)

// The checkout flow in-process: create a payment, let the sandbox succeed
// it (it delivers the signed webhook to the app), and read the order and
// the receipt that the webhook produced.
func Example() {
	dir, err := os.MkdirTemp("", "checkout-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	vars := map[string]string{"DATA_DIR": dir, "STORE_URL": "memory://"}
	cfg, err := configFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		fmt.Println(err)
		return
	}

	srv := httptest.NewUnstartedServer(nil)
	mailer := emailtest.NewRecorder()
	a, err := newApp(context.Background(), cfg, appDeps{baseURL: "http://" + srv.Listener.Addr().String(), mailer: mailer})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	srv.Config.Handler = a
	srv.Start()
	defer srv.Close()

	call := func(method, path, body string, out any) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer demo")
		req.Header.Set("Idempotency-Key", "example-order")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		if out != nil {
			_ = json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}

	var intent createIntentResponse
	fmt.Println("create:", call("POST", "/payments/create-intent", `{"amount": 2999, "currency": "usd", "email": "a@b.co"}`, &intent), intent.Status)
	fmt.Println("succeed:", call("POST", "/sandbox/payments/"+intent.PaymentID+"/succeed", "", nil))
	var orders []Order
	fmt.Println("orders:", call("GET", "/orders", "", &orders), len(orders), orders[0].Amount, orders[0].Currency, orders[0].Status)
	fmt.Println("receipt:", mailer.Last().To[0], mailer.Last().Subject)
	// Output:
	// create: 201 requires_action
	// succeed: 200
	// orders: 200 1 2999 USD paid
	// receipt: a@b.co Your receipt for 29.99 USD
}
