package idempotency_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
)

// A Runner runs work at most once per key: a retry of the same operation
// gets the first run's record back instead of running it again.
func Example() {
	ctx := context.Background()
	store, _ := memstore.New()
	defer store.Close()
	runner, err := idempotency.NewRunner(store, idempotency.WithTTL(72*time.Hour))
	if err != nil {
		fmt.Println(err)
		return
	}
	process := func(eventID string) {
		res, err := runner.Do(ctx, "stripe:"+eventID, "", func(ctx context.Context) (idempotency.Record, error) {
			fmt.Println("processing", eventID)
			return idempotency.Record{Status: 200}, nil // an error would release the key for a retry
		})
		switch {
		case errors.Is(err, idempotency.ErrInProgress):
			fmt.Println("another replica is processing", eventID)
		case errors.Is(err, idempotency.ErrUnavailable):
			fmt.Println("store unavailable, answer 503 so the provider retries")
		case err != nil:
			fmt.Println("failed, answer 500 so the provider retries:", err)
		case res.Replayed:
			fmt.Println("already processed", eventID)
		}
	}
	process("evt_1")
	process("evt_1")
	// Output:
	// processing evt_1
	// already processed evt_1
}

// An SMS sender sends a message at most once per idempotency key and
// returns the first send's receipt to a retry.
func ExampleRunner_Do() {
	ctx := context.Background()
	store, _ := memstore.New()
	defer store.Close()
	runner, _ := idempotency.NewRunner(store)

	type receipt struct{ ID string }
	sent := 0
	send := func(key, to, text string) (receipt, error) {
		res, err := runner.Do(ctx, "sms:"+key, to+"\x00"+text, func(ctx context.Context) (idempotency.Record, error) {
			sent++ // the provider call; an error here releases the key
			body, err := json.Marshal(receipt{ID: fmt.Sprintf("SM%03d", sent)})
			return idempotency.Record{Status: 200, Body: body}, err
		})
		if err != nil {
			return receipt{}, err
		}
		var r receipt
		err = json.Unmarshal(res.Record.Body, &r)
		return r, err
	}
	first, _ := send("order-7-shipped", "+2348030000000", "Your order shipped")
	retry, _ := send("order-7-shipped", "+2348030000000", "Your order shipped")
	_, err := send("order-7-shipped", "+2348030000000", "Another text")
	fmt.Println(first.ID, retry.ID, "sent", sent)
	fmt.Println(errors.Is(err, idempotency.ErrFingerprintMismatch))
	// Output:
	// SM001 SM001 sent 1
	// true
}

// A webhook delivery can hold a batch of events: claim every event first,
// then run the ones this delivery holds, each completed or released on
// its own.
func ExampleRunner_Claim() {
	ctx := context.Background()
	store, _ := memstore.New()
	defer store.Close()
	runner, _ := idempotency.NewRunner(store, idempotency.WithLease(5*time.Minute), idempotency.WithTTL(72*time.Hour))

	deliver := func(ids ...string) int {
		var held []*idempotency.Attempt
		for _, id := range ids {
			a, err := runner.Claim(ctx, "sendgrid:"+id, "")
			if err != nil {
				for _, h := range held {
					_ = h.Release(ctx) // nothing ran: let the retry claim them again
				}
				return http.StatusServiceUnavailable
			}
			if a.State == idempotency.Acquired {
				held = append(held, a)
			}
		}
		status := http.StatusOK
		for _, a := range held {
			_, err := a.Run(ctx, func(ctx context.Context) (idempotency.Record, error) {
				if strings.HasSuffix(a.Key(), "bad") {
					return idempotency.Record{}, errors.New("cannot process")
				}
				fmt.Println("processed", a.Key())
				return idempotency.Record{Status: http.StatusOK}, nil
			})
			if err != nil {
				status = http.StatusInternalServerError
			}
		}
		return status
	}
	fmt.Println(deliver("ev1", "ev2", "ev3bad"))
	fmt.Println(deliver("ev1", "ev2", "ev3bad")) // the retry runs only the failed event
	// Output:
	// processed sendgrid:ev1
	// processed sendgrid:ev2
	// 500
	// 500
}

// A job-queue worker runs a job under its key; a redelivered job that is
// still running elsewhere is put back for later.
func ExampleRunner_Do_job() {
	ctx := context.Background()
	store, _ := memstore.New()
	defer store.Close()
	runner, _ := idempotency.NewRunner(store, idempotency.WithLease(10*time.Minute))

	work := func(jobID string, fn func(context.Context) error) string {
		res, err := runner.Do(ctx, "job:"+jobID, "", func(ctx context.Context) (idempotency.Record, error) {
			return idempotency.Record{}, fn(ctx)
		})
		switch {
		case errors.Is(err, idempotency.ErrInProgress):
			return "snooze"
		case err != nil:
			return "retry: " + err.Error()
		case res.Replayed:
			return "already done"
		}
		return "done"
	}
	fmt.Println(work("42", func(context.Context) error {
		// The queue delivers job 42 again while it runs.
		fmt.Println("redelivery:", work("42", func(context.Context) error { return nil }))
		return nil
	}))
	fmt.Println(work("42", func(context.Context) error { return nil }))
	fmt.Println(work("43", func(context.Context) error { panic("bug") }))
	// Output:
	// redelivery: snooze
	// done
	// already done
	// retry: idempotency: work panicked: bug
}

func ExampleNewMiddleware() {
	store, _ := memstore.New()
	defer store.Close()
	created := 0
	createOrder := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		created++
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"order":%d}`, created)
	})
	idem, err := idempotency.NewMiddleware(store, idempotency.WithKeyRequired(true))
	if err != nil {
		fmt.Println(err)
		return
	}
	h := idem(createOrder)

	send := func(key, body string) {
		r := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer client-1")
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
	// Backends register their schemes when imported; this file imports
	// memstore, which registers "memory". Others, for example:
	//	import _ "github.com/switchboard-go/switchboard/idempotency/redisstore"
	store, err := idempotency.Open(context.Background(), "memory://?max_entries=10000")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	fmt.Printf("%T\n", store)

	_, err = idempotency.Open(context.Background(), "localhost:6379")
	fmt.Println(errors.Is(err, idempotency.ErrUnknownScheme))
	// Output:
	// *memstore.Store
	// true
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
