package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConfigFromEnv(t *testing.T) {
	cache, err := os.UserCacheDir()
	if err != nil || cache == "" {
		cache = os.TempDir()
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    config
		wantErr string
	}{
		{
			name: "zero configuration",
			env:  map[string]string{},
			want: config{Addr: "127.0.0.1:8081", DataDir: filepath.Join(cache, "switchboard-multiprovider")},
		},
		{
			name: "everything set",
			env: map[string]string{
				"ADDR": " :9000 ", "DATA_DIR": "/srv/data",
				"GITHUB_WEBHOOK_SECRET": "gh", "SLACK_SIGNING_SECRET": "sl", "SENDGRID_WEBHOOK_PUBLIC_KEY": " pub\n",
				"TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::/32,",
			},
			want: config{
				Addr: ":9000", DataDir: "/srv/data",
				GitHubSecret: "gh", SlackSecret: "sl", SendGridPublicKey: "pub",
				TrustedProxies: []string{"10.0.0.0/8", "2001:db8::/32"},
			},
		},
		{
			name:    "bad proxy prefix",
			env:     map[string]string{"TRUSTED_PROXIES": "10.0.0.1"},
			wantErr: "TRUSTED_PROXIES",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configFromEnv(env(tt.env))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
