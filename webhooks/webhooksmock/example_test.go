package webhooksmock_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"go.uber.org/mock/gomock"

	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhooksmock"
)

// printReporter reports gomock failures on standard output, for the example.
type printReporter struct{}

func (printReporter) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (printReporter) Fatalf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// A Handler driven by a mocked Verifier: first a delivery that fails
// verification, then one that carries an event.
func Example() {
	ctrl := gomock.NewController(printReporter{})
	defer ctrl.Finish()
	v := webhooksmock.NewMockVerifier(ctrl)
	v.EXPECT().Provider().Return("acme").AnyTimes()
	gomock.InOrder(
		v.EXPECT().Verify(gomock.Any()).Return(nil, fmt.Errorf("%w: test", webhooks.ErrInvalidSignature)),
		v.EXPECT().Verify(gomock.Any()).DoAndReturn(func(d *webhooks.Delivery) ([]webhooks.Event, error) {
			return []webhooks.Event{{Provider: "acme", ID: "e1", Type: "thing.created", Data: d.Body, Delivery: d}}, nil
		}),
	)

	h, err := webhooks.NewHandler(v, webhooks.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))

	if err != nil {

		panic(err)

	}
	h.On("thing.created", func(_ context.Context, e *webhooks.Event) error {
		fmt.Println("ran", e.ID)
		return nil
	})
	for range 2 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`)))
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	}
	// Output:
	// 400 {"error":"invalid signature"}
	// ran e1
	// 200 {"status":"ok"}
}
