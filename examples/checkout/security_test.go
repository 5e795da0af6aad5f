package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// The built-in demo token is printed in the README: an app listening where
// other machines reach it with that token would let anyone create payments
// and read every order.
func TestRefusesToListenBeyondLoopbackWithTheDemoToken(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		t.Run(addr, func(t *testing.T) {
			vars := map[string]string{"ADDR": addr, "DATA_DIR": t.TempDir()}
			err := run(context.Background(), func(k string) string { return vars[k] },
				slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard,
				func(string) { t.Error("the app started") })
			require.Error(t, err)
			require.Contains(t, err.Error(), "DEMO_TOKEN", "the message names the variable to set")
			require.Contains(t, err.Error(), addr)
			entries, _ := os.ReadDir(vars["DATA_DIR"])
			require.Empty(t, entries, "nothing was opened")
		})
	}
}

func TestCheckExposure(t *testing.T) {
	cases := []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8080", "", true},
		{"localhost:8080", "", true},
		{"[::1]:8080", "", true},
		{"0.0.0.0:8080", "", false},
		{":8080", "", false},
		{"192.0.2.1:8080", "", false},
		{"0.0.0.0:8080", "a-token-of-my-own", true},
		{":8080", "a-token-of-my-own", true},
	}
	for _, tc := range cases {
		t.Run(tc.addr+"/"+tc.token, func(t *testing.T) {
			vars := map[string]string{"ADDR": tc.addr, "DEMO_TOKEN": tc.token, "DATA_DIR": t.TempDir()}
			cfg, err := configFromEnv(func(k string) string { return vars[k] })
			require.NoError(t, err)
			err = cfg.checkExposure(context.Background())
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, "DEMO_TOKEN")
		})
	}
}

// Orders hold customers' email addresses: DATA_DIR is created 0700 and
// every SQLite file in it, with the -wal and -shm files SQLite adds while
// it runs, is 0600, whatever the umask, and files left 0644 by an older
// run are tightened.
func TestDataDirAndDatabasesAreOwnerOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits")
	}
	dir := filepath.Join(t.TempDir(), "new", "data")
	env := map[string]string{"DATA_DIR": dir, "STORE_URL": "sqlite://" + filepath.Join(dir, "idempotency.db")}
	ta := startApp(t, env, nil)
	intent := ta.createIntent(t, "private-1")
	resp, body := ta.do(t, "POST", "/sandbox/payments/"+intent.PaymentID+"/succeed", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Len(t, ta.listOrders(t), 1)

	requireMode := func(path string, want os.FileMode) {
		t.Helper()
		fi, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, want, fi.Mode().Perm(), path)
	}
	requireMode(dir, 0o700)
	requireMode(filepath.Dir(dir), 0o700)
	for _, db := range []string{"orders.db", "idempotency.db"} {
		// The app is running: SQLite holds its write-ahead log and
		// shared-memory files open beside each database.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			requireMode(filepath.Join(dir, db+suffix), 0o600)
		}
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		want := os.FileMode(0o600)
		if e.IsDir() {
			want = 0o700 // the local media directory
		}
		requireMode(filepath.Join(dir, e.Name()), want)
	}

	// Files an older version left readable by everyone are tightened.
	ta.stop(t)
	for _, e := range entries {
		if p := filepath.Join(dir, e.Name()); !e.IsDir() && fileExists(p) {
			require.NoError(t, os.Chmod(p, 0o644))
		}
	}
	ta = startApp(t, env, nil)
	require.Len(t, ta.listOrders(t), 1, "the orders survived")
	for _, db := range []string{"orders.db", "idempotency.db"} {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if p := filepath.Join(dir, db+suffix); fileExists(p) {
				requireMode(p, 0o600)
			}
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// problemBody is an RFC 9457 answer.
type problemBody struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

func (ta *testApp) problem(t *testing.T, body, key string) (int, problemBody) {
	t.Helper()
	resp, raw := ta.do(t, "POST", "/payments/create-intent", body, map[string]string{"Idempotency-Key": key})
	var p problemBody
	if resp.StatusCode >= 400 {
		require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"), string(raw))
		require.NoError(t, json.Unmarshal(raw, &p), string(raw))
	}
	return resp.StatusCode, p
}

// Stripe takes at most 99,999,999 in the minor units of its API; the
// sandbox, standing in for a card provider, takes the same. A larger
// amount is refused before any provider call, with the limit named.
func TestAmountsAboveTheProvidersMaximumAreRefused(t *testing.T) {
	t.Run("sandbox", func(t *testing.T) {
		ta := startApp(t, nil, nil)
		status, _ := ta.problem(t, `{"amount":99999999,"currency":"usd","email":"a@b.co"}`, "max-ok")
		require.Equal(t, http.StatusCreated, status)
		status, p := ta.problem(t, `{"amount":100000000,"currency":"usd","email":"a@b.co"}`, "max-over")
		require.Equal(t, http.StatusBadRequest, status)
		require.Contains(t, p.Detail, "99999999 minor units")
		require.Contains(t, p.Detail, "999999.99 USD")
		require.Contains(t, p.Detail, "sandbox")
	})
	t.Run("stripe", func(t *testing.T) {
		var calls atomic.Int32
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			http.Error(w, `{"error":{"type":"api_error","message":"unexpected call"}}`, http.StatusInternalServerError)
		}))
		defer api.Close()
		ta := startApp(t, map[string]string{
			"STRIPE_SECRET_KEY": "sk_test_123", "STRIPE_WEBHOOK_SECRET": "whsec_test", "STRIPE_API_URL": api.URL,
			"PAYMENTS_PROVIDER": "stripe",
		}, nil)
		cases := []struct {
			body, limit string
		}{
			{`{"amount":100000000,"currency":"usd","email":"a@b.co"}`, "99999999 minor units (999999.99 USD)"},
			{`{"amount":9223372036854775807,"currency":"eur","email":"a@b.co"}`, "99999999 minor units (999999.99 EUR)"},
			{`{"amount":100000000,"currency":"jpy","email":"a@b.co"}`, "99999999 minor units (99999999 JPY)"},
			// Stripe counts ISK in hundredths: its limit is 999,999 ISK.
			{`{"amount":1000000,"currency":"isk","email":"a@b.co"}`, "999999 minor units (999999 ISK)"},
		}
		for i, tc := range cases {
			status, p := ta.problem(t, tc.body, fmt.Sprintf("stripe-max-%d", i))
			require.Equal(t, http.StatusBadRequest, status, tc.body)
			require.Contains(t, p.Detail, tc.limit)
			require.Contains(t, p.Detail, "stripe")
		}
		require.Zero(t, calls.Load(), "refused before any call to Stripe")
	})
}

// Decode errors say what the field must hold in the request's terms;
// they never show Go's type names. A body must be one JSON object with
// nothing after it.
func TestCreateIntentBodyErrorsNameTheField(t *testing.T) {
	ta := startApp(t, nil, nil)
	cases := []struct {
		name, body string
		status     int
		detail     string
	}{
		{"amount as a string", `{"amount":"2999","currency":"usd","email":"a@b.co"}`, 400, "amount must be an integer number of minor units"},
		{"amount with decimals", `{"amount":29.99,"currency":"usd","email":"a@b.co"}`, 400, "amount must be an integer number of minor units"},
		{"amount beyond int64", `{"amount":1e30,"currency":"usd","email":"a@b.co"}`, 400, "amount must be an integer number of minor units"},
		{"negative zero point", `{"amount":-0.5,"currency":"usd","email":"a@b.co"}`, 400, "amount must be an integer number of minor units"},
		{"currency as a number", `{"amount":2999,"currency":840,"email":"a@b.co"}`, 400, "currency must be a string"},
		{"email as an object", `{"amount":2999,"currency":"usd","email":{"a":1}}`, 400, "email must be a string"},
		{"unknown field", `{"amount":2999,"currency":"usd","email":"a@b.co","amount_cents":1}`, 400, `unknown field "amount_cents"`},
		{"an array", `[{"amount":2999}]`, 400, "must be a JSON object"},
		{"a string", `"hello"`, 400, "must be a JSON object"},
		{"empty", ``, 400, "the body is empty"},
		{"cut short", `{"amount":2999,`, 400, "ends inside the JSON object"},
		{"not JSON", `amount=2999`, 400, "not valid JSON (at byte 1)"},
		{"trailing object", `{"amount":2999,"currency":"usd","email":"a@b.co"}{"amount":1}`, 400, "one JSON object and nothing after it"},
		{"trailing garbage", `{"amount":2999,"currency":"usd","email":"a@b.co"}xyz`, 400, "one JSON object and nothing after it"},
		{"trailing brace", `{"amount":2999,"currency":"usd","email":"a@b.co"}}`, 400, "one JSON object and nothing after it"},
		{"trailing number", `{"amount":2999,"currency":"usd","email":"a@b.co"} 1`, 400, "one JSON object and nothing after it"},
		{"too large", `{"amount":2999,"currency":"usd","email":"a@b.co","x":"` + strings.Repeat("a", maxCreateIntentBody) + `"}`, 413, "at most 65536 bytes"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, p := ta.problem(t, tc.body, fmt.Sprintf("decode-%d", i))
			require.Equal(t, tc.status, status, p.Detail)
			require.Contains(t, p.Detail, tc.detail)
			for _, goism := range []string{"Go struct", "int64", "string into", "createIntentRequest", "main.", "json:", "unmarshal"} {
				require.NotContains(t, p.Detail, goism)
			}
		})
	}
	// Trailing whitespace is not data.
	status, _ := ta.problem(t, "{\"amount\":2999,\"currency\":\"usd\",\"email\":\"a@b.co\"}\n\t ", "decode-ws")
	require.Equal(t, http.StatusCreated, status)
	require.Empty(t, ta.listOrders(t))
	require.Zero(t, ta.mailer.Len())
}
