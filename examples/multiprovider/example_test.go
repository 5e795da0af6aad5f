package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// Example starts the example's router with a known GitHub secret, sends it
// one signed ping twice, and lists the processed events: the ping appears
// once.
func Example() {
	dir, err := os.MkdirTemp("", "multiprovider-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	cfg, err := configFromEnv(func(k string) string {
		return map[string]string{"DATA_DIR": dir, "GITHUB_WEBHOOK_SECRET": "It's a Secret to Everybody"}[k]
	})
	if err != nil {
		panic(err)
	}
	h, cleanup, err := newServer(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		panic(err)
	}
	defer cleanup()
	srv := httptest.NewServer(h)
	defer srv.Close()

	body := []byte(`{"zen":"Design for failure.","hook_id":42}`)
	for range 2 {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/github", bytes.NewReader(body))
		req.Header = webhookstest.SignGitHub(body, "It's a Secret to Everybody", "ping", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println("POST /webhooks/github:", resp.StatusCode)
	}

	resp, err := srv.Client().Get(srv.URL + "/events")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var events []eventRecord
	if err := json.NewDecoder(resp.Body).Decode(&events); err != nil {
		panic(err)
	}
	for _, e := range events {
		fmt.Println(e.Provider, e.Type, e.ID)
	}
	// Output:
	// POST /webhooks/github: 200
	// POST /webhooks/github: 200
	// github ping 72d3162e-cc78-11e3-81ab-4c9367dc0958
}
