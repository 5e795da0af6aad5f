package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/sms"
	"github.com/switchboard-go/switchboard/sms/africastalkingsms"
	"github.com/switchboard-go/switchboard/sms/twiliosms"
	"github.com/switchboard-go/switchboard/webhooks"
)

// send --type message-status and --provider africastalking deliver
// reports that a real delivery-report endpoint verifies and normalizes.
func TestSendDeliveryReports(t *testing.T) {
	cases := []struct {
		provider, secret, typ string
		parser                sms.ReportParser
		want                  sms.Status
	}{
		{"twilio", "0123456789abcdef0123456789abcdef", "message-status", twiliosms.ReportParser{}, sms.StatusDelivered},
		{"africastalking", "cli-test-token-0123456789abcdef-0123", "", africastalkingsms.ReportParser{}, sms.StatusDelivered},
		{"africastalking", "cli-test-token-0123456789abcdef-0123", "Failed", africastalkingsms.ReportParser{}, sms.StatusUndelivered},
	}
	for _, tc := range cases {
		t.Run(tc.provider+"/"+tc.typ, func(t *testing.T) {
			var h http.Handler
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
			defer srv.Close()
			p, err := lookupProvider(tc.provider)
			require.NoError(t, err)
			v, err := p.verifier(tc.secret, webhooks.WithPublicURL(srv.URL+hookPath))
			require.NoError(t, err)
			wh, err := webhooks.NewHandler(v, webhooks.WithLogger(discardLogger()))
			require.NoError(t, err)
			var mu sync.Mutex
			var got []*sms.Report
			sms.Handle(wh, tc.parser, func(_ context.Context, r *sms.Report) error {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, r)
				return nil
			})
			h = wh
			args := []string{"webhooks", "send", "--provider", tc.provider, "--secret", tc.secret, "--repeat", "3"}
			if tc.typ != "" {
				args = append(args, "--type", tc.typ)
			}
			code, out, errOut := runCLI(t, context.Background(), "", append(args, srv.URL+hookPath)...)
			require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.NotContains(t, errOut, "warning")
			require.NotContains(t, out, tc.secret, "the token is not printed")
			require.Len(t, got, 1, "three copies, one report")
			require.Equal(t, tc.want, got[0].Status)
			require.NotEmpty(t, got[0].MessageID)
		})
	}
}
