package httpclient

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/stretchr/testify/require"
)

// TestRestyTraps pins down the resty v2 behaviour this package works
// around (see the package documentation). If it fails after a resty
// upgrade, the reasons for the custom retry loop should be revisited.
func TestRestyTraps(t *testing.T) {
	rec := newRecorder(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	rc := resty.New().SetLogger(discardLogger{}).
		SetRetryCount(2).SetRetryWaitTime(time.Millisecond).SetRetryMaxWaitTime(2 * time.Millisecond).
		AddRetryCondition(func(r *resty.Response, err error) bool {
			return err != nil || r.StatusCode() == http.StatusServiceUnavailable
		})
	// Retry-After asks for an hour; resty clamps it to its 2 ms maximum.
	resp, err := rc.R().SetBody(strings.NewReader(`{"r":1}`)).Post(rec.srv.URL + "/charges")
	require.NoError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode())

	reqs := rec.requests()
	require.Len(t, reqs, 3, "a POST without an idempotency key was retried")
	require.Equal(t, `{"r":1}`, string(reqs[0].Body))
	require.Empty(t, string(reqs[1].Body), "the io.Reader body was sent empty on the retry")
	require.Empty(t, string(reqs[2].Body))
}
