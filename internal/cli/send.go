package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// Bounds of the send loop.
const (
	maxRepeat      = 1_000_000
	maxConcurrency = 1000
	// progressFrom is the smallest --repeat that reports progress.
	progressFrom = 100
)

type sendOptions struct {
	secretFlags
	typ         string
	data        string
	urlSigned   string
	id          string
	headers     []string
	repeat      int
	concurrency int
	timeout     time.Duration
	quiet       bool
	json        bool
	maxConnErrs int
}

func newSendCmd() *cobra.Command {
	var o sendOptions
	c := &cobra.Command{
		Use:   "send --provider P --secret S [--type T] [--data @file.json | --data '{...}'] [--url-signed U] [--repeat N] [--concurrency C] URL",
		Short: "Send a signed webhook delivery to an endpoint",
		Long: `Build a realistic event of --type for the provider (or take the payload
from --data), sign it exactly as the provider does, POST it to URL and
print the status and time of each delivery.

--repeat sends the same delivery N times, --concurrency C at once: the same
body, headers and event ID, as a provider's retries and duplicate
deliveries are, so the endpoint's de-duplication can be checked. Runs of
` + fmt.Sprint(progressFrom) + ` deliveries or more report progress on standard error; a run of
more than one ends with a summary of status codes and latency percentiles
(p50, p90, p99, max). Ctrl-C stops the run and prints the summary so far;
each request is bounded by --timeout. A run stops early after
--max-connection-errors deliveries got no answer (10 by default), so that
a wrong URL or a server that is down does not cost a million timeouts.

The delivery is signed once, when the command starts, so schemes with a
timestamp tolerance (stripe, slack, standardwebhooks, svix: 5 minutes)
reject copies sent after it.

Exit status: 0 when every delivery was answered with a status below 400 or
409 Conflict (the webhooks Handler's answer while another copy of the
event is being processed), 1 otherwise, 130 when interrupted.

Provider notes:
  twilio, mandrill  the URL is signed; when the endpoint sees a different
                    public URL (a proxy, or webhooks.WithPublicURL), give
                    that with --url-signed.
  sendgrid          --secret or --key-file is a private key: create a pair
                    with "switchboard webhooks keygen --provider sendgrid"
                    and give the public key to webhooks.NewSendGrid.
  github, shopify   --id sets the delivery or event ID header.
  standardwebhooks, svix
                    --secret is whsec_ followed by base64 ("keygen" makes
                    one); --id sets the message ID.`,
		Example: `  switchboard webhooks send --provider stripe --secret whsec_test http://127.0.0.1:8080/webhooks/stripe
  switchboard webhooks send -p github -s hunter2 --type ping http://127.0.0.1:8080/hooks/github
  switchboard webhooks send -p paystack -s sk_test_x --data @charge.json --repeat 5000 --concurrency 50 -q http://127.0.0.1:8080/webhooks/paystack`,
		Args: func(_ *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return usageErrorf("the URL argument is missing: give the endpoint to POST to, as in: switchboard webhooks send -p stripe -s whsec_test http://127.0.0.1:8080/webhooks/stripe")
			case 1:
				return nil
			}
			return usageErrorf("send takes one URL argument, got %d", len(args))
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runSend(cmd, &o, args[0]) },
	}
	o.register(c, "the signing secret (see the provider notes)")
	f := c.Flags()
	f.StringVarP(&o.typ, "type", "t", "", "event type of the generated event, also sent as X-GitHub-Event or X-Shopify-Topic (default the provider's usual one)")
	f.StringVarP(&o.data, "data", "d", "", "payload to send instead of a generated event: JSON, or @file (@- for standard input)")
	f.StringVar(&o.urlSigned, "url-signed", "", "twilio, mandrill: the public URL to sign when it differs from URL")
	f.StringVar(&o.id, "id", "", "delivery or message ID for schemes that send it in a header (default random)")
	f.StringArrayVarP(&o.headers, "header", "H", nil, "an extra request header, 'Name: value' (repeatable)")
	f.IntVarP(&o.repeat, "repeat", "n", 1, "send the same delivery this many times")
	f.IntVarP(&o.concurrency, "concurrency", "c", 1, "deliveries in flight at once")
	f.DurationVar(&o.timeout, "timeout", 10*time.Second, "time limit of each request")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the summary, not a line per delivery")
	f.BoolVar(&o.json, "json", false, "print only one JSON object at the end: the events sent and the summary")
	f.IntVar(&o.maxConnErrs, "max-connection-errors", 10, "stop after this many deliveries got no answer (connection refused or reset, timeout); 0 never stops")
	return c
}

// payload returns the body to send: the --data value, the file it names,
// or a generated event.
func (o *sendOptions) payload(cmd *cobra.Command, p *provider) ([]byte, error) {
	switch {
	case o.data == "":
		b, err := webhookstest.SampleEvent(p.name, o.typ)
		if err != nil {
			return nil, failure(err)
		}
		return b, nil
	case o.data == "@-":
		return readBody(cmd.InOrStdin())
	case strings.HasPrefix(o.data, "@"):
		f, err := os.Open(o.data[1:])
		if err != nil {
			return nil, failure(fmt.Errorf("reading --data: %w", err))
		}
		defer f.Close()
		return readBody(f)
	}
	return []byte(o.data), nil
}

func runSend(cmd *cobra.Command, o *sendOptions, target string) error {
	p, secret, err := o.resolve()
	if err != nil {
		return err
	}
	if o.repeat < 1 || o.repeat > maxRepeat {
		return usageErrorf("--repeat must be between 1 and %d", maxRepeat)
	}
	if o.concurrency < 1 || o.concurrency > maxConcurrency {
		return usageErrorf("--concurrency must be between 1 and %d", maxConcurrency)
	}
	if o.timeout <= 0 {
		return usageErrorf("--timeout must be positive")
	}
	if o.maxConnErrs < 0 {
		return usageErrorf("--max-connection-errors must be 0 (never stop) or more")
	}
	tu, err := url.Parse(target)
	if err != nil || (tu.Scheme != "http" && tu.Scheme != "https") || tu.Host == "" {
		return usageErrorf("URL must be an absolute http or https URL")
	}
	signedURL := target
	if o.urlSigned != "" {
		if u, err := url.Parse(o.urlSigned); err != nil || u.Scheme == "" || u.Host == "" {
			return usageErrorf("--url-signed must be an absolute URL")
		}
		signedURL = o.urlSigned
	}
	body, err := o.payload(cmd, p)
	if err != nil {
		return err
	}
	typ := o.typ
	if typ == "" {
		typ = webhookstest.DefaultEventType(p.name)
	}
	if o.data == "" {
		warnType(cmd.ErrOrStderr(), p, o.typ)
	}
	s, err := p.sign(signInput{Body: body, Secret: secret, SignedURL: signedURL, Time: time.Now(), Type: typ, ID: o.id})
	if err != nil {
		return asFailure(err)
	}
	for _, line := range o.headers {
		name, value, err := parseHeaderLine(line)
		if err != nil {
			return err
		}
		s.Header.Set(name, value)
	}
	reqURL := target
	if p.name == "twilio" && s.SignedURL != signedURL {
		// A JSON body: Twilio calls the URL with bodySHA256 added.
		reqURL = withBodyHash(target, s.Body)
	}
	if p.name == "africastalking" {
		// The token authenticates the notification: it goes in the URL.
		reqURL = withToken(target, secret)
	}

	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	shown := tu.Redacted()
	if reqURL != target {
		shown = httpclient.RedactURLString(reqURL)
	}
	var events []webhooks.Event
	if o.json {
		events = describeDelivery(io.Discard, stderr, p, secret, s, reqURL)
	} else {
		fmt.Fprintf(stdout, "POST %s (%s, %d bytes)\n", shown, p.name, len(s.Body))
		events = describeDelivery(stdout, stderr, p, secret, s, reqURL)
	}

	d := &deliverer{url: reqURL, header: s.Header, body: s.Body, timeout: o.timeout}
	d.client, d.closeIdle = newClient(o.concurrency)
	defer d.closeIdle()

	var out io.Writer
	if !o.quiet && !o.json {
		out = stdout
	}
	var progressW io.Writer
	if o.repeat >= progressFrom {
		progressW = stderr
	}
	sum := sendLoop(cmd.Context(), d, o.repeat, o.concurrency, o.maxConnErrs, out, progressW)
	var err2 error
	switch {
	case cmd.Context().Err() != nil:
		err2 = &exitError{code: ExitInterrupted, err: fmt.Errorf("interrupted after %d of %d deliveries", sum.done, sum.total)}
	case sum.stopped:
		err2 = failure(fmt.Errorf("stopped after %d connection errors (--max-connection-errors): %v", sum.errors, sum.firstErr))
	case sum.failures > 0:
		err2 = failure(fmt.Errorf("%d of %d deliveries failed", sum.failures, sum.done))
	}
	if o.json {
		if werr := writeJSON(stdout, sum.toJSON(p.name, shown, events)); werr != nil {
			return werr
		}
		return err2
	}
	if o.repeat > 1 || o.quiet || sum.stopped {
		sum.write(stdout)
	}
	return err2
}

// describeDelivery verifies the signed delivery locally, with the
// provider's verifier, and prints the events it carries, so that what the
// endpoint should see is on record. A delivery that does not verify (a
// hand-written --data the verifier cannot read, say) is still sent.
func describeDelivery(stdout, stderr io.Writer, p *provider, secret string, s signed, reqURL string) []webhooks.Event {
	key := secret
	if p.name == "sendgrid" {
		priv, err := parsePrivateKey(secret)
		if err != nil {
			return nil
		}
		if key, err = publicKeyBase64(priv); err != nil {
			return nil
		}
	}
	var opts []webhooks.VerifierOption
	if p.needsURL {
		opts = append(opts, webhooks.WithPublicURL(stripBodyHash(s.SignedURL)))
	}
	v, err := p.verifier(key, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "warning: cannot check the delivery locally: %v\n", err)
		return nil
	}
	u, _ := url.Parse(reqURL)
	events, err := v.Verify(&webhooks.Delivery{Method: http.MethodPost, URL: u, Header: s.Header, Body: s.Body, ReceivedAt: time.Now()})
	if err != nil {
		fmt.Fprintf(stderr, "warning: the delivery does not verify locally (%s): %v\n", verdictText(verdictOf(err)), err)
		return nil
	}
	for _, e := range events {
		fmt.Fprintf(stdout, "event %s %s\n", e.ID, e.Type)
	}
	return events
}

// newClient returns an HTTP client for the send loop, which keeps enough
// idle connections for its concurrency and does not follow redirects (no
// provider does), and a function that closes its idle connections.
func newClient(concurrency int) (*http.Client, func()) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = max(concurrency, 2)
	tr.MaxIdleConnsPerHost = max(concurrency, 2)
	c := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, tr.CloseIdleConnections
}

// deliverer sends one prepared delivery.
type deliverer struct {
	client    *http.Client
	closeIdle func()
	url       string
	header    http.Header
	body      []byte
	timeout   time.Duration
}

// snippetLen bounds how much of a non-2xx answer is shown.
const snippetLen = 120

// deliver sends the delivery once, within the per-request timeout.
func (d *deliverer) deliver(ctx context.Context) result {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return result{err: err}
	}
	req.Header = d.header.Clone()
	start := time.Now()
	resp, err := d.client.Do(req)
	if err != nil {
		return result{latency: time.Since(start), err: err}
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, snippetLen))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	r := result{status: resp.StatusCode, latency: time.Since(start)}
	if resp.StatusCode >= 300 {
		r.snippet = strings.Join(strings.Fields(string(head)), " ")
	}
	return r
}

// sendLoop delivers d n times with c workers. It writes a line per
// delivery to out and progress to progressW, when they are not nil, and
// stops early when ctx is cancelled.
func sendLoop(ctx context.Context, d *deliverer, n, c, maxConnErrs int, out, progressW io.Writer) summary {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stopped atomic.Bool
	t := newTally(n)
	start := time.Now()
	var prog *progress
	if progressW != nil {
		prog = newProgress(progressW, n, time.Now)
	}
	var outMu sync.Mutex
	var next atomic.Int64
	var doneN, failN atomic.Int64
	var wg sync.WaitGroup
	for range min(c, n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1))
				if i > n {
					return
				}
				r := d.deliver(ctx)
				if r.err != nil && ctx.Err() != nil && errors.Is(r.err, context.Canceled) {
					// Interrupted, not answered: not a delivery.
					return
				}
				done, failures := t.add(r)
				if r.status == 0 && maxConnErrs > 0 && t.connErrors() >= maxConnErrs && !stopped.Swap(true) {
					cancel()
				}
				doneN.Store(int64(done))
				failN.Store(int64(failures))
				if out != nil {
					outMu.Lock()
					writeResult(out, i, r)
					outMu.Unlock()
				}
				if prog != nil {
					prog.update(done, failures)
				}
			}
		})
	}
	if prog != nil {
		stop := make(chan struct{})
		ticker := time.NewTicker(time.Second)
		var tw sync.WaitGroup
		tw.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-ticker.C:
					prog.tick(int(doneN.Load()), int(failN.Load()))
				}
			}
		})
		wg.Wait()
		close(stop)
		ticker.Stop()
		tw.Wait()
	} else {
		wg.Wait()
	}
	s := t.summary(time.Since(start))
	s.stopped = stopped.Load()
	return s
}

// writeResult prints one delivery's line.
func writeResult(w io.Writer, i int, r result) {
	if r.status == 0 {
		fmt.Fprintf(w, "#%d no answer after %s: %v\n", i, formatDuration(r.latency), r.err)
		return
	}
	line := fmt.Sprintf("#%d %d %s %s", i, r.status, http.StatusText(r.status), formatDuration(r.latency))
	if r.snippet != "" {
		line += " " + r.snippet
	}
	fmt.Fprintln(w, line)
}
