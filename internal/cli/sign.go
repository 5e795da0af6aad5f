package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// maxBody bounds what sign and verify read from standard input and what
// send reads from --data @file.
const maxBody = 64 << 20

// readBody reads all of r, up to maxBody bytes.
func readBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	if err != nil {
		return nil, failure(fmt.Errorf("reading the body: %w", err))
	}
	if len(b) > maxBody {
		return nil, failure(fmt.Errorf("the body is larger than %d bytes", maxBody))
	}
	return b, nil
}

type signOptions struct {
	secretFlags
	url       string
	timestamp int64
	typ       string
	id        string
	bodyOut   string
	json      bool
}

func newSignCmd() *cobra.Command {
	var o signOptions
	c := &cobra.Command{
		Use:   "sign --provider P --secret S [--url U] [--timestamp T] [--json] < body",
		Short: "Print the headers a provider would send with a body",
		Long: `Read a request body from standard input, sign it as the provider does and
print the headers the provider would send, one "Name: value" per line.
The output can be fed back to "switchboard webhooks verify --headers-file".
With nothing on standard input, a realistic event of --type is signed
instead (write it out with --body-out). --json prints one JSON object:
provider, headers, body and the signed URL.

Provider notes:
  twilio      --url is the webhook URL configured at Twilio. A form-encoded
              body is signed with the URL; a JSON body makes Twilio add a
              bodySHA256 parameter to the URL, and the URL to send to (and
              to verify with) is printed on standard error.
  mandrill    --url is the webhook URL entered at Mandrill. The body is the
              form-encoded delivery or the bare JSON array of events; for
              the latter use --body-out to get the form body to send.
  africastalking
              --url is the notification URL configured at Africa's Talking;
              the token (--secret) goes in its token parameter, and that
              URL, to send to and verify with, is printed on standard error.
  sendgrid    --secret is the private key (see "webhooks keygen").
  github      --type sets X-GitHub-Event and --id X-GitHub-Delivery.
  shopify     --type sets X-Shopify-Topic and --id X-Shopify-Event-Id.
  standardwebhooks, svix
              --id sets the message ID (webhook-id, svix-id).`,
		Example: `  echo '{"id":"evt_1","type":"payment_intent.succeeded"}' |
    switchboard webhooks sign --provider stripe --secret whsec_test --timestamp 1700000000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSign(cmd, &o) },
	}
	o.register(c, "the signing secret (see the provider notes)")
	f := c.Flags()
	f.StringVar(&o.url, "url", "", "the public webhook URL, for schemes that sign it (twilio, mandrill)")
	f.Int64Var(&o.timestamp, "timestamp", 0, "signing time in Unix seconds (default now)")
	f.StringVar(&o.typ, "type", "", "event type, for schemes that send it in a header (github, shopify); default the provider's usual one")
	f.StringVar(&o.id, "id", "", "delivery or message ID, for schemes that send it in a header (github, shopify, standardwebhooks, svix); default random")
	f.StringVar(&o.bodyOut, "body-out", "", "also write the exact request body to send to this file")
	f.BoolVar(&o.json, "json", false, "print one JSON object: provider, headers, body and the signed URL")
	return c
}

func runSign(cmd *cobra.Command, o *signOptions) error {
	p, secret, err := o.resolve()
	if err != nil {
		return err
	}
	body, err := readBody(cmd.InOrStdin())
	if err != nil {
		return err
	}
	t := time.Now()
	if o.timestamp != 0 {
		t = time.Unix(o.timestamp, 0)
	}
	typ := o.typ
	if typ == "" {
		typ = webhookstest.DefaultEventType(p.name)
	}
	warnType(cmd.ErrOrStderr(), p, o.typ)
	if len(body) == 0 {
		// Nothing on standard input: sign a realistic event, so that what
		// sign makes always verifies.
		if body, err = webhookstest.SampleEvent(p.name, typ); err != nil {
			return failure(err)
		}
		if o.bodyOut == "" && !o.json {
			fmt.Fprintf(cmd.ErrOrStderr(), "no body on standard input: signed a sample %s %s event; --body-out or --json gives its body\n", p.name, typ)
		}
	}
	s, err := p.sign(signInput{Body: body, Secret: secret, SignedURL: o.url, Time: t, Type: typ, ID: o.id})
	if err != nil {
		return asFailure(err)
	}
	if o.json {
		if o.bodyOut != "" {
			if err := os.WriteFile(o.bodyOut, s.Body, 0o644); err != nil {
				return failure(fmt.Errorf("writing the body: %w", err))
			}
		}
		hs := make(map[string]string, len(s.Header))
		for k := range s.Header {
			hs[k] = s.Header.Get(k)
		}
		return writeJSON(cmd.OutOrStdout(), signJSON{Provider: p.name, Headers: hs, Body: string(s.Body), URL: s.SignedURL})
	}
	if p.name == "twilio" && s.SignedURL != o.url {
		fmt.Fprintf(cmd.ErrOrStderr(), "twilio signs JSON bodies over the URL with bodySHA256; send to and verify with:\n%s\n", s.SignedURL)
	}
	if p.name == "africastalking" {
		fmt.Fprintf(cmd.ErrOrStderr(), "africastalking signs nothing: the token in the URL authenticates; send to and verify with:\n%s\n", s.SignedURL)
	}
	if p.name == "mandrill" && !bytes.Equal(s.Body, body) && o.bodyOut == "" {
		fmt.Fprintln(cmd.ErrOrStderr(), "mandrill sends the events form-encoded as mandrill_events; use --body-out to write that body")
	}
	if o.bodyOut != "" {
		if err := os.WriteFile(o.bodyOut, s.Body, 0o644); err != nil {
			return failure(fmt.Errorf("writing the body: %w", err))
		}
	}
	_, err = io.WriteString(cmd.OutOrStdout(), formatHeaders(s.Header))
	return err
}

// signJSON is what sign --json prints.
type signJSON struct {
	Provider string            `json:"provider"`
	Headers  map[string]string `json:"headers"`
	Body     string            `json:"body"`
	URL      string            `json:"url,omitempty"`
}

// warnType warns when typ is not an event type whose sample payload
// webhookstest shapes for the provider.
func warnType(w io.Writer, p *provider, typ string) {
	known := webhookstest.EventTypes(p.name)
	if typ == "" || known == nil || slices.Contains(known, typ) {
		return
	}
	fmt.Fprintf(w, "warning: %q is not a %s event type this tool knows (known: %s); the payload may not be what %s sends with it, and the endpoint may reject it\n",
		typ, p.name, strings.Join(known, ", "), p.name)
}

// asFailure gives err the ExitFailure code unless it already has one.
func asFailure(err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return failure(err)
}
