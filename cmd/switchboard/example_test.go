package main

import (
	"os"
	"strings"
)

// Print the headers GitHub would send with a body, for a fixed delivery ID.
func Example() {
	body := `{"zen":"Keep it logically awesome."}`
	run([]string{"webhooks", "sign", "--provider", "github", "--secret", "It's a Secret to Everybody",
		"--type", "ping", "--id", "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
		strings.NewReader(body), os.Stdout, os.Stderr)
	// Output:
	// Content-Type: application/json
	// User-Agent: GitHub-Hookshot/webhookstest
	// X-Github-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958
	// X-Github-Event: ping
	// X-Hub-Signature-256: sha256=b9f180c4171a9926a5055962b54ec47b0ebee85e62e76c83ebdbb382f77b05ac
}
