package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/config"
	"github.com/peregrine-sec/peregrine/internal/engine"
	"github.com/peregrine-sec/peregrine/internal/source"
)

// HubOptions configure the hub role: alerts posted in Falco's JSON format
// are routed to the configured outputs and answered by the response
// policies.
type HubOptions struct {
	ConfigFiles []string // configuration (destinations:, response:)
	Overrides   []string // -o key=value
	Policies    string   // response policy file (overrides response.policies_file)
	Kubeconfig  string   // overrides response.kubeconfig
	Listen      string   // address of the alert input
	NATS        NATSInput
	Stderr      io.Writer
}

// maxPostedAlert bounds one posted alert.
const maxPostedAlert = 1 << 20

// ServeHub runs the hub until ctx ends. Existing Falco installations point
// their http_output (or Falcosidekick's webhook output) at it, so it can
// replace Falcosidekick in place. It serves /healthz and /metrics too, and
// drains pending deliveries before it returns.
func ServeHub(ctx context.Context, o HubOptions) error {
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	cfg, err := config.Load(o.ConfigFiles, o.Overrides)
	if err != nil {
		return err
	}
	var srcs []engine.Source
	for _, b := range source.Builtins() {
		if b.Engine != nil {
			srcs = append(srcs, b.Engine())
		}
	}
	r := &runner{o: Options{ResponsePolicies: o.Policies, Kubeconfig: o.Kubeconfig, Stderr: o.Stderr}, cfg: cfg,
		eng: engine.New(srcs...), log: slog.New(slog.NewTextHandler(o.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	m := newMetrics()
	resp, err := r.startResponse(ctx, m)
	if err != nil {
		return err
	}
	defer resp.stop()
	router, err := r.startRouter(ctx, m)
	if err != nil {
		return err
	}
	defer r.drainRouter(router)
	if resp == nil && router == nil {
		return errors.New("nothing to do: configure destinations: or response policies")
	}
	received := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "peregrine_hub_alerts_received_total",
		Help: "Alerts posted to the hub, by result (accepted, malformed)."}, []string{"result"})
	m.reg.MustRegister(received)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status": "ok"}`)
	})
	handle := func(a *alert.Alert) {
		received.WithLabelValues("accepted").Inc()
		if router != nil {
			router.Route(a)
		}
		resp.handle(a)
	}
	if o.NATS.URL != "" {
		if o.NATS.Durable == "" {
			o.NATS.Durable = "peregrine-hub"
		}
		natsErr := make(chan error, 1)
		go func() {
			natsErr <- consumeNATS(ctx, o.NATS, r.log, handle, func() { received.WithLabelValues("malformed").Inc() })
		}()
		select { // fail fast on a bad address or stream
		case err := <-natsErr:
			if err != nil {
				return err
			}
		case <-time.After(3 * time.Second):
		}
	}
	accept := func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxPostedAlert))
		if err != nil {
			http.Error(w, fmt.Sprintf("reading the alert: %v", err), http.StatusRequestEntityTooLarge)
			return
		}
		a, err := alert.ParseFalcoJSON(body)
		if err != nil {
			received.WithLabelValues("malformed").Inc()
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		handle(a)
		w.WriteHeader(http.StatusOK)
	}
	mux.HandleFunc("POST /{$}", accept)
	mux.HandleFunc("POST /alerts", accept)
	l, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("alert input: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(o.Stderr, "peregrine: accepting Falco JSON alerts on http://%s/\n", l.Addr())
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
