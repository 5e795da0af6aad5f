package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard-go/switchboard/httpclient"
)

// clientRows compares an httpclient GET with a plain net/http GET on
// loopback.
func clientRows(cfg config) []Row {
	const (
		name = "httpclient GET vs net/http GET (loopback, 200 with small JSON body)"
		goal = "≤1.2x time"
	)
	if !cfg.want(name) {
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"obj_123","object":"thing","ok":true}`)
	}))
	defer srv.Close()
	ctx := context.Background()

	c, err := httpclient.New(httpclient.WithBaseURL(srv.URL))
	if err != nil {
		return []Row{errorRow(name, goal, err)}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 4}
	defer tr.CloseIdleConnections()
	plain := &http.Client{Transport: tr}
	url := srv.URL + "/v1/things/obj_123"

	s, b := micro{
		subject: func(tb *testing.B) {
			tb.ReportAllocs()
			for tb.Loop() {
				res, err := c.Get(ctx, "/v1/things/obj_123")
				guard(tb, err == nil && res.StatusCode == http.StatusOK && len(res.Body) > 0, "httpclient GET", err)
			}
		},
		baseline: func(tb *testing.B) {
			tb.ReportAllocs()
			for tb.Loop() {
				ok, err := plainGet(ctx, plain, url)
				guard(tb, ok, "net/http GET", err)
			}
		},
	}.run(cfg.rounds)
	return []Row{microRow(name, s, b, goal, func(r float64) bool { return r <= 1.2 })}
}

// plainGet is what code without a client library does: a request with a
// deadline, the whole body read, the status checked.
func plainGet(ctx context.Context, c *http.Client, url string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	res, err := c.Do(req)
	if err != nil {
		return false, err
	}
	body, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return false, err
	}
	if res.StatusCode != http.StatusOK || len(body) == 0 {
		return false, fmt.Errorf("status %d", res.StatusCode)
	}
	return true, nil
}
