package cli

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

type keygenOptions struct {
	provider string
	keyOut   string
}

func newKeygenCmd() *cobra.Command {
	var o keygenOptions
	c := &cobra.Command{
		Use:   "keygen --provider P",
		Short: "Create a key or secret to sign test deliveries with",
		Long: `Create signing material for local testing.

  sendgrid    a new ECDSA P-256 key pair. The private key (PKCS #8, base64)
              is what "send" and "sign" take as --secret (or, written as PEM
              with --key-out, as --key-file). The public key (PKIX, base64,
              the form SendGrid shows under Signed Event Webhook Requests)
              is what webhooks.NewSendGrid and "verify" take. A real
              SendGrid account signs with its own key, whose public half
              SendGrid shows once signing is turned on; this pair stands in
              for it in tests.
  standardwebhooks, svix
              a new endpoint secret: "whsec_" followed by 24 random bytes in
              base64.
  africastalking
              a token for the callback URL: 32 random bytes in hex. Put it in
              the URL's token parameter at Africa's Talking and give it to
              webhooks.NewAfricasTalking.

The other providers use a secret you copy from their dashboard; any string
works for local testing.`,
		Example: `  switchboard webhooks keygen --provider sendgrid
  switchboard webhooks keygen --provider sendgrid --key-out sendgrid.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runKeygen(cmd, &o) },
	}
	c.Flags().StringVarP(&o.provider, "provider", "p", "", "sendgrid, standardwebhooks, svix or africastalking")
	c.Flags().StringVar(&o.keyOut, "key-out", "", "sendgrid: write the private key as PEM to this file (mode 0600) instead of printing it")
	return c
}

func runKeygen(cmd *cobra.Command, o *keygenOptions) error {
	p, err := lookupProvider(o.provider)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	switch p.name {
	case "sendgrid":
		priv, pub, err := webhookstest.GenerateSendGridKey()
		if err != nil {
			return failure(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return failure(err)
		}
		if o.keyOut != "" {
			pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
			if err := os.WriteFile(o.keyOut, pemBytes, 0o600); err != nil {
				return failure(fmt.Errorf("writing the private key: %w", err))
			}
			fmt.Fprintf(out, "# private key written to %s: use it with --key-file\n", o.keyOut)
		} else {
			fmt.Fprintln(out, "# private key (PKCS #8, base64): --secret for send and sign")
			fmt.Fprintf(out, "private_key=%s\n", base64.StdEncoding.EncodeToString(der))
		}
		fmt.Fprintln(out, "# public key (PKIX, base64): webhooks.NewSendGrid and --secret for verify")
		_, err = fmt.Fprintf(out, "public_key=%s\n", pub)
		return err
	case "standardwebhooks", "svix":
		b := make([]byte, 24)
		_, _ = rand.Read(b) // crypto/rand.Read never fails
		_, err := fmt.Fprintf(out, "whsec_%s\n", base64.StdEncoding.EncodeToString(b))
		return err
	case "africastalking":
		b := make([]byte, 32)
		_, _ = rand.Read(b) // crypto/rand.Read never fails
		_, err := fmt.Fprintf(out, "%x\n", b)
		return err
	}
	return usageErrorf("%s uses a secret copied from its dashboard; any string works for local tests (keygen knows sendgrid, standardwebhooks, svix and africastalking)", p.name)
}
