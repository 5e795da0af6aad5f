package cli

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// verify tells a delivery the provider did not send from one it sent whose
// body is no event.
func TestVerifyTellsForgedFromGenuineNonEvent(t *testing.T) {
	dir := t.TempDir()
	headers := filepath.Join(dir, "h")
	// A genuine Stripe signature over a body that is not valid JSON.
	body := `{"id":"evt_1","type":"a",}`
	code, out, errOut := runCLI(t, context.Background(), body, "webhooks", "sign", "-p", "stripe", "-s", "whsec_x", "--timestamp", "1700000000")
	require.Equal(t, ExitOK, code, errOut)
	require.NoError(t, os.WriteFile(headers, []byte(out), 0o600))
	args := []string{"webhooks", "verify", "-p", "stripe", "-s", "whsec_x", "--now", "1700000000", "--headers-file", headers}

	code, _, errOut = runCLI(t, context.Background(), body, args...)
	require.Equal(t, ExitFailure, code)
	require.Contains(t, errOut, "genuine, but the body is not an event")
	require.NotContains(t, errOut, "not genuine")

	code, _, errOut = runCLI(t, context.Background(), body+" ", args...)
	require.Equal(t, ExitFailure, code)
	require.Contains(t, errOut, "not genuine, the signature does not match")

	code, out, errOut = runCLI(t, context.Background(), body, append(args, "--json")...)
	require.Equal(t, ExitFailure, code)
	require.Empty(t, errOut, "--json prints the verdict on standard output only")
	var v verifyJSON
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.Equal(t, verdictNotEvent, v.Verdict)
	require.True(t, v.Genuine)
	require.Contains(t, v.Error, "malformed body")

	code, out, _ = runCLI(t, context.Background(), body+" ", append(args, "--json")...)
	require.Equal(t, ExitFailure, code)
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	require.Equal(t, verdictForged, v.Verdict)
	require.False(t, v.Genuine)
}

// What sign makes for Paystack verifies, with a body given or without one.
func TestSignPaystackDeliveryVerifies(t *testing.T) {
	dir := t.TempDir()
	for name, stdin := range map[string]string{"sample": "", "given": `{"event":"charge.success","data":{"id":42,"reference":"r1"}}`} {
		t.Run(name, func(t *testing.T) {
			bodyFile, headers := filepath.Join(dir, name+".body"), filepath.Join(dir, name+".h")
			code, out, errOut := runCLI(t, context.Background(), stdin, "webhooks", "sign", "-p", "paystack", "-s", "sk_test_x", "--body-out", bodyFile)
			require.Equal(t, ExitOK, code, errOut)
			require.NoError(t, os.WriteFile(headers, []byte(out), 0o600))
			body, err := os.ReadFile(bodyFile)
			require.NoError(t, err)
			code, out, errOut = runCLI(t, context.Background(), string(body), "webhooks", "verify", "-p", "paystack", "-s", "sk_test_x", "--headers-file", headers, "--json")
			require.Equal(t, ExitOK, code, errOut)
			var v verifyJSON
			require.NoError(t, json.Unmarshal([]byte(out), &v))
			require.Equal(t, "genuine", v.Verdict)
			require.Len(t, v.Events, 1)
			require.Equal(t, "charge.success", v.Events[0].Type)
			require.Equal(t, v.Events[0].ID, v.Events[0].DedupKey)
		})
	}
}

func TestSignJSON(t *testing.T) {
	code, out, errOut := runCLI(t, context.Background(), `{"zen":"z"}`, "webhooks", "sign", "-p", "github", "-s", "s", "--type", "ping", "--id", "d1", "--json")
	require.Equal(t, ExitOK, code, errOut)
	var s signJSON
	require.NoError(t, json.Unmarshal([]byte(out), &s))
	require.Equal(t, "github", s.Provider)
	require.Equal(t, `{"zen":"z"}`, s.Body)
	require.Equal(t, "d1", s.Headers["X-Github-Delivery"])
	require.True(t, strings.HasPrefix(s.Headers["X-Hub-Signature-256"], "sha256="))
}

func TestSendJSON(t *testing.T) {
	srv, c := hookServer(t, "stripe", "whsec_j", "payment_intent.succeeded")
	code, out, errOut := runCLI(t, context.Background(), "", "webhooks", "send", "-p", "stripe", "-s", "whsec_j", "--repeat", "3", "--json", srv.URL+hookPath)
	require.Equal(t, ExitOK, code, errOut)
	require.Len(t, c.get(), 1)
	var s sendJSON
	require.NoError(t, json.Unmarshal([]byte(out), &s), out)
	require.Equal(t, 3, s.Done)
	require.Equal(t, 3, s.Statuses["200"])
	require.Len(t, s.Events, 1)
	require.Equal(t, c.get()[0], s.Events[0].ID)
	require.NotNil(t, s.LatencyMS)
}

// send stops after --max-connection-errors deliveries got no answer.
func TestSendStopsAfterConnectionErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now

	code, out, errOut := runCLI(t, context.Background(), "", "webhooks", "send", "-p", "stripe", "-s", "whsec_x",
		"--repeat", "1000", "--max-connection-errors", "3", "--json", "http://"+addr+"/hook")
	require.Equal(t, ExitFailure, code)
	require.Contains(t, errOut, "stopped after")
	var s sendJSON
	require.NoError(t, json.Unmarshal([]byte(out), &s), out)
	require.True(t, s.Stopped)
	require.GreaterOrEqual(t, s.NoAnswer, 3)
	require.Less(t, s.Done, 20, "the run stops early")

	code, _, errOut = runCLI(t, context.Background(), "", "webhooks", "send", "-p", "stripe", "-s", "whsec_x", "--max-connection-errors", "-1", "http://"+addr)
	require.Equal(t, ExitUsage, code, errOut)
}

func TestUnknownTypeWarns(t *testing.T) {
	srv, _ := hookServer(t, "github", "gh", "issues")
	code, _, errOut := runCLI(t, context.Background(), "", "webhooks", "send", "-p", "github", "-s", "gh", "--type", "issues", srv.URL+hookPath)
	require.Equal(t, ExitFailure, code, "the generic payload does not match X-GitHub-Event: issues")
	require.Contains(t, errOut, `warning: "issues" is not a github event type this tool knows`)

	_, _, errOut = runCLI(t, context.Background(), "{}", "webhooks", "sign", "-p", "stripe", "-s", "whsec_x", "--type", "payment_intent.sucseeded")
	require.Contains(t, errOut, "warning:")
	_, _, errOut = runCLI(t, context.Background(), "{}", "webhooks", "sign", "-p", "stripe", "-s", "whsec_x", "--type", "payment_intent.succeeded")
	require.NotContains(t, errOut, "warning:")
	_, _, errOut = runCLI(t, context.Background(), "{}", "webhooks", "sign", "-p", "svix", "-s", "whsec_MDEyMzQ1Njc4OWFiY2RlZg==", "--type", "anything.goes")
	require.NotContains(t, errOut, "warning:", "Standard Webhooks senders name their own types")
}

func TestVersionOf(t *testing.T) {
	require.Equal(t, "v1.2.3", versionOf(&debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}))
	require.Equal(t, "devel", versionOf(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}), "go run without version control information")
	require.Equal(t, "devel 0123456789ab-dirty", versionOf(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.modified", Value: "true"},
	}}))
	require.NotEmpty(t, Version())
}
