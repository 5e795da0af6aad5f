package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes returned by Run.
const (
	// ExitOK means the command did what was asked.
	ExitOK = 0
	// ExitFailure means the command ran but the outcome is negative: a
	// delivery that does not verify, a send with failed deliveries, or an
	// error while running.
	ExitFailure = 1
	// ExitUsage means the command line was wrong: an unknown command or
	// flag, a missing argument or an unknown provider.
	ExitUsage = 2
	// ExitInterrupted means the context was cancelled (SIGINT) before the
	// command finished.
	ExitInterrupted = 130
)

// exitError carries an exit code with the error to print.
type exitError struct {
	code int
	err  error
	// quiet: the outcome was already printed (--json); Run prints nothing.
	quiet bool
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf returns an error that exits with ExitUsage.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// failure returns an error that exits with ExitFailure.
func failure(err error) error {
	return &exitError{code: ExitFailure, err: err}
}

// Run runs the switchboard command line with args (without the program
// name), reading standard input from stdin and writing to stdout and
// stderr, and returns the process exit code. Cancelling ctx (on SIGINT,
// in the program) stops a running send.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if args == nil {
		args = []string{}
	}
	root := newRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if !errors.As(err, &ee) || !ee.quiet {
		fmt.Fprintf(stderr, "switchboard: %v\n", err)
	}
	switch {
	case errors.As(err, &ee):
		return ee.code
	case ctx.Err() != nil:
		return ExitInterrupted
	case isCobraUsage(err):
		return ExitUsage
	}
	return ExitFailure
}

// isCobraUsage reports whether err is one of cobra's own command-line
// errors, which it does not type.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// Version returns the module version of the running binary as the Go
// toolchain recorded it: a release ("v1.2.0") for a binary installed with
// go install module@version, or a pseudo-version with the commit for one
// built in a checkout. A binary whose build recorded no version (go run,
// go test, or a build without version control information) reports
// "devel", followed by the commit when the build recorded one.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return versionOf(bi)
}

// versionOf returns Version's answer for bi.
func versionOf(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return "devel " + rev
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "switchboard",
		Short: "Developer tools for the Switchboard SDK",
		Long: `switchboard is the developer's companion to the Switchboard SDK.

It builds realistic, correctly signed webhook deliveries for every provider
the webhooks package verifies, sends them to a local or remote endpoint
(once, or thousands of times to exercise de-duplication), prints the
headers a provider would send, and verifies captured deliveries.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version() + " (" + runtime.Version() + ")",
	}
	root.SetVersionTemplate("switchboard {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: ExitUsage, err: err}
	})
	root.AddCommand(newVersionCmd(), newWebhooksCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of switchboard",
		Long: `Print the module version of this binary: a release for one installed with
go install module@version, a pseudo-version with the commit for one built
in a checkout, or "devel" (and the commit, when recorded) under go run.
The Go version that built it follows.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "switchboard %s (%s)\n", Version(), runtime.Version())
			return err
		},
	}
}

func newWebhooksCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "webhooks",
		Short: "Sign, send and verify webhook deliveries",
		Long: `Sign, send and verify webhook deliveries for every provider of the
webhooks package: ` + strings.Join(providerNames(), ", ") + `.

Secrets given with --secret are visible to other users of the machine in
the process list; --secret-file reads one from a file instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	c.AddCommand(newSendCmd(), newSignCmd(), newVerifyCmd(), newKeygenCmd(), newJobsCmd())
	return c
}

// secretFlags holds the flags shared by commands that need a secret.
type secretFlags struct {
	provider   string
	secret     string
	secretFile string
}

func (f *secretFlags) register(c *cobra.Command, secretHelp string) {
	c.Flags().StringVarP(&f.provider, "provider", "p", "", "provider: "+strings.Join(providerNames(), ", "))
	c.Flags().StringVarP(&f.secret, "secret", "s", "", secretHelp)
	c.Flags().StringVar(&f.secretFile, "secret-file", "", "read the secret from this file instead of --secret")
	c.Flags().StringVar(&f.secretFile, "key-file", "", "same as --secret-file (for sendgrid, a private or public key file, PEM or base64)")
}

// resolve returns the provider and the secret.
func (f *secretFlags) resolve() (*provider, string, error) {
	p, err := lookupProvider(f.provider)
	if err != nil {
		return nil, "", err
	}
	secret := f.secret
	if f.secretFile != "" {
		if secret != "" {
			return nil, "", usageErrorf("give --secret or --secret-file, not both")
		}
		b, err := os.ReadFile(f.secretFile)
		if err != nil {
			return nil, "", failure(fmt.Errorf("reading the secret file: %w", err))
		}
		secret = strings.TrimSpace(string(b))
	}
	if secret == "" {
		return nil, "", usageErrorf("--secret or --secret-file is required: %s needs %s", p.name, p.secret)
	}
	return p, secret, nil
}
