package otelobserve_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/otelobserve"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// A webhook handler whose deliveries, events and store calls become spans.
func Example() {
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	tel, err := otelobserve.New(otelobserve.WithTracerProvider(tp))
	if err != nil {
		panic(err)
	}
	mem, _ := memstore.New()
	store := idempotency.ObserveStore(mem, tel.Store())
	v, _ := webhooks.NewStripe("whsec_example")
	h, err := webhooks.NewHandler(v, webhooks.WithStore(store), webhooks.WithObserver(tel.Webhooks()))
	if err != nil {
		panic(err)
	}
	h.On("invoice.paid", func(ctx context.Context, e *webhooks.Event) error { return nil })

	body := fmt.Appendf(nil, `{"id":"evt_1","type":"invoice.paid","created":%d}`, time.Now().Unix())
	r := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", bytes.NewReader(body))
	r.Header = webhookstest.SignStripe(body, "whsec_example", time.Now())
	h.ServeHTTP(httptest.NewRecorder(), r)

	for _, s := range recorder.Ended() {
		fmt.Println(s.Name())
	}
	// Output:
	// claim memstore
	// complete memstore
	// webhook stripe invoice.paid
	// webhook stripe
}
