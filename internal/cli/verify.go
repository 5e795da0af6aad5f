package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/switchboard-go/switchboard/webhooks"
)

type verifyOptions struct {
	secretFlags
	url         string
	now         int64
	headers     []string
	headersFile string
	tolerance   time.Duration
	json        bool
}

func newVerifyCmd() *cobra.Command {
	var o verifyOptions
	c := &cobra.Command{
		Use:   "verify --provider P --secret S [--url U] [--now UNIX] [--header 'Name: value' ...] < body",
		Short: "Check that a captured delivery is genuine",
		Long: `Read a delivery's raw body from standard input and its headers from
--header (repeatable) or --headers-file, and check it with the provider's
verifier from the webhooks package.

When the delivery is genuine, print each event's ID and type, separated by
a tab, one event per line, and exit 0. Otherwise exit 1 and say which of
two things is wrong on standard error:

  not genuine, the signature does not match
             the signature is missing, malformed or wrong, or its signed
             timestamp is out of range: the provider did not send this.
  genuine, but the body is not an event
             the signature matches, but the body is not an event the
             provider documents (not valid JSON, no event id, a member
             given twice): the provider sent it, the webhooks Handler
             would answer 400.

--json prints one JSON object instead: provider, verdict ("genuine",
"not_genuine" or "genuine_not_event"), genuine, events (id, dedup_key,
type, time) and error.

  --secret   the provider's secret; for sendgrid the public key (base64),
             as SendGrid shows it.
  --url      for twilio and mandrill, the signed URL: the webhook URL as
             configured at the provider. For a Twilio JSON body the URL
             the request was sent to works too: its bodySHA256 parameter
             is dropped, since the verifier computes it from the body.
  --now      the time to check signed timestamps against, in Unix seconds,
             for deliveries recorded earlier (default now).`,
		Example: `  switchboard webhooks verify --provider stripe --secret whsec_test --now 1700000000 \
    --header 'Stripe-Signature: t=1700000000,v1=...' < body.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runVerify(cmd, &o) },
	}
	o.register(c, "the provider's secret; for sendgrid the public key (base64)")
	f := c.Flags()
	f.StringVar(&o.url, "url", "", "the signed URL (twilio, mandrill)")
	f.Int64Var(&o.now, "now", 0, "check timestamps against this Unix time instead of the clock")
	f.StringArrayVarP(&o.headers, "header", "H", nil, "a request header, 'Name: value' (repeatable)")
	f.StringVar(&o.headersFile, "headers-file", "", "read request headers from this file, one 'Name: value' per line (the output of sign)")
	f.DurationVar(&o.tolerance, "tolerance", 0, "how far a signed timestamp may be from --now (default the verifier's own)")
	f.BoolVar(&o.json, "json", false, "print the verdict and events as one JSON object")
	return c
}

func runVerify(cmd *cobra.Command, o *verifyOptions) error {
	p, secret, err := o.resolve()
	if err != nil {
		return err
	}
	if p.needsURL && o.url == "" {
		return usageErrorf("%s signs the webhook URL: give it with --url", p.name)
	}
	h := http.Header{}
	if o.headersFile != "" {
		b, err := os.ReadFile(o.headersFile)
		if err != nil {
			return failure(fmt.Errorf("reading the headers file: %w", err))
		}
		if err := parseHeaders(bytes.NewReader(b), h); err != nil {
			return err
		}
	}
	for _, line := range o.headers {
		name, value, err := parseHeaderLine(line)
		if err != nil {
			return err
		}
		h.Add(name, value)
	}
	var u *url.URL
	if o.url != "" {
		u, err = url.Parse(o.url)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return usageErrorf("--url must be an absolute URL")
		}
	}
	now := time.Now()
	if o.now != 0 {
		now = time.Unix(o.now, 0)
	}
	var opts []webhooks.VerifierOption
	if p.timestamped {
		opts = append(opts, webhooks.WithClock(func() time.Time { return now }))
	}
	if p.needsURL {
		// Twilio adds bodySHA256 to the configured URL for a JSON body; the
		// verifier computes it from the body itself.
		opts = append(opts, webhooks.WithPublicURL(stripBodyHash(o.url)))
	}
	if o.tolerance != 0 {
		if !p.timestamped {
			return usageErrorf("--tolerance does not apply: %s signs no timestamp", p.name)
		}
		opts = append(opts, webhooks.WithTolerance(o.tolerance))
	}
	v, err := p.verifier(secret, opts...)
	if err != nil {
		return usageErrorf("%v", err)
	}
	body, err := readBody(cmd.InOrStdin())
	if err != nil {
		return err
	}
	events, err := v.Verify(&webhooks.Delivery{Method: http.MethodPost, URL: u, Header: h, Body: body, ReceivedAt: now})
	verdict := verdictOf(err)
	if o.json {
		out := verifyJSON{Provider: p.name, Genuine: verdict != verdictForged, Events: []eventJSON{}}
		if err != nil {
			out.Error = err.Error()
			out.Verdict = verdict
		} else {
			out.Verdict = "genuine"
			for _, e := range events {
				out.Events = append(out.Events, toEventJSON(e))
			}
		}
		if werr := writeJSON(cmd.OutOrStdout(), out); werr != nil {
			return werr
		}
		if err != nil {
			return &exitError{code: ExitFailure, err: errors.New(verdictText(verdict)), quiet: true}
		}
		return nil
	}
	if err != nil {
		return failure(fmt.Errorf("%s: %w", verdictText(verdict), err))
	}
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "%s\t%s\n", e.ID, e.Type)
	}
	_, err = fmt.Fprint(cmd.OutOrStdout(), b.String())
	return err
}

// Verdicts of verify on a delivery that does not pass.
const (
	// verdictForged: the signature does not match, is missing or
	// malformed, or its timestamp is out of range.
	verdictForged = "not_genuine"
	// verdictNotEvent: the signature matches, but the body (or an unsigned
	// header read with it) is not an event the provider documents.
	verdictNotEvent = "genuine_not_event"
)

func verdictOf(err error) string {
	switch {
	case err == nil:
		return "genuine"
	case errors.Is(err, webhooks.ErrMalformedBody):
		return verdictNotEvent
	}
	return verdictForged
}

func verdictText(v string) string {
	if v == verdictNotEvent {
		return "genuine, but the body is not an event"
	}
	return "not genuine, the signature does not match"
}

// verifyJSON is what verify --json prints.
type verifyJSON struct {
	Provider string      `json:"provider"`
	Verdict  string      `json:"verdict"`
	Genuine  bool        `json:"genuine"`
	Events   []eventJSON `json:"events"`
	Error    string      `json:"error,omitempty"`
}

// eventJSON is one event in JSON output.
type eventJSON struct {
	ID       string `json:"id"`
	DedupKey string `json:"dedup_key"`
	Type     string `json:"type"`
	Time     string `json:"time,omitempty"`
}

func toEventJSON(e webhooks.Event) eventJSON {
	out := eventJSON{ID: e.ID, DedupKey: e.DedupKey, Type: e.Type}
	if !e.Time.IsZero() {
		out.Time = e.Time.UTC().Format(time.RFC3339)
	}
	return out
}

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// stripBodyHash removes Twilio's bodySHA256 parameter from a URL's query.
func stripBodyHash(u string) string {
	base, frag, hasFrag := strings.Cut(u, "#")
	path, query, ok := strings.Cut(base, "?")
	if !ok {
		return u
	}
	var kept []string
	for _, pair := range strings.Split(query, "&") {
		if name, _, _ := strings.Cut(pair, "="); name == "bodySHA256" {
			continue
		}
		kept = append(kept, pair)
	}
	out := path
	if len(kept) > 0 {
		out += "?" + strings.Join(kept, "&")
	}
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// parseHeaders adds the "Name: value" lines read from r to h, skipping
// blank lines and lines starting with "#".
func parseHeaders(r io.Reader, h http.Header) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, err := parseHeaderLine(line)
		if err != nil {
			return err
		}
		h.Add(name, value)
	}
	if err := sc.Err(); err != nil {
		return failure(fmt.Errorf("reading the headers file: %w", err))
	}
	return nil
}
