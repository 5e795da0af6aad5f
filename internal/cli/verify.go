package cli

import (
	"bufio"
	"bytes"
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
a tab, one event per line, and exit 0. When it is not, print the reason on
standard error and exit 1.

  --secret   the provider's secret; for sendgrid the public key (base64),
             as SendGrid shows it.
  --url      for twilio and mandrill, the signed URL: the webhook URL as
             configured at the provider (for a Twilio JSON body, the URL
             the request was sent to, with its bodySHA256 parameter).
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
	var opts []webhooks.Option
	if o.now != 0 {
		now = time.Unix(o.now, 0)
		opts = append(opts, webhooks.WithClock(func() time.Time { return now }))
	}
	if o.url != "" {
		opts = append(opts, webhooks.WithURL(o.url))
	}
	if o.tolerance != 0 {
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
	if err != nil {
		return failure(fmt.Errorf("not genuine: %w", err))
	}
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "%s\t%s\n", e.ID, e.Type)
	}
	_, err = fmt.Fprint(cmd.OutOrStdout(), b.String())
	return err
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
