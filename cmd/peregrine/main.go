// Command peregrine is runtime threat detection for Linux hosts and Kubernetes
// that speaks the Falco rules language. Invoked with Falco's flags (or through a
// symlink named falco) it behaves like Falco; its own subcommands (validate,
// replay, fields, version) are the rule-authoring tools.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
