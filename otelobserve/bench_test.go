package otelobserve_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/otelobserve"
	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/logsms"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// variants returns the adapter on no-op providers and on the SDK, and nil
// for "unset".
func variants(b *testing.B) map[string]*otelobserve.Telemetry {
	noop, err := otelobserve.New(otelobserve.WithTracerProvider(tracenoop.NewTracerProvider()),
		otelobserve.WithMeterProvider(metricnoop.NewMeterProvider()))
	if err != nil {
		b.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	sdk, err := otelobserve.New(otelobserve.WithTracerProvider(tp), otelobserve.WithMeterProvider(mp))
	if err != nil {
		b.Fatal(err)
	}
	return map[string]*otelobserve.Telemetry{"unset": nil, "noop": noop, "sdk": sdk}
}

// BenchmarkWebhookHandler serves distinct signed Stripe events straight to
// the handler: the observer's cost against the handler's own work.
func BenchmarkWebhookHandler(b *testing.B) {
	const secret = "whsec_bench"
	for _, name := range []string{"unset", "noop", "sdk"} {
		tel := variants(b)[name]
		b.Run(name, func(b *testing.B) {
			store, _ := memstore.New()
			defer store.Close()
			v, _ := webhooks.NewStripe(secret)
			opts := []webhooks.HandlerOption{webhooks.WithStore(store)}
			if tel != nil {
				opts = append(opts, webhooks.WithObserver(tel.Webhooks()))
			}
			h, err := webhooks.NewHandler(v, opts...)
			if err != nil {
				b.Fatal(err)
			}
			h.On("invoice.paid", func(context.Context, *webhooks.Event) error { return nil })
			now := time.Now()
			bodies := make([][]byte, b.N)
			headers := make([]http.Header, b.N)
			for i := range bodies {
				bodies[i] = fmt.Appendf(nil, `{"id":"evt_%08d","object":"event","type":"invoice.paid","created":%d,"data":{"object":{}}}`, i, now.Unix())
				headers[i] = webhookstest.SignStripe(bodies[i], secret, now)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(bodies[i]))
				r.Header = headers[i]
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}

// BenchmarkHTTPClientGet is a loopback GET through httpclient.
func BenchmarkHTTPClientGet(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	defer srv.Close()
	for _, name := range []string{"unset", "noop", "sdk"} {
		tel := variants(b)[name]
		b.Run(name, func(b *testing.B) {
			opts := []httpclient.Option{httpclient.WithBaseURL(srv.URL)}
			if tel != nil {
				opts = append(opts, httpclient.WithObserver(tel.HTTPClient()))
			}
			c, err := httpclient.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Get(context.Background(), "/x"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSMSSend sends through the log sender (no network, a discarding
// logger): the observer's cost against the cheapest send there is.
func BenchmarkSMSSend(b *testing.B) {
	for _, name := range []string{"unset", "noop", "sdk"} {
		tel := variants(b)[name]
		b.Run(name, func(b *testing.B) {
			var opts []logsms.Option
			if tel != nil {
				opts = append(opts, logsms.WithObserver(tel.Calls()))
			}
			s, err := logsms.New(slog.New(slog.DiscardHandler), opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			m := &sms.Message{To: "+233241234567", Body: "Order 7 is paid"}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Send(context.Background(), m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
