package webhooks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// A Mandrill webhook: the handler answers the unsigned HEAD probe, then
// runs one function per event of a signed batch.
func ExampleNewMandrill() {
	const public = "https://example.com/hooks/mandrill"
	v, err := webhooks.NewMandrill("webhook-key", webhooks.WithPublicURL(public))
	if err != nil {
		panic(err)
	}
	h, err := webhooks.NewHandler(v)
	if err != nil {
		panic(err)
	}
	h.On("open", func(_ context.Context, e *webhooks.Event) error {
		fmt.Println("open", e.ID)
		return nil
	})

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, public, nil))
	fmt.Println("HEAD", rec.Code)

	batch := []byte(`[{"event":"open","_id":"msg-1","ts":1700000000,"msg":{"_id":"msg-1"}},{"event":"open","_id":"msg-2","ts":1700000001,"msg":{"_id":"msg-2"}}]`)
	hdr, body := webhookstest.SignMandrill(public, batch, "webhook-key")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, webhookstest.NewRequest(public, body, hdr))
	fmt.Println("POST", rec.Code)
	// Output:
	// HEAD 200
	// open msg-1
	// open msg-2
	// POST 200
}
