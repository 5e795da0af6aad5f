package otelobserve_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/idempotency/sqlitestore"
)

func TestIdempotencyMiddlewareOutcomes(t *testing.T) {
	hs := newHarness(t)
	mem, err := memstore.New()
	require.NoError(t, err)
	store := idempotency.ObserveStore(mem, hs.tel.Store())
	mw, err := idempotency.NewMiddleware(store, idempotency.WithObserver(hs.tel.Idempotency()))
	require.NoError(t, err)
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if string(body) == "slow" {
			entered <- struct{}{}
			<-release
		}
		_, span := hs.tp.Tracer("app").Start(r.Context(), "create order")
		span.End()
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"order":"PLANTEDorder"}`)
	}))
	send := func(key, body string) int {
		r := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+plantedBearer)
		if key != "" {
			r.Header.Set("Idempotency-Key", `"`+key+`"`)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	require.Equal(t, http.StatusCreated, send(plantedIdemKey, "a"))
	require.Equal(t, http.StatusCreated, send(plantedIdemKey, "a"))
	require.Equal(t, http.StatusUnprocessableEntity, send(plantedIdemKey, "b"))
	require.Equal(t, http.StatusCreated, send("", "a"))
	done := make(chan int)
	go func() { done <- send(plantedIdemKey+"-slow", "slow") }()
	<-entered
	require.Equal(t, http.StatusConflict, send(plantedIdemKey+"-slow", "slow"))
	close(release)
	require.Equal(t, http.StatusCreated, <-done)

	spans := hs.spans("idempotency POST")
	require.Len(t, spans, 6)
	var outcomes []string
	for _, s := range spans {
		outcomes = append(outcomes, attrs(s)["switchboard.outcome"])
	}
	require.ElementsMatch(t, []string{"stored", "replayed", "mismatch", "no_key", "conflict", "stored"}, outcomes)
	stored := spans[0]
	require.Equal(t, "201", attrs(stored)["http.response.status_code"])
	require.Equal(t, stored.SpanContext().TraceID().String(), hs.spans("create order")[0].SpanContext().TraceID().String(),
		"the handler's spans nest under the middleware's")
	for _, child := range hs.children(stored) {
		require.Contains(t, []string{"claim memstore", "complete memstore", "create order"}, child.Name())
	}

	downMW, err := idempotency.NewMiddleware(downStore{}, idempotency.WithObserver(hs.tel.Idempotency()))
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader("x"))
	r.Header.Set("Idempotency-Key", `"k"`)
	w := httptest.NewRecorder()
	downMW(http.NotFoundHandler()).ServeHTTP(w, r)
	require.Equal(t, http.StatusServiceUnavailable, w.Code)

	rm := hs.collect()
	req := "switchboard.idempotency.requests"
	require.EqualValues(t, 2, hs.count(rm, req, map[string]string{"switchboard.outcome": "stored", "http.response.status_code": "201"}))
	require.EqualValues(t, 1, hs.count(rm, req, map[string]string{"switchboard.outcome": "replayed"}))
	require.EqualValues(t, 1, hs.count(rm, req, map[string]string{"switchboard.outcome": "mismatch", "http.response.status_code": "422"}))
	require.EqualValues(t, 1, hs.count(rm, req, map[string]string{"switchboard.outcome": "conflict", "http.response.status_code": "409"}))
	require.EqualValues(t, 1, hs.count(rm, req, map[string]string{"switchboard.outcome": "store_error", "http.response.status_code": "503"}))
	require.EqualValues(t, 1, hs.count(rm, req, map[string]string{"switchboard.outcome": "no_key"}))
	require.EqualValues(t, 5, hs.count(rm, "switchboard.idempotency.store.operations", map[string]string{"switchboard.operation": "claim", "switchboard.idempotency.store": "memstore"}))
	require.EqualValues(t, 1, hs.count(rm, "switchboard.idempotency.store.operations", map[string]string{"switchboard.outcome": "in_progress"}))
	hs.requireNoSecrets(plantedIdemKey, plantedBearer, "PLANTEDorder")
}

func TestStoreSpansOfDatabaseBackends(t *testing.T) {
	hs := newHarness(t)
	s := idempotency.ObserveStore(downStore{}, hs.tel.Store())
	_, err := s.Claim(context.Background(), "k", "", 1)
	require.ErrorIs(t, err, idempotency.ErrUnavailable)
	span := hs.span("claim otelobserve_test")
	require.Equal(t, "unavailable", attrs(span)["error.type"])
	require.Equal(t, "Error", span.Status().Code.String())
	require.NotContains(t, attrs(span), "db.system.name", "only the module's database stores name a system")

	lite, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "idem.db"))
	require.NoError(t, err)
	s = idempotency.ObserveStore(lite, hs.tel.Store())
	defer s.Close()
	c, err := s.Claim(context.Background(), "PLANTEDkey", "PLANTEDfingerprint", time.Minute)
	require.NoError(t, err)
	require.NoError(t, s.Complete(context.Background(), "PLANTEDkey", c.Token, idempotency.Record{Status: 200, Body: []byte("PLANTEDbody")}, time.Minute))
	claim := hs.span("claim sqlitestore")
	require.Equal(t, trace.SpanKindClient, claim.SpanKind())
	a := attrs(claim)
	require.Equal(t, "sqlite", a["db.system.name"])
	require.Equal(t, "claim", a["db.operation.name"])
	require.Equal(t, "acquired", a["switchboard.outcome"])
	require.Equal(t, "ok", attrs(hs.span("complete sqlitestore"))["switchboard.outcome"])
	hs.requireNoSecrets("PLANTED", c.Token)
}
