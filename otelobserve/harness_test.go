package otelobserve_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/switchboard-go/switchboard/otelobserve"
)

// harness records every span and metric the adapter makes.
type harness struct {
	t      *testing.T
	sr     *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	tel    *otelobserve.Telemetry
}

func newHarness(t *testing.T, opts ...otelobserve.Option) *harness {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	tel, err := otelobserve.New(append([]otelobserve.Option{
		otelobserve.WithTracerProvider(tp), otelobserve.WithMeterProvider(mp)}, opts...)...)
	require.NoError(t, err)
	return &harness{t: t, sr: sr, tp: tp, reader: reader, tel: tel}
}

// spans returns the ended spans named name.
func (h *harness) spans(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range h.sr.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// span returns the one ended span named name.
func (h *harness) span(name string) sdktrace.ReadOnlySpan {
	h.t.Helper()
	got := h.spans(name)
	require.Len(h.t, got, 1, "one span named %q; ended: %v", name, h.names())
	return got[0]
}

func (h *harness) names() []string {
	var out []string
	for _, s := range h.sr.Ended() {
		out = append(out, s.Name())
	}
	return out
}

// children returns the ended spans whose parent is s.
func (h *harness) children(s sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, c := range h.sr.Ended() {
		if c.Parent().SpanID() == s.SpanContext().SpanID() {
			out = append(out, c)
		}
	}
	return out
}

// attrs returns a span's attributes as a map of their emitted values.
func attrs(s sdktrace.ReadOnlySpan) map[string]string {
	m := map[string]string{}
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

func (h *harness) collect() metricdata.ResourceMetrics {
	h.t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(h.t, h.reader.Collect(context.Background(), &rm))
	return rm
}

// metric returns the metric named name.
func (h *harness) metric(rm metricdata.ResourceMetrics, name string) metricdata.Metrics {
	h.t.Helper()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m
			}
		}
	}
	h.t.Fatalf("no metric %q", name)
	return metricdata.Metrics{}
}

// matches reports whether set holds every key=value of want.
func matches(set attribute.Set, want map[string]string) bool {
	for k, v := range want {
		got, ok := set.Value(attribute.Key(k))
		if !ok || got.String() != v {
			return false
		}
	}
	return true
}

// count sums the counter points (or histogram counts) of metric name whose
// attributes match want.
func (h *harness) count(rm metricdata.ResourceMetrics, name string, want map[string]string) int64 {
	h.t.Helper()
	var n int64
	switch d := h.metric(rm, name).Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				n += p.Value
			}
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				n += int64(p.Count)
			}
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				n = p.Value
			}
		}
	default:
		h.t.Fatalf("metric %q has unexpected data %T", name, d)
	}
	return n
}

// metricKeys returns every attribute key used by metric name's points.
func (h *harness) metricKeys(rm metricdata.ResourceMetrics, name string) map[string]bool {
	keys := map[string]bool{}
	add := func(s attribute.Set) {
		for _, kv := range s.ToSlice() {
			keys[string(kv.Key)] = true
		}
	}
	switch d := h.metric(rm, name).Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			add(p.Attributes)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			add(p.Attributes)
		}
	}
	return keys
}

// requireNoSecrets scans every span name, status, attribute, event and link
// attribute, and every metric point attribute for each of the planted
// secrets.
func (h *harness) requireNoSecrets(secrets ...string) {
	h.t.Helper()
	var texts []string
	kvs := func(where string, list []attribute.KeyValue) {
		for _, kv := range list {
			texts = append(texts, fmt.Sprintf("%s %s=%s", where, kv.Key, kv.Value.String()))
		}
	}
	for _, s := range h.sr.Ended() {
		texts = append(texts, "span name "+s.Name(), "status "+s.Status().Description)
		kvs("span "+s.Name(), s.Attributes())
		for _, e := range s.Events() {
			texts = append(texts, "event "+e.Name)
			kvs("event of "+s.Name(), e.Attributes)
		}
		for _, l := range s.Links() {
			kvs("link of "+s.Name(), l.Attributes)
		}
		kvs("resource", s.Resource().Attributes())
	}
	rm := h.collect()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			texts = append(texts, "metric "+m.Name)
			var sets []attribute.Set
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					sets = append(sets, p.Attributes)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					sets = append(sets, p.Attributes)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					sets = append(sets, p.Attributes)
				}
			}
			for _, s := range sets {
				kvs("metric "+m.Name, s.ToSlice())
			}
		}
	}
	require.NotEmpty(h.t, texts)
	for _, text := range texts {
		for _, secret := range secrets {
			require.NotContains(h.t, text, secret, "a planted secret leaked into telemetry")
		}
	}
}

// parentIs reports whether sc's span is the parent of s.
func parentIs(s sdktrace.ReadOnlySpan, sc trace.SpanContext) bool {
	return s.Parent().TraceID() == sc.TraceID() && s.Parent().SpanID() == sc.SpanID()
}
