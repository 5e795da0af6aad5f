package otelobserve_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCorePackagesDoNotDependOnOpenTelemetry lists the dependencies
// (go list -deps) of every package of the module but the adapter, the
// examples and the benchmark program: none may import OpenTelemetry.
// media/blobmedia is the one exception, through gocloud.dev/blob, which
// instruments itself with OpenTelemetry; no file of the module outside the
// adapter and the examples imports it directly.
func TestCorePackagesDoNotDependOnOpenTelemetry(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports " "}}|{{join .Deps " "}}`,
		"github.com/switchboard-go/switchboard/...").CombinedOutput()
	require.NoError(t, err, "%s", out)
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.SplitN(line, "|", 3)
		require.Len(t, parts, 3, line)
		pkg := parts[0]
		if strings.Contains(pkg, "/otelobserve") || strings.Contains(pkg, "/examples/") || strings.HasSuffix(pkg, "/bench") {
			continue
		}
		checked++
		for _, imp := range strings.Fields(parts[1]) {
			require.False(t, strings.HasPrefix(imp, "go.opentelemetry.io/"), "%s imports %s", pkg, imp)
		}
		if strings.HasSuffix(pkg, "/media/blobmedia") {
			continue
		}
		for _, d := range strings.Fields(parts[2]) {
			require.False(t, strings.HasPrefix(d, "go.opentelemetry.io/"), "%s depends on %s", pkg, d)
		}
	}
	require.Greater(t, checked, 30, "the core packages were listed")
}
