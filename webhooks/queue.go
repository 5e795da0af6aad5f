package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Errors of the queue contract.
var (
	// ErrQueueUnavailable matches the errors of a Queue that could not
	// answer: its database or Redis is down, timed out or refused the
	// write. A Handler built WithQueue answers 503 when Enqueue fails, so
	// the provider delivers again. Backends wrap their drivers' errors so
	// they match it.
	ErrQueueUnavailable = errors.New("webhooks: queue unavailable")
	// ErrJobNotFound is returned by Queue.Retry for an id that names no
	// failed job.
	ErrJobNotFound = errors.New("webhooks: job not found")
	// ErrNoHandler is returned by Handler.Process and JobRouter.Process for
	// a job whose provider and namespace belong to no Handler given to
	// them. The queue retries the job like any failure, so a worker
	// deployed without one of the Handlers does not drop its jobs.
	ErrNoHandler = errors.New("webhooks: no handler for the job's provider and namespace")
	// ErrMalformedJob is returned by Job.UnmarshalJSON for bytes that are
	// not a job this package wrote.
	ErrMalformedJob = errors.New("webhooks: malformed job")
)

// Queue is a durable job queue between receiving events and processing
// them: a Handler built WithQueue verifies each delivery, enqueues its
// handled events and answers 200 once Enqueue returns, and workers started
// with Start run the registered functions later, through the same
// idempotency.Runner protocol and keys as a Handler that runs them at once.
//
// Backends live beside this package: riverqueue (River on PostgreSQL or
// SQLite) and asynqqueue (Asynq on Redis). Every backend passes the
// conformance suite in webhooks/queuetest. Implementations are safe for
// concurrent use.
type Queue interface {
	// Enqueue stores jobs durably: when it returns nil, every job is
	// written where every worker sharing the queue will find it, or was
	// already there. It reports for each job whether it was added (false:
	// a job with the same Key is queued, running, waiting for a retry,
	// failed, or completed within the queue's retention). An error
	// matching ErrQueueUnavailable means some jobs may not be stored; a
	// later Enqueue of the same jobs adds only the missing ones.
	Enqueue(ctx context.Context, jobs []*Job) (added []bool, err error)
	// Start starts workers that hand every job to p, retrying a job whose
	// Process returns an error with the queue's backoff until its attempts
	// run out; then the job is kept as failed (Failed lists it, Retry
	// queues it again). Start returns once the workers run; it fails when
	// they are running already.
	Start(ctx context.Context, p Processor) error
	// Stop stops fetching jobs at once and lets running jobs finish for
	// the queue's shutdown timeout or until ctx is done, whichever comes
	// first; then it cancels their contexts and waits for them to return
	// (a job cancelled this way is retried later). Stop on a queue whose
	// workers do not run returns nil.
	Stop(ctx context.Context) error
	// Failed lists at most limit jobs that ran out of attempts, newest
	// first.
	Failed(ctx context.Context, limit int) ([]JobInfo, error)
	// Retry queues the failed job with the given id again for one more
	// attempt (if it fails, the job is kept as failed again). An id that
	// names no failed job is ErrJobNotFound.
	Retry(ctx context.Context, id string) error
	// RetryFailed queues every failed job again, each for one more
	// attempt, and returns how many.
	RetryFailed(ctx context.Context) (int, error)
	// Close releases what the queue opened itself (a pool opened from a
	// URL); it stops the workers first when they run.
	Close() error
}

// Processor runs queued jobs. *Handler and *JobRouter implement it.
type Processor interface {
	// Process runs one job. A nil error completes the job; any other
	// error makes the queue retry it later.
	Process(ctx context.Context, j *Job) error
}

// JobInfo describes a queued job for operators.
type JobInfo struct {
	// ID is the queue's identifier for the job, the one Retry takes.
	ID string
	// Key is the job's idempotency key.
	Key string
	// Provider, EventID and Type are the event's.
	Provider, EventID, Type string
	// Attempts is how many times the job ran; MaxAttempts how many it
	// had.
	Attempts, MaxAttempts int
	// LastError is the error of the last attempt, as the function
	// returned it.
	LastError string
	// EnqueuedAt is when the job was added; FailedAt when its last
	// attempt failed.
	EnqueuedAt, FailedAt time.Time
}

// Job is one verified event on its way through a Queue.
//
// What survives the queue: the event's Provider, ID, DedupKey, Type, Time
// and Data (its raw bytes exactly), and a Delivery holding the request's
// Method, ReceivedAt, the URL without its query (the query is unsigned
// for most providers and may carry credentials), and only the headers
// that describe the event: Content-Type, User-Agent, the providers'
// identity, type and timestamp headers (X-GitHub-Event,
// X-GitHub-Delivery, X-GitHub-Hook-ID, X-Shopify-Topic,
// X-Shopify-Shop-Domain, webhook-id, svix-id, ...) and those named with
// WithJobHeaders. Signatures, secrets (Flutterwave's verif-hash),
// Authorization and cookies never reach the queue. Delivery.Body is nil:
// Data holds the event's bytes (one element of a batch, or the body).
type Job struct {
	// Key is the event's idempotency key, "provider:DedupKey" or
	// "namespace:provider:DedupKey": the key the Handler claims in its
	// store in either mode, and the key queues de-duplicate jobs on.
	Key string
	// Namespace is the namespace of the Handler that enqueued the job
	// (WithNamespace), empty without one.
	Namespace string
	// Event is the event, with the Delivery fields described above.
	Event Event
}

// jobVersion is the version of the wire form below.
const jobVersion = 1

// jobWire is the JSON form of a Job. Data is a string when it is valid
// UTF-8, so that queue dashboards show it, and base64 otherwise: a JSON
// column (PostgreSQL's jsonb) reorders and respaces nested objects, and
// the function must see the bytes the provider signed.
type jobWire struct {
	V          int                 `json:"v"`
	Key        string              `json:"key"`
	Namespace  string              `json:"namespace,omitempty"`
	Provider   string              `json:"provider"`
	ID         string              `json:"id,omitempty"`
	DedupKey   string              `json:"dedup_key,omitempty"`
	Type       string              `json:"type"`
	Time       *time.Time          `json:"time,omitempty"`
	Data       *string             `json:"data,omitempty"`
	DataBase64 []byte              `json:"data_base64,omitempty"`
	Method     string              `json:"method,omitempty"`
	URL        string              `json:"url,omitempty"`
	Header     map[string][]string `json:"header,omitempty"`
	ReceivedAt time.Time           `json:"received_at"`
}

// MarshalJSON encodes the job in the form every backend stores.
func (j *Job) MarshalJSON() ([]byte, error) {
	e := &j.Event
	w := jobWire{V: jobVersion, Key: j.Key, Namespace: j.Namespace, Provider: e.Provider, ID: e.ID,
		DedupKey: e.DedupKey, Type: e.Type}
	if !e.Time.IsZero() {
		t := e.Time.UTC()
		w.Time = &t
	}
	if e.Data != nil {
		if utf8.Valid(e.Data) {
			s := string(e.Data)
			w.Data = &s
		} else {
			w.DataBase64 = e.Data
		}
	}
	if d := e.Delivery; d != nil {
		w.Method = d.Method
		if d.URL != nil {
			w.URL = d.URL.String()
		}
		w.Header = d.Header
		w.ReceivedAt = d.ReceivedAt.UTC()
	}
	return json.Marshal(&w)
}

// UnmarshalJSON decodes a job written by MarshalJSON. Bytes that are not
// such a job are an error wrapping ErrMalformedJob.
func (j *Job) UnmarshalJSON(b []byte) error {
	var w jobWire
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformedJob, err)
	}
	if w.V != jobVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrMalformedJob, w.V, jobVersion)
	}
	if w.Key == "" || w.Provider == "" {
		return fmt.Errorf("%w: no key or provider", ErrMalformedJob)
	}
	*j = Job{Key: w.Key, Namespace: w.Namespace}
	e := &j.Event
	*e = Event{Provider: w.Provider, ID: w.ID, DedupKey: w.DedupKey, Type: w.Type}
	if w.Time != nil {
		e.Time = *w.Time
	}
	switch {
	case w.Data != nil:
		e.Data = json.RawMessage(*w.Data)
	case w.DataBase64 != nil:
		e.Data = json.RawMessage(w.DataBase64)
	}
	d := &Delivery{Method: w.Method, Header: http.Header(w.Header), ReceivedAt: w.ReceivedAt}
	if d.Header == nil {
		d.Header = http.Header{}
	}
	if w.URL != "" {
		u, err := url.Parse(w.URL)
		if err != nil {
			return fmt.Errorf("%w: the URL does not parse", ErrMalformedJob)
		}
		d.URL = u
	}
	e.Delivery = d
	return nil
}

// jobHeaders are the delivery headers a Job keeps unless WithJobHeaders
// adds more: they describe the event and carry no secret.
var jobHeaders = []string{
	"Content-Type",
	"User-Agent",
	GitHubDeliveryHeader,
	GitHubEventHeader,
	"X-Github-Hook-Id",
	"X-Github-Hook-Installation-Target-Id",
	"X-Github-Hook-Installation-Target-Type",
	ShopifyEventIDHeader,
	ShopifyWebhookIDHeader,
	ShopifyTopicHeader,
	ShopifyTriggeredAtHeader,
	"X-Shopify-Shop-Domain",
	"X-Shopify-Api-Version",
	StandardWebhookIDHeader,
	StandardWebhookTimestampHeader,
	SvixIDHeader,
	SvixTimestampHeader,
	SlackTimestampHeader,
	"X-Slack-Retry-Num",
	"X-Slack-Retry-Reason",
	SendGridTimestampHeader,
	CloudinaryTimestampHeader,
	"I-Twilio-Idempotency-Token",
}

// newJob builds the Job of a verified event, keeping only the headers in
// keep and the URL without its query.
func (h *Handler) newJob(e *Event, key string) *Job {
	j := &Job{Key: key, Namespace: h.namespace, Event: *e}
	if d := e.Delivery; d != nil {
		qd := &Delivery{Method: d.Method, ReceivedAt: d.ReceivedAt, Header: make(http.Header, 4)}
		if d.URL != nil {
			u := *d.URL
			u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment, u.User = "", false, "", "", nil
			qd.URL = &u
		}
		for _, name := range h.jobHeaders {
			if v := d.Header.Values(name); len(v) > 0 {
				qd.Header[name] = append([]string(nil), v...)
			}
		}
		j.Event.Delivery = qd
	}
	return j
}

// WithQueue makes the Handler acknowledge fast: instead of running the
// event functions inside the provider's request, it enqueues each handled
// event on q and answers 200 once Enqueue has stored it durably, or 503
// when the queue cannot store it (the provider delivers again). Workers
// started with q.Start(ctx, handler) run the functions later through the
// same idempotency.Runner protocol, store and keys, so an event runs once
// even when its job runs twice. A duplicate delivery of an event already
// queued, running, failed or completed is answered 200 without a new job.
// A nil queue is an error.
func WithQueue(q Queue) HandlerOption {
	return handlerFunc(func(c *handlerConfig) {
		if q == nil {
			c.errs = append(c.errs, "WithQueue needs a queue")
			return
		}
		c.queue = q
	})
}

// WithJobHeaders names delivery headers a queued Job keeps besides the
// ones it always keeps (see Job). Names must be valid header names; the
// headers carrying a verifier's signature or secret are refused.
func WithJobHeaders(names ...string) HandlerOption {
	return handlerFunc(func(c *handlerConfig) {
		for _, n := range names {
			if !validHeaderName(n) {
				c.errs = append(c.errs, "WithJobHeaders: a name is not a valid header name")
				return
			}
			ck := http.CanonicalHeaderKey(n)
			if secretHeaders[ck] || strings.Contains(strings.ToLower(ck), "signature") {
				c.errs = append(c.errs, "WithJobHeaders: "+ck+" carries a signature or a secret and never reaches the queue")
				return
			}
			c.jobHeaders = append(c.jobHeaders, ck)
		}
	})
}

// secretHeaders are headers WithJobHeaders refuses.
var secretHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	http.CanonicalHeaderKey(FlutterwaveVerifHashHeader): true,
	http.CanonicalHeaderKey(ShopifySignatureHeader):     true,
	http.CanonicalHeaderKey(GitHubSignatureHeader):      true,
	"X-Hub-Signature": true,
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// JobRouter hands each job to the Handler of its provider and namespace,
// for workers of a queue that several Handlers share.
type JobRouter struct {
	handlers map[string]*Handler
}

// NewJobRouter returns a JobRouter over handlers. No handler, a nil one,
// or two with the same provider and namespace are errors wrapping
// ErrInvalidConfig.
func NewJobRouter(handlers ...*Handler) (*JobRouter, error) {
	if len(handlers) == 0 {
		return nil, fmt.Errorf("%w: NewJobRouter needs at least one Handler", ErrInvalidConfig)
	}
	r := &JobRouter{handlers: make(map[string]*Handler, len(handlers))}
	for _, h := range handlers {
		if h == nil {
			return nil, fmt.Errorf("%w: NewJobRouter: nil Handler", ErrInvalidConfig)
		}
		k := routeKey(h.namespace, h.v.Provider())
		if _, dup := r.handlers[k]; dup {
			return nil, fmt.Errorf("%w: NewJobRouter: two Handlers for provider %s and namespace %q; give each its own WithNamespace",
				ErrInvalidConfig, h.v.Provider(), h.namespace)
		}
		r.handlers[k] = h
	}
	return r, nil
}

func routeKey(namespace, provider string) string { return namespace + "\x00" + provider }

// Process hands j to the Handler of its provider and namespace, or
// returns ErrNoHandler.
func (r *JobRouter) Process(ctx context.Context, j *Job) error {
	h, ok := r.handlers[routeKey(j.Namespace, j.Event.Provider)]
	if !ok {
		return fmt.Errorf("%w: provider %s, namespace %q", ErrNoHandler, j.Event.Provider, j.Namespace)
	}
	return h.Process(ctx, j)
}

// Opener opens a Queue from a parsed URL. Backends register one per URL
// scheme with RegisterQueue.
type Opener func(ctx context.Context, u *url.URL) (Queue, error)

var (
	queueOpenersMu sync.RWMutex
	queueOpeners   = map[string]Opener{}
)

// RegisterQueue makes a backend available to OpenQueue under a URL scheme.
// Backends call it from an init function, as database/sql drivers do, so
// a program imports the backends it wants:
//
//	import _ "github.com/switchboard-go/switchboard/webhooks/riverqueue"
//
// It panics when scheme is empty, opener is nil or the scheme is taken:
// those are programming errors.
func RegisterQueue(scheme string, opener Opener) {
	scheme = strings.ToLower(scheme)
	if scheme == "" || opener == nil {
		panic("webhooks: RegisterQueue needs a scheme and an opener")
	}
	queueOpenersMu.Lock()
	defer queueOpenersMu.Unlock()
	if _, dup := queueOpeners[scheme]; dup {
		panic("webhooks: RegisterQueue called twice for scheme " + scheme)
	}
	queueOpeners[scheme] = opener
}

// QueueSchemes returns the registered queue URL schemes, sorted.
func QueueSchemes() []string {
	queueOpenersMu.RLock()
	defer queueOpenersMu.RUnlock()
	out := make([]string, 0, len(queueOpeners))
	for s := range queueOpeners {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// OpenQueue opens the Queue a URL names, through the backend registered
// for its scheme: postgres:// and sqlite:// (riverqueue), redis:// and
// rediss:// (asynqqueue). The program must import the backend. A URL that
// does not parse, or whose scheme no imported backend registered, is an
// error wrapping ErrInvalidConfig; errors never quote the URL, which may
// hold a password.
func OpenQueue(ctx context.Context, rawURL string) (Queue, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: OpenQueue: the queue URL does not parse", ErrInvalidConfig)
	}
	scheme := strings.ToLower(u.Scheme)
	queueOpenersMu.RLock()
	open := queueOpeners[scheme]
	queueOpenersMu.RUnlock()
	if open == nil {
		return nil, fmt.Errorf("%w: OpenQueue: no queue backend registered for scheme %s (registered: %s); import its package",
			ErrInvalidConfig, strconv.Quote(scheme), strings.Join(QueueSchemes(), ", "))
	}
	return open(ctx, u)
}

// NewJob returns the Job a Handler built WithQueue enqueues for e: its key
// under the Handler's provider and namespace, and the Delivery fields that
// survive the queue. Use it to enqueue events yourself, for example within
// your own database transaction (riverqueue's EnqueueTx).
func (h *Handler) NewJob(e *Event) *Job {
	return h.newJob(e, h.idempotencyKey(e))
}
