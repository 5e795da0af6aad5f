package httpclient

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkGet compares a GET through Client with the same GET through a
// plain net/http client, against one loopback server. Both clients are
// warmed up first (connection open, server goroutines and heap grown), so
// that neither sub-benchmark pays for running first.
func BenchmarkGet(b *testing.B) {
	body := []byte(`{"base":"USD","rates":{"GHS":15.2}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	ctx := context.Background()

	c := mustNew(b, WithBaseURL(srv.URL))
	clientGet := func() error {
		resp, err := c.Get(ctx, "/rates")
		if err == nil && len(resp.Body) != len(body) {
			err = errors.New("short body")
		}
		return err
	}
	hc := &http.Client{Transport: newTransport(&mustNew(b).cfg)}
	plainGet := func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/rates", nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		data, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err == nil && len(data) != len(body) {
			err = errors.New("short body")
		}
		return err
	}
	// The same plain GET under a per-call deadline, the guarantee Client
	// always gives: it shows how much of the difference is the deadline.
	deadlineGet := func() error {
		ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/rates", nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		_, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return err
	}
	for range 500 {
		if err := errors.Join(clientGet(), plainGet(), deadlineGet()); err != nil {
			b.Fatal(err)
		}
	}

	b.Run("client", func(b *testing.B) { benchLoop(b, clientGet) })
	b.Run("nethttp", func(b *testing.B) { benchLoop(b, plainGet) })
	b.Run("nethttp_deadline", func(b *testing.B) { benchLoop(b, deadlineGet) })
}

// benchLoop runs get b.N times. Besides ns/op it reports cpu-ns/op, the
// process CPU time (client and loopback server together) per call, which
// other load on the machine disturbs far less than wall-clock time.
func benchLoop(b *testing.B, get func() error) {
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		if err := get(); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// cannedTransport answers every request at once, without a network, so
// that BenchmarkOverhead measures only the CPU cost of each client.
type cannedTransport struct{ body []byte }

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)),
		Request:       r,
	}, nil
}

// BenchmarkOverhead is BenchmarkGet without the network: the difference
// between its sub-benchmarks is the per-call cost of this package and resty.
func BenchmarkOverhead(b *testing.B) {
	rt := cannedTransport{[]byte(`{"base":"USD","rates":{"GHS":15.2}}`)}
	ctx := context.Background()
	c := mustNew(b, WithBaseURL("http://rates.test"), WithTransport(rt))
	clientGet := func() error {
		_, err := c.Get(ctx, "/rates")
		return err
	}
	hc := &http.Client{Transport: rt}
	plainGet := func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://rates.test/rates", nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		_, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return err
	}
	for range 1000 {
		if err := errors.Join(clientGet(), plainGet()); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("client", func(b *testing.B) { benchLoop(b, clientGet) })
	b.Run("nethttp", func(b *testing.B) { benchLoop(b, plainGet) })
}
