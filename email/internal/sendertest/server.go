package sendertest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// Request is one request the Server accepted, as it arrived.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// Expect says what every request to a Server must look like. A request
// that does not match is reported with t.Errorf (naming what differs but
// never a header's value, which may be a credential) and answered with
// 418 I'm a teapot.
type Expect struct {
	// Method and Path must match exactly.
	Method, Path string

	// Header lists headers that must have exactly the given value.
	Header map[string]string

	// Check, when set, is called with every request whose method, path
	// and headers match; a non-nil error rejects the request. The error
	// must not quote credentials.
	Check func(r *http.Request, body []byte) error

	// Inspect, when set, is called with every accepted request from the
	// server's goroutine, for assertions on the body (t.Errorf-style
	// reporting is safe there; FailNow is not).
	Inspect func(r Request)
}

// ReplyFunc writes the answer to the n-th accepted request (counting from
// 1): it may set response headers on h and returns the body to send. It
// gets the canned status and body set with Server.Respond.
type ReplyFunc func(h http.Header, n int, status int, body string) string

// Server is an httptest server that records what a sender posts to a
// provider's API and answers with a canned status and body. It is safe
// for concurrent use.
type Server struct {
	t      testing.TB
	srv    *httptest.Server
	expect Expect
	reply  ReplyFunc
	hits   atomic.Int32

	mu     sync.Mutex
	reqs   []Request
	status int
	body   string
}

// NewServer starts a Server that checks every request against expect and
// answers status with an empty body until Respond says otherwise. reply
// may be nil, in which case the canned body is sent as is. The server is
// closed when the test ends.
func NewServer(t testing.TB, status int, expect Expect, reply ReplyFunc) *Server {
	s := &Server{t: t, expect: expect, reply: reply, status: status}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base URL, such as "http://127.0.0.1:1234".
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down, so later requests fail in transport.
func (s *Server) Close() { s.srv.Close() }

// Hits counts every request that reached the server, accepted or not.
func (s *Server) Hits() int { return int(s.hits.Load()) }

// Respond makes the server answer status and body until restore is called.
func (s *Server) Respond(status int, body string) (restore func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	oldStatus, oldBody := s.status, s.body
	s.status, s.body = status, body
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.status, s.body = oldStatus, oldBody
	}
}

// Requests returns the accepted requests so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// Last returns the last accepted request; it fails the test if there is none.
func (s *Server) Last() Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	require.NotEmpty(s.t, s.reqs)
	return s.reqs[len(s.reqs)-1]
}

// LastBody returns the body of the last accepted request.
func (s *Server) LastBody() []byte { return s.Last().Body }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	n := s.hits.Add(1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusInternalServerError)
		return
	}
	if problem := s.mismatch(r, body); problem != "" {
		s.t.Errorf("unexpected request %s %s: %s", r.Method, r.URL.Path, problem)
		w.WriteHeader(http.StatusTeapot)
		return
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	if s.expect.Inspect != nil {
		s.expect.Inspect(req)
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	status, respBody := s.status, s.body
	s.mu.Unlock()
	if s.reply != nil {
		respBody = s.reply(w.Header(), int(n), status, respBody)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, respBody)
}

// mismatch describes how r differs from what is expected, or returns "".
func (s *Server) mismatch(r *http.Request, body []byte) string {
	if r.Method != s.expect.Method {
		return "method is not " + s.expect.Method
	}
	if r.URL.Path != s.expect.Path {
		return "path is not " + s.expect.Path
	}
	names := make([]string, 0, len(s.expect.Header))
	for name := range s.expect.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if r.Header.Get(name) != s.expect.Header[name] {
			return fmt.Sprintf("header %s is missing or wrong (set=%t)", name, r.Header.Get(name) != "")
		}
	}
	if s.expect.Check != nil {
		if err := s.expect.Check(r, body); err != nil {
			return err.Error()
		}
	}
	return ""
}

// RoundTripFunc turns a function into an http.RoundTripper.
type RoundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f(r).
func (f RoundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
