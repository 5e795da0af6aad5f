package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/switchboard-go/switchboard/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs the command line with args and returns the exit code. SIGINT
// and SIGTERM cancel a running command, which then stops and reports what
// it did.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.Run(ctx, args, stdin, stdout, stderr)
}
