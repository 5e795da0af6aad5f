package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboard-go/switchboard/examples/internal/demo"
)

// Defaults of the configuration.
const (
	defaultAddr    = "127.0.0.1:8081"
	dataDirName    = "switchboard-multiprovider"
	storeFileName  = "idempotency.db"
	recentCapacity = 100
)

// config is everything the example reads from its environment; the zero
// configuration runs with generated demo secrets.
type config struct {
	Addr    string // ADDR, default 127.0.0.1:8081
	DataDir string // DATA_DIR, default <user cache dir>/switchboard-multiprovider

	GitHubSecret      string // GITHUB_WEBHOOK_SECRET; generated when empty
	SlackSecret       string // SLACK_SIGNING_SECRET; generated when empty
	SendGridPublicKey string // SENDGRID_WEBHOOK_PUBLIC_KEY; a key pair is generated when empty

	TrustedProxies []string // TRUSTED_PROXIES, comma-separated CIDRs
}

// configFromEnv reads the configuration through getenv (os.Getenv in main,
// a map in tests).
func configFromEnv(getenv func(string) string) (config, error) {
	c := config{
		Addr:              strings.TrimSpace(getenv("ADDR")),
		DataDir:           strings.TrimSpace(getenv("DATA_DIR")),
		GitHubSecret:      getenv("GITHUB_WEBHOOK_SECRET"),
		SlackSecret:       getenv("SLACK_SIGNING_SECRET"),
		SendGridPublicKey: strings.TrimSpace(getenv("SENDGRID_WEBHOOK_PUBLIC_KEY")),
	}
	if c.Addr == "" {
		c.Addr = defaultAddr
	}
	if c.DataDir == "" {
		base, err := os.UserCacheDir()
		if err != nil || base == "" {
			base = os.TempDir()
		}
		c.DataDir = filepath.Join(base, dataDirName)
	}
	for p := range strings.SplitSeq(getenv("TRUSTED_PROXIES"), ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err != nil {
			return c, fmt.Errorf("TRUSTED_PROXIES: %q is not a CIDR prefix such as 10.0.0.0/8", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	return c, nil
}

// checkExposure refuses a listen address that other machines can reach
// while a secret is unset: its generated demo secret is printed to the
// terminal, and whoever reads it could sign deliveries the server accepts.
func (c config) checkExposure(ctx context.Context) error {
	var unset []string
	if c.GitHubSecret == "" {
		unset = append(unset, "GITHUB_WEBHOOK_SECRET")
	}
	if c.SlackSecret == "" {
		unset = append(unset, "SLACK_SIGNING_SECRET")
	}
	if c.SendGridPublicKey == "" {
		unset = append(unset, "SENDGRID_WEBHOOK_PUBLIC_KEY")
	}
	if len(unset) == 0 {
		return nil
	}
	loopback, err := demo.IsLoopback(ctx, c.Addr)
	if err != nil {
		return fmt.Errorf("ADDR: %w", err)
	}
	if loopback {
		return nil
	}
	is, them := "are", "them"
	if len(unset) == 1 {
		is, them = "is", "it"
	}
	return fmt.Errorf("ADDR %s is reachable from other machines while %s %s unset, so demo secrets would be "+
		"generated and printed: set %s, or listen on a loopback address such as %s",
		c.Addr, strings.Join(unset, ", "), is, them, defaultAddr)
}
