package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
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
}

func newSignCmd() *cobra.Command {
	var o signOptions
	c := &cobra.Command{
		Use:   "sign --provider P --secret S [--url U] [--timestamp T] < body",
		Short: "Print the headers a provider would send with a body",
		Long: `Read a request body from standard input, sign it as the provider does and
print the headers the provider would send, one "Name: value" per line.
The output can be fed back to "switchboard webhooks verify --headers-file".

Provider notes:
  twilio      --url is the webhook URL configured at Twilio. A form-encoded
              body is signed with the URL; a JSON body makes Twilio add a
              bodySHA256 parameter to the URL, and the URL to send to (and
              to verify with) is printed on standard error.
  mandrill    --url is the webhook URL entered at Mandrill. The body is the
              form-encoded delivery or the bare JSON array of events; for
              the latter use --body-out to get the form body to send.
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
	s, err := p.sign(signInput{Body: body, Secret: secret, SignedURL: o.url, Time: t, Type: typ, ID: o.id})
	if err != nil {
		return asFailure(err)
	}
	if p.name == "twilio" && s.SignedURL != o.url {
		fmt.Fprintf(cmd.ErrOrStderr(), "twilio signs JSON bodies over the URL with bodySHA256; send to and verify with:\n%s\n", s.SignedURL)
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

// asFailure gives err the ExitFailure code unless it already has one.
func asFailure(err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return failure(err)
}
