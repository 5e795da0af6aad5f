package idempotency_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
)

// A webhook handler claims the event's key before processing it, and
// completes the key afterwards; a redelivery finds the key completed.
func Example() {
	ctx := context.Background()
	store := idempotency.NewMemoryStore()
	defer store.Close()

	process := func(eventID string) {
		claim, err := store.Claim(ctx, "stripe:"+eventID, "", time.Minute)
		if err != nil {
			fmt.Println("store unavailable, answer 503 so the provider retries:", err)
			return
		}
		switch claim.State {
		case idempotency.Acquired:
			fmt.Println("processing", eventID)
			// ... do the work; on failure call store.Release so a retry runs ...
			if err := store.Complete(ctx, "stripe:"+eventID, claim.Token, idempotency.Record{Status: 200}, 72*time.Hour); err != nil {
				fmt.Println("lease lost:", err)
			}
		case idempotency.InProgress:
			fmt.Println("another replica is processing", eventID)
		case idempotency.Completed:
			fmt.Println("already processed", eventID)
		}
	}
	process("evt_1")
	process("evt_1")
	// Output:
	// processing evt_1
	// already processed evt_1
}

func ExampleMiddleware() {
	created := 0
	createOrder := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		created++
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"order":%d}`, created)
	})
	h := idempotency.Middleware(idempotency.NewMemoryStore(),
		idempotency.WithKeyRequired(true),
		idempotency.WithLogger(slog.New(slog.DiscardHandler)),
	)(createOrder)

	send := func(key, body string) {
		r := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(body))
		if key != "" {
			r.Header.Set("Idempotency-Key", key)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		b, _ := io.ReadAll(w.Result().Body)
		fmt.Println(w.Code, w.Header().Get("Idempotent-Replayed"), string(b))
	}
	send(`"order-7"`, `{"sku":"A"}`) // runs the handler
	send(`"order-7"`, `{"sku":"A"}`) // replayed
	send(`"order-7"`, `{"sku":"B"}`) // same key, other request
	send(``, `{"sku":"A"}`)          // no key
	fmt.Println("orders created:", created)
	// Output:
	// 201  {"order":1}
	// 201 true {"order":1}
	// 422  {"type":"about:blank","title":"Idempotency-Key is already used","status":422,"detail":"This key was used with a different request; use a new key for a new request."}
	// 400  {"type":"about:blank","title":"Idempotency-Key is missing","status":400,"detail":"This operation requires an Idempotency-Key header."}
	// orders created: 1
}

func ExampleOpen() {
	// Backends register their schemes when imported, for example
	//	import _ "github.com/switchboard-go/switchboard/idempotency/redisstore"
	store, err := idempotency.Open(context.Background(), "memory://")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	fmt.Printf("%T\n", store)
	// Output: *idempotency.MemoryStore
}

func ExampleParseKey() {
	for _, v := range []string{`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, `bare-key`, `"unterminated`} {
		key, err := idempotency.ParseKey(v)
		fmt.Printf("%q %v\n", key, err)
	}
	// Output:
	// "8e03978e-40d5-43e8-bc93-6894a57f9324" <nil>
	// "bare-key" <nil>
	// "" idempotency: invalid key: malformed Idempotency-Key header
}

func ExampleNewMemoryStore() {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	store := idempotency.NewMemoryStore(idempotency.WithClock(func() time.Time { return now }))

	first, _ := store.Claim(ctx, "job-1", "fp", 30*time.Second)
	second, _ := store.Claim(ctx, "job-1", "fp", 30*time.Second)
	now = now.Add(31 * time.Second) // the first holder's lease ran out
	third, _ := store.Claim(ctx, "job-1", "fp", 30*time.Second)
	fmt.Println(first.State, second.State, third.State)
	fmt.Println(store.Complete(ctx, "job-1", first.Token, idempotency.Record{}, time.Hour))
	fmt.Println(store.Complete(ctx, "job-1", third.Token, idempotency.Record{}, time.Hour))
	// Output:
	// acquired in_progress acquired
	// idempotency: lease lost
	// <nil>
}
