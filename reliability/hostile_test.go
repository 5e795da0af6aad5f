package reliability

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/switchboard-go/switchboard/webhooks"
)

// serveDirect calls h.ServeHTTP for req and turns a panic into a test
// failure that names the case.
func serveDirect(t *testing.T, h http.Handler, req *http.Request, what string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%s: handler panicked: %v", what, r)
			}
		}()
		h.ServeHTTP(rec, req)
	}()
	return rec
}

// hostileBodies are payloads that a provider never sends but an attacker
// holding no secret cannot sign either; behind a valid signature they
// test the event extraction code.
func hostileBodies() map[string][]byte {
	const depth = 100_000
	return map[string][]byte{
		"nested objects": []byte(`{"id":"evt_bomb","type":"invoice.paid","data":` +
			strings.Repeat(`{"a":`, depth) + `1` + strings.Repeat(`}`, depth) + `}`),
		"nested arrays":    []byte(strings.Repeat(`[`, 4*depth) + strings.Repeat(`]`, 4*depth)),
		"nested in array":  []byte(`[{"event":"delivered","sg_event_id":"x","data":` + strings.Repeat(`[`, depth) + strings.Repeat(`]`, depth) + `}]`),
		"invalid utf-8":    []byte("{\"id\":\"evt_\xff\xfe\",\"type\":\"invoice.paid\xc0\",\"event\":\"\xed\xa0\x80\",\"data\":{\"id\":\"\xf8\"}}"),
		"nul bytes":        []byte("{\"id\":\"evt\x00nul\",\"type\":\"a\x00b\",\"data\":{}}"),
		"truncated":        []byte(`{"id":"evt_trunc","type":`),
		"empty":            {},
		"not json":         []byte("\x00\x01\x02 hello"),
		"duplicate keys":   []byte(`{"id":"evt_a","id":"evt_b","type":"x","type":"y","data":{},"data":[]}`),
		"huge string":      []byte(`{"id":"evt_` + strings.Repeat("x", 600_000) + `","type":"invoice.paid","data":{}}`),
		"numbers":          []byte(`{"id":1e999999,"type":-0,"created":99999999999999999999999999,"data":{"id":1e-99999}}`),
		"escaped":          []byte(`{"id":"evt_\ud800\u0000\"","type":"\\\\\\","data":{}}`),
		"array of scalars": []byte(`[1,2,3,"x",null,true]`),
	}
}

// TestHostileBodies sends every hostile body, correctly signed, to a
// Handler for every provider: the answer is 200 or 400, never a panic or
// a 5xx, and no event without an id is processed.
func TestHostileBodies(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t, append(leakOptions, goleak.IgnoreCurrent())...) })
	for _, p := range providers() {
		t.Run(p.name, func(t *testing.T) {
			sink := newLogSink(t)
			sink.secret(p.secrets...)
			h, err := webhooks.NewHandler(p.verifier(t), webhooks.WithLogger(sink.logger()))
			require.NoError(t, err)
			h.Fallback(func(_ context.Context, e *webhooks.Event) error {
				if e.ID == "" {
					t.Errorf("%s: an event without an id was processed", p.name)
				}
				return nil
			})
			for name, body := range hostileBodies() {
				hdr, target, payload := p.sign(t, body)
				req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(payload))
				req.Header = hdr
				rec := serveDirect(t, h, req, name)
				want := []int{http.StatusOK, http.StatusBadRequest}
				if len(payload) > int(webhooks.DefaultMaxBodyBytes) {
					// Form encoding (Mandrill) can push a body past the limit.
					want = []int{http.StatusRequestEntityTooLarge}
				}
				require.Contains(t, want, rec.Code, "%s/%s: %s", p.name, name, rec.Body.String())
			}
		})
	}
}

// garbage are header values no provider sends.
var garbage = []string{
	"", " ", ",", ",,,,", "=", "t=", "v1=", "t=,v1=", "t=1,v1=", "sha256=", "v0=", "v1,", "v1,!!!",
	"t=99999999999999999999999,v1=00", "t=-1,v1=zz", "t=1e9,v1=" + strings.Repeat("g", 64),
	"\xff\xfe\xfd", "t=1\x00,v1=ab", strings.Repeat("v1=ab,", 10_000), strings.Repeat("v1,QUJD ", 5_000),
	strings.Repeat("A", 64<<10), "%00%ff", "sha256=" + strings.Repeat("0", 64), "sha1=" + strings.Repeat("0", 40),
	"=?utf-8?b?AAAA?=", "MEUCIQ==", "()<>@,;:\\\"/[]?={} \t",
}

// TestGarbledHeaders replaces each header of a valid delivery with
// garbage, repeats headers and mixes valid and invalid values: the answer
// is never a 5xx or a panic, and a garbled signature header is 400.
func TestGarbledHeaders(t *testing.T) {
	for _, p := range providers() {
		t.Run(p.name, func(t *testing.T) {
			sink := newLogSink(t)
			sink.secret(p.secrets...)
			h, err := webhooks.NewHandler(p.verifier(t), webhooks.WithLogger(sink.logger()))
			require.NoError(t, err)
			processed := newCounter()
			h.Fallback(func(_ context.Context, e *webhooks.Event) error { processed.add(e.ID); return nil })
			body := []byte(`{"id":"evt_garbled","type":"invoice.paid","event":"charge.success","data":{"id":42}}`)
			if p.name == "mandrill" {
				body = []byte(`[{"_id":"m1","event":"send","ts":1709251234,"msg":{}}]`)
			}
			hdr, target, payload := p.sign(t, body)
			sig := hdr.Get(p.sigHeader)
			sink.secret(sig)

			do := func(h2 http.Header, what string) int {
				req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(payload))
				req.Header = h2
				rec := serveDirect(t, h, req, what)
				require.Less(t, rec.Code, 500, "%s: %s", what, rec.Body.String())
				return rec.Code
			}
			for name := range hdr {
				for i, g := range garbage {
					h2 := hdr.Clone()
					h2[name] = []string{g}
					code := do(h2, fmt.Sprintf("%s = garbage %d", name, i))
					if http.CanonicalHeaderKey(name) == http.CanonicalHeaderKey(p.sigHeader) {
						require.Equal(t, http.StatusBadRequest, code, "garbage %d in the signature header", i)
					}
				}
			}
			for i, g := range garbage {
				h2 := hdr.Clone()
				h2[http.CanonicalHeaderKey(p.sigHeader)] = []string{g, sig, g}
				do(h2, fmt.Sprintf("repeated signature header around garbage %d", i))
				h2[http.CanonicalHeaderKey(p.sigHeader)] = []string{sig, g}
				do(h2, fmt.Sprintf("valid then garbage %d", i))
			}
			h2 := hdr.Clone()
			h2[http.CanonicalHeaderKey(p.sigHeader)] = nil
			require.Equal(t, http.StatusBadRequest, do(h2, "no signature header"))
			h2 = http.Header{}
			for i := range 2000 {
				h2.Add(fmt.Sprintf("X-Junk-%d", i), "\xff")
			}
			require.Equal(t, http.StatusBadRequest, do(h2, "only junk headers"))
			// Providers that take the event id from a header (GitHub,
			// Shopify) see a new id per garbled value; each id still runs
			// at most once.
			for id, n := range processed.snapshot() {
				require.Equal(t, 1, n, "event %q processed %d times", id, n)
			}
		})
	}
}

// zeroReader yields n bytes of JSON-looking filler without holding them.
type zeroReader struct{ left int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), z.left)
	for i := range p[:n] {
		p[i] = ' '
	}
	z.left -= n
	return int(n), nil
}

// TestLargeBodies sends 20 bodies of 10 MiB at once, with and without a
// Content-Length: each is answered 413 and the heap grows by far less
// than the bodies' total size.
func TestLargeBodies(t *testing.T) {
	const (
		clients = 20
		bodyLen = 10 << 20
	)
	sink := newLogSink(t)
	h := stripeHandler(t, sink)
	h.On("invoice.paid", func(context.Context, *webhooks.Event) error { return nil })
	srv, _ := serve(t, h)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()

	var wg sync.WaitGroup
	statuses := make([]int, clients)
	errs := make([]error, clients)
	addr := strings.TrimPrefix(srv.URL, "http://")
	hdr := signedStripe(t, sink, srv.URL, stripeEvent("evt_large")).Header
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], errs[i] = postLarge(addr, hdr, bodyLen, i%2 == 1)
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled

	for i := range clients {
		require.NoError(t, errs[i], "client %d", i)
		require.Equal(t, http.StatusRequestEntityTooLarge, statuses[i], "client %d", i)
	}
	growth := int64(peak.Load()) - int64(before.HeapAlloc)
	t.Logf("heap growth under %d concurrent %d MiB bodies: %.1f MiB", clients, bodyLen>>20, float64(growth)/(1<<20))
	// Each request may hold up to the 1 MiB limit (twice that while a
	// growing buffer is copied), plus connection buffers: far below the
	// 200 MiB the bodies add up to.
	limit := int64(clients)*2*webhooks.DefaultMaxBodyBytes + 16<<20
	require.Less(t, growth, limit, "the handler must not buffer whole oversized bodies")
}

// postLarge sends a POST with an n-byte body over a raw connection and
// returns the status the server answered. The body is written in the
// background while the response is read, so that a server answering 413
// and closing the connection early is seen as such, not as a write error.
func postLarge(addr string, hdr http.Header, n int64, chunked bool) (int, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	var head strings.Builder
	head.WriteString("POST / HTTP/1.1\r\nHost: " + addr + "\r\n")
	for k, vs := range hdr {
		for _, v := range vs {
			head.WriteString(k + ": " + v + "\r\n")
		}
	}
	if chunked {
		head.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	} else {
		fmt.Fprintf(&head, "Content-Length: %d\r\n\r\n", n)
	}
	written := make(chan struct{})
	go func() {
		defer close(written)
		if _, err := io.WriteString(c, head.String()); err != nil {
			return
		}
		body := io.Reader(&zeroReader{left: n})
		if chunked {
			buf := make([]byte, 64<<10)
			for {
				m, err := body.Read(buf)
				if m > 0 {
					if _, werr := io.WriteString(c, strconv.FormatInt(int64(m), 16)+"\r\n"); werr != nil {
						return
					}
					if _, werr := c.Write(buf[:m]); werr != nil {
						return
					}
					if _, werr := io.WriteString(c, "\r\n"); werr != nil {
						return
					}
				}
				if err != nil {
					_, _ = io.WriteString(c, "0\r\n\r\n")
					return
				}
			}
		}
		_, _ = io.Copy(c, body)
	}()
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		<-written
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	_ = c.Close() // stops the writer if it is still sending
	<-written
	return res.StatusCode, nil
}

// TestSlowClients serves the Handler from an http.Server with header and
// body read timeouts: a client that never finishes its headers and one
// that stalls in its body are both disconnected, and nothing runs.
func TestSlowClients(t *testing.T) {
	sink := newLogSink(t)
	h := stripeHandler(t, sink)
	var calls atomic.Int64
	h.On("invoice.paid", func(context.Context, *webhooks.Event) error { calls.Add(1); return nil })
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: time.Second,
		WriteTimeout: 2 * time.Second, IdleTimeout: time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-served
	})

	// waitClosed reads until the server closes the connection and returns
	// how long that took and what the server wrote.
	waitClosed := func(c net.Conn) (time.Duration, string) {
		start := time.Now()
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		b, _ := io.ReadAll(bufio.NewReader(c))
		return time.Since(start), string(b)
	}

	t.Run("headers never finish", func(t *testing.T) {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		_, err = io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nStripe-Sig")
		require.NoError(t, err)
		took, _ := waitClosed(c)
		require.Less(t, took, 15*time.Second, "the server must drop a client stuck in its headers")
	})
	t.Run("body stalls", func(t *testing.T) {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		req := signedStripe(t, sink, "http://x/", stripeEvent("evt_slow"))
		var head strings.Builder
		head.WriteString("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n")
		for k, vs := range req.Header {
			for _, v := range vs {
				head.WriteString(k + ": " + v + "\r\n")
			}
		}
		head.WriteString("\r\n{\"id\":")
		_, err = io.WriteString(c, head.String())
		require.NoError(t, err)
		took, answer := waitClosed(c)
		require.Less(t, took, 15*time.Second, "the server must drop a client stalled in its body")
		if answer != "" {
			require.NotContains(t, answer, " 200 ", "a truncated body must not be accepted")
		}
	})
	require.Zero(t, calls.Load())
}
