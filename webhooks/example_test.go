package webhooks_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/switchboard-go/switchboard/idempotency/sqlitestore"
	"github.com/switchboard-go/switchboard/webhooks"
)

// A GitHub endpoint on net/http's ServeMux, de-duplicating deliveries in
// SQLite. The same delivery sent twice runs the function once.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "webhooks-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := sqlitestore.Open(ctx, filepath.Join(dir, "idempotency.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	secret := "It's a Secret to Everybody" // in production: from the environment
	verifier, err := webhooks.NewGitHub(secret)
	if err != nil {
		log.Fatal(err)
	}
	h, err := webhooks.NewHandler(verifier,
		webhooks.WithStore(store),
		webhooks.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		log.Fatal(err)
	}
	h.On("push", func(ctx context.Context, e *webhooks.Event) error {
		fmt.Printf("push %s: %s\n", e.ID, e.Data)
		return nil
	})

	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/github", h)

	body := []byte(`{"ref":"refs/heads/main","before":"6113728f","after":"59b20b8d","commits":[]}`)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	for range 2 {
		r := httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-GitHub-Event", "push")
		r.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
		r.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// push 72d3162e-cc78-11e3-81ab-4c9367dc0958: {"ref":"refs/heads/main","before":"6113728f","after":"59b20b8d","commits":[]}
	// 200
	// 200
}

// Verifying a Stripe event outside a Handler, for example in a queue
// consumer that received the raw body and header.
func ExampleNewStripe() {
	secret := "whsec_example"
	now := time.Unix(1700000000, 0)
	body := []byte(`{"id":"evt_1","object":"event","created":1700000000,"type":"invoice.paid","data":{"object":{}}}`)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(now.Unix(), 10) + "."))
	mac.Write(body)
	header := "t=" + strconv.FormatInt(now.Unix(), 10) + ",v1=" + hex.EncodeToString(mac.Sum(nil))

	v, err := webhooks.NewStripe(secret, webhooks.WithClock(func() time.Time { return now }))
	if err != nil {
		log.Fatal(err)
	}
	events, err := v.Verify(&webhooks.Delivery{Header: http.Header{"Stripe-Signature": {header}}, Body: body})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(events[0].ID, events[0].Type, events[0].Time.UTC().Format(time.RFC3339))

	_, err = v.Verify(&webhooks.Delivery{Header: http.Header{"Stripe-Signature": {header}}, Body: append(body, ' ')})
	fmt.Println(err)
	// Output:
	// evt_1 invoice.paid 2023-11-14T22:13:20Z
	// webhooks: invalid signature: stripe signature matches no configured secret
}

// A provider without a dedicated verifier: HMAC-SHA512 of
// timestamp + "." + body, hex with a "sha512=" prefix, the time in its own
// header and the event ID in another.
func ExampleNewHMAC() {
	now := time.Unix(1700000000, 0)
	v, err := webhooks.NewHMAC("acme-secret", webhooks.HMACConfig{
		Provider:        "acme",
		Header:          "X-Acme-Signature",
		Hash:            webhooks.SHA512,
		Prefix:          "sha512=",
		TimestampHeader: "X-Acme-Timestamp",
		Signed:          "{timestamp}.{body}",
		EventID:         func(d *webhooks.Delivery) (string, error) { return d.Header.Get("X-Acme-Event-Id"), nil },
		EventType:       func(d *webhooks.Delivery) (string, error) { return d.Header.Get("X-Acme-Event"), nil },
	}, webhooks.WithClock(func() time.Time { return now }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Provider())
	// Output: acme
}
