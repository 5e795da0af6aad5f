package routers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

const secret = "whsec_routers_test"

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode) // no debug lines on standard output
	os.Exit(m.Run())
}

// routers mount h at POST /webhooks/stripe, each as its README section
// shows.
var routers = map[string]func(h http.Handler) http.Handler{
	"gin": func(h http.Handler) http.Handler {
		r := gin.New()
		r.POST("/webhooks/stripe", gin.WrapH(h))
		return r
	},
	"echo": func(h http.Handler) http.Handler {
		e := echo.New()
		e.POST("/webhooks/stripe", echo.WrapHandler(h))
		return e
	},
	"echo group": func(h http.Handler) http.Handler {
		e := echo.New()
		e.Group("/webhooks").POST("/stripe", echo.WrapHandler(h))
		return e
	},
	"gin group": func(h http.Handler) http.Handler {
		r := gin.New()
		r.Group("/webhooks").POST("/stripe", gin.WrapH(h))
		return r
	},
}

// Mounted on gin or echo, the handler verifies the raw body, runs the
// event function once however often the event is delivered, and answers
// a bad signature 400.
func TestHandlerMountedOnRouters(t *testing.T) {
	for name, mount := range routers {
		t.Run(name, func(t *testing.T) {
			verifier, err := webhooks.NewStripe(secret)
			require.NoError(t, err)
			h, err := webhooks.NewHandler(verifier)
			require.NoError(t, err)
			var runs atomic.Int32
			var data []byte
			h.On("payment_intent.succeeded", func(_ context.Context, e *webhooks.Event) error {
				runs.Add(1)
				data = append([]byte(nil), e.Data...)
				return nil
			})
			srv := httptest.NewServer(mount(h))
			defer srv.Close()

			body, err := webhookstest.SampleEvent("stripe", "payment_intent.succeeded")
			require.NoError(t, err)
			header := webhookstest.SignStripe(body, secret, time.Now())
			post := func(body []byte, header http.Header) (int, string) {
				t.Helper()
				req, err := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/stripe", bytes.NewReader(body))
				require.NoError(t, err)
				for k, vs := range header {
					req.Header[k] = vs
				}
				resp, err := srv.Client().Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				return resp.StatusCode, string(b)
			}

			for range 3 {
				status, out := post(body, header)
				require.Equal(t, http.StatusOK, status, out)
			}
			require.EqualValues(t, 1, runs.Load(), "the event ran once for three deliveries")
			require.Equal(t, body, data, "the function saw the body the router received")

			tampered := bytes.Replace(body, []byte(`"succeeded"`), []byte(`"failed"`), 1)
			require.NotEqual(t, body, tampered)
			status, out := post(tampered, header)
			require.Equal(t, http.StatusBadRequest, status, out)
			require.EqualValues(t, 1, runs.Load())
		})
	}
}

// A webhooks.Handler on gin: gin.WrapH turns any http.Handler into a gin
// handler.
func Example_gin() {
	verifier, err := webhooks.NewStripe("whsec_example")
	if err != nil {
		panic(err)
	}
	h, err := webhooks.NewHandler(verifier)
	if err != nil {
		panic(err)
	}
	h.On("payment_intent.succeeded", func(ctx context.Context, e *webhooks.Event) error {
		fmt.Println("fulfil", e.ID)
		return nil
	})

	r := gin.New()
	r.POST("/webhooks/stripe", gin.WrapH(h))

	deliver(r, "whsec_example")
	// Output:
	// fulfil evt_1
	// 200
}

// A webhooks.Handler on echo: echo.WrapHandler turns any http.Handler
// into an echo handler.
func Example_echo() {
	verifier, err := webhooks.NewStripe("whsec_example")
	if err != nil {
		panic(err)
	}
	h, err := webhooks.NewHandler(verifier)
	if err != nil {
		panic(err)
	}
	h.On("payment_intent.succeeded", func(ctx context.Context, e *webhooks.Event) error {
		fmt.Println("fulfil", e.ID)
		return nil
	})

	e := echo.New()
	e.POST("/webhooks/stripe", echo.WrapHandler(h))

	deliver(e, "whsec_example")
	// Output:
	// fulfil evt_1
	// 200
}

// deliver sends router one signed Stripe event and prints the status.
func deliver(router http.Handler, secret string) {
	body := []byte(`{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1735689600,` +
		`"data":{"object":{"id":"pi_1","object":"payment_intent","amount":2999,"currency":"usd","status":"succeeded"}}}`)
	req := webhookstest.NewRequest("/webhooks/stripe", body, webhookstest.SignStripe(body, secret, time.Now()))
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
}
