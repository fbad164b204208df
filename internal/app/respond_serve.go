package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/source"
)

// RespondOptions configure peregrine's standalone response role.
type RespondOptions struct {
	Policies   string // policy file
	Kubeconfig string // "" = in-cluster
	Listen     string // address of the alert input (Falco JSON alerts)
	Workers    int
	Stderr     io.Writer
}

// ServeResponse runs the response role on its own: it answers alerts posted
// in Falco's JSON format (Falco's http_output, Falcosidekick's webhook
// output, another peregrine) with the policies of a file, runs its
// schedules, and serves /healthz and /metrics, until ctx ends.
func ServeResponse(ctx context.Context, o RespondOptions) error {
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	var tables []*field.Table
	for _, b := range source.Builtins() {
		if b.Engine != nil {
			tables = append(tables, b.Engine().Fields)
		}
	}
	m := newMetrics()
	resp, err := newResponse(ctx, responseConfig{policies: o.Policies, kubeconfig: o.Kubeconfig, workers: o.Workers,
		tables: tables, stderr: o.Stderr, metrics: m})
	if err != nil {
		return err
	}
	defer resp.stop()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.Handle("/", resp.r.Handler())
	l, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("alert input: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(o.Stderr, "peregrine respond: accepting Falco JSON alerts on http://%s/\n", l.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
		return nil
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("alert input: %w", err)
	}
}
