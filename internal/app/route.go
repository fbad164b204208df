package app

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/output/registry"
	"github.com/peregrine-sec/peregrine/internal/output/route"
)

// startRouter opens the routed destinations (destinations: and Falco's
// http_output) and starts their delivery; nil when none is configured.
func (r *runner) startRouter(ctx context.Context, m *metrics) (*route.Router, error) {
	dests, err := route.ParseDestinations(&r.cfg.Destinations)
	if err != nil {
		return nil, err
	}
	if h := r.cfg.HTTPOutput; h.Enabled && h.URL != "" {
		ho := route.HTTPOutput{URL: h.URL, UserAgent: h.UserAgent, Insecure: h.Insecure, CAFile: h.CACert}
		if ho.CAFile == "" {
			ho.CAFile = h.CABundle
		}
		if h.MTLS {
			ho.ClientCert, ho.ClientKey = h.ClientCert, h.ClientKey
		}
		dests = append(dests, ho.Destination())
	}
	if len(dests) == 0 {
		return nil, nil
	}
	var tables []*field.Table
	for _, name := range r.eng.Sources() {
		if s, ok := r.eng.Source(name); ok {
			tables = append(tables, s.Fields)
		}
	}
	rt, err := route.New(dests, route.Options{Dir: r.cfg.DestinationsQueueDir, Kinds: registry.Kinds(), Fields: tables,
		Log: r.log, Registry: m.reg, Environ: os.Environ()})
	if err != nil {
		return nil, fmt.Errorf("destinations: %w", err)
	}
	rt.Start(context.WithoutCancel(ctx))
	return rt, nil
}

// drainRouter waits (up to destinations_drain_timeout) for pending deliveries
// and says what could not be delivered.
func (r *runner) drainRouter(rt *route.Router) {
	if rt == nil {
		return
	}
	timeout, err := time.ParseDuration(r.cfg.DestinationsDrainTimeout)
	if err != nil {
		timeout = 30 * time.Second
	}
	left := rt.Drain(timeout)
	names := make([]string, 0, len(left))
	for n := range left {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(r.o.Stderr, "Alerts not delivered to %s within %s: %d (kept in %s, delivered on the next start)\n",
			n, timeout, left[n], r.cfg.DestinationsQueueDir)
	}
}
