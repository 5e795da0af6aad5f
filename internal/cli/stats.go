package cli

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-go/switchboard/webhooks"
)

// percentile returns the p-th percentile (0 to 100) of sorted, an
// ascending slice, by the nearest-rank method: the smallest value such that
// at least p percent of the values are less than or equal to it. It returns
// 0 for an empty slice.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	if p >= 100 {
		return sorted[n-1]
	}
	rank := int(math.Ceil(p * float64(n) / 100))
	rank = max(rank, 1)
	rank = min(rank, n)
	return sorted[rank-1]
}

// result is the outcome of one delivery.
type result struct {
	// status is the HTTP status, or 0 when no response arrived.
	status int
	// latency is the time from sending the request to reading the answer.
	latency time.Duration
	// err is the transport error when status is 0.
	err error
	// snippet is the start of a non-2xx answer's body.
	snippet string
}

// failed reports whether the delivery counts as failed: no answer, or an
// answer of 400 or above other than 409 Conflict, which the webhooks
// Handler gives while another copy of the same event is being processed
// (the provider would retry it later).
func (r result) failed() bool {
	return r.status == 0 || (r.status >= 400 && r.status != http.StatusConflict)
}

// tally accumulates results; it is safe for concurrent use.
type tally struct {
	mu        sync.Mutex
	total     int
	done      int
	failures  int
	statuses  map[int]int
	errors    int
	firstErr  error
	latencies []time.Duration
}

func newTally(total int) *tally {
	return &tally{total: total, statuses: make(map[int]int), latencies: make([]time.Duration, 0, min(total, 1<<16))}
}

// add records r and returns the number of deliveries done and failed.
func (t *tally) add(r result) (done, failures int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done++
	if r.failed() {
		t.failures++
	}
	if r.status == 0 {
		t.errors++
		if t.firstErr == nil {
			t.firstErr = r.err
		}
	} else {
		t.statuses[r.status]++
		t.latencies = append(t.latencies, r.latency)
	}
	return t.done, t.failures
}

// summary is a snapshot of a tally, with latencies sorted.
type summary struct {
	total, done, failures, errors int
	firstErr                      error
	statuses                      map[int]int
	p50, p90, p99, max            time.Duration
	answered                      int
	elapsed                       time.Duration
	// stopped: the run ended early at --max-connection-errors.
	stopped bool
}

// connErrors returns the deliveries that got no answer so far.
func (t *tally) connErrors() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.errors
}

// sendJSON is what send --json prints.
type sendJSON struct {
	Provider   string         `json:"provider"`
	URL        string         `json:"url"`
	Events     []eventJSON    `json:"events"`
	Total      int            `json:"total"`
	Done       int            `json:"done"`
	Failed     int            `json:"failed"`
	NoAnswer   int            `json:"no_answer"`
	FirstError string         `json:"first_error,omitempty"`
	Stopped    bool           `json:"stopped_on_connection_errors"`
	Statuses   map[string]int `json:"statuses"`
	ElapsedMS  float64        `json:"elapsed_ms"`
	LatencyMS  *latencyJSON   `json:"latency_ms,omitempty"`
}

type latencyJSON struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (s summary) toJSON(provider, url string, events []webhooks.Event) sendJSON {
	out := sendJSON{Provider: provider, URL: url, Events: []eventJSON{}, Total: s.total, Done: s.done, Failed: s.failures,
		NoAnswer: s.errors, Stopped: s.stopped, Statuses: map[string]int{}, ElapsedMS: ms(s.elapsed)}
	for _, e := range events {
		out.Events = append(out.Events, toEventJSON(e))
	}
	if s.firstErr != nil {
		out.FirstError = s.firstErr.Error()
	}
	for c, n := range s.statuses {
		out.Statuses[strconv.Itoa(c)] = n
	}
	if s.answered > 0 {
		out.LatencyMS = &latencyJSON{P50: ms(s.p50), P90: ms(s.p90), P99: ms(s.p99), Max: ms(s.max)}
	}
	return out
}

func (t *tally) summary(elapsed time.Duration) summary {
	t.mu.Lock()
	defer t.mu.Unlock()
	lat := slices.Clone(t.latencies)
	slices.Sort(lat)
	s := summary{
		total: t.total, done: t.done, failures: t.failures, errors: t.errors, firstErr: t.firstErr,
		statuses: make(map[int]int, len(t.statuses)), answered: len(lat), elapsed: elapsed,
		p50: percentile(lat, 50), p90: percentile(lat, 90), p99: percentile(lat, 99), max: percentile(lat, 100),
	}
	for k, v := range t.statuses {
		s.statuses[k] = v
	}
	return s
}

// write prints the summary.
func (s summary) write(w io.Writer) {
	var b strings.Builder
	rate := 0.0
	if s.elapsed > 0 {
		rate = float64(s.done) / s.elapsed.Seconds()
	}
	fmt.Fprintf(&b, "summary: %d of %d deliveries in %s (%.1f/s), %d failed\n", s.done, s.total, formatDuration(s.elapsed), rate, s.failures)
	codes := make([]int, 0, len(s.statuses))
	for c := range s.statuses {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		fmt.Fprintf(&b, "  %d %s: %d\n", c, http.StatusText(c), s.statuses[c])
	}
	if s.errors > 0 {
		fmt.Fprintf(&b, "  no answer: %d (first: %v)\n", s.errors, s.firstErr)
	}
	if s.stopped {
		fmt.Fprintf(&b, "  stopped early: %d deliveries got no answer (--max-connection-errors)\n", s.errors)
	}
	if s.answered > 0 {
		fmt.Fprintf(&b, "  latency: p50=%s p90=%s p99=%s max=%s\n",
			formatDuration(s.p50), formatDuration(s.p90), formatDuration(s.p99), formatDuration(s.max))
	}
	_, _ = io.WriteString(w, b.String())
}

// formatDuration prints d at a precision that suits its size.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return d.Round(time.Millisecond).String()
	}
}

// progress reports a long run's progress on a writer: whenever another
// tenth of the deliveries is done, and at most once a second otherwise.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	total   int
	start   time.Time
	last    time.Time
	decile  int
	now     func() time.Time
	printed int
}

func newProgress(w io.Writer, total int, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, total: total, start: t, last: t, now: now}
}

// update is called after each delivery with the counts so far.
func (p *progress) update(done, failures int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.now()
	d := done * 10 / p.total
	if d <= p.decile && t.Sub(p.last) < time.Second {
		return
	}
	if d > p.decile {
		p.decile = d
	}
	p.last = t
	p.printed++
	fmt.Fprintf(p.w, "progress: %d/%d (%d%%), %d failed, %s elapsed\n", done, p.total, done*100/p.total, failures, formatDuration(t.Sub(p.start)))
}

// tick prints the progress when a second has passed without a report, so
// that a slow run still shows life.
func (p *progress) tick(done, failures int) {
	p.mu.Lock()
	t := p.now()
	due := t.Sub(p.last) >= time.Second && done < p.total
	p.mu.Unlock()
	if due {
		p.update(done, failures)
	}
}
