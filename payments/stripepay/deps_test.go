package stripepay_test

import (
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImportsOnlyTheResourcesItUses keeps stripe-go's client.API out of
// the package: it would compile every stripe-go resource package into
// every program that imports stripepay.
func TestImportsOnlyTheResourcesItUses(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: runs go list")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipped: the go command is not on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/switchboard-go/switchboard/payments/stripepay").CombinedOutput()
	require.NoError(t, err, string(out))
	var stripe []string
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/stripe/stripe-go/") {
			stripe = append(stripe, pkg)
		}
	}
	sort.Strings(stripe)
	require.Equal(t, []string{
		"github.com/stripe/stripe-go/v76",
		"github.com/stripe/stripe-go/v76/form",
		"github.com/stripe/stripe-go/v76/paymentintent",
		"github.com/stripe/stripe-go/v76/refund",
	}, stripe)
}
