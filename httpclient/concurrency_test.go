package httpclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConcurrentCallsStayIndependent drives many concurrent calls through
// one Client, mixing methods, bodies, headers and contexts, so that any
// state shared between calls (the client's header map, resty's clients)
// would show up as a request carrying another call's method, path, header
// or body.
func TestConcurrentCallsStayIndependent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Echo", r.Header.Get("X-N"))
		w.Header().Set("X-Method", r.Method)
		if r.Method == http.MethodHead {
			return
		}
		_, _ = fmt.Fprintf(w, "%s %s %s %q %s", r.Method, r.URL.RequestURI(), r.Header.Get("X-N"),
			body, r.Header.Get("User-Agent"))
	}))
	defer srv.Close()
	c := mustNew(t, WithBaseURL(srv.URL), WithUserAgent("concurrency-test"))

	type step struct {
		method string
		body   any
		header bool
	}
	steps := []step{
		{method: http.MethodGet},
		{method: http.MethodGet, header: true},
		{method: http.MethodHead, header: true},
		{method: http.MethodOptions},
		{method: http.MethodGet, body: "get body"},
		{method: http.MethodDelete, header: true},
		{method: http.MethodPut, body: []byte("put body")},
	}
	const workers, rounds = 8, 30
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				st := steps[(w+i)%len(steps)]
				n := fmt.Sprintf("%d-%d", w, i)
				var opts []RequestOption
				want := ""
				if st.header {
					opts = append(opts, WithRequestHeader("X-N", n))
					want = n
				}
				ctx, cancel := context.WithCancel(context.Background())
				resp, err := c.Do(ctx, st.method, "/p/"+n, st.body, opts...)
				// A cancelled context must not reach a later call that
				// reuses the same resty request.
				cancel()
				if err != nil {
					errs <- fmt.Errorf("%s %s: %w", st.method, n, err)
					continue
				}
				if got := resp.Header.Get("X-Echo"); got != want {
					errs <- fmt.Errorf("%s %s: header X-N = %q, want %q", st.method, n, got, want)
				}
				if got := resp.Header.Get("X-Method"); got != st.method {
					errs <- fmt.Errorf("%s %s: method %q", st.method, n, got)
				}
				if st.method == http.MethodHead {
					continue
				}
				var body []byte
				switch b := st.body.(type) {
				case string:
					body = []byte(b)
				case []byte:
					body = b
				}
				wantBody := fmt.Sprintf("%s /p/%s %s %q concurrency-test", st.method, n, want, body)
				if string(resp.Body) != wantBody {
					errs <- fmt.Errorf("%s %s: body %q, want %q", st.method, n, resp.Body, wantBody)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
