package app

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/peregrine-sec/peregrine/internal/alert"
)

// metrics are the run's Prometheus metrics, in a registry of its own.
type metrics struct {
	reg    *prometheus.Registry
	alerts *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.alerts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "peregrine_alerts_total",
		Help: "Alerts raised, by source, rule and priority.",
	}, []string{"source", "rule", "priority"})
	m.reg.MustRegister(m.alerts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// registry returns the registry sources add their metrics to.
func (m *metrics) registry() *prometheus.Registry { return m.reg }

// countEvaluated exports a source's count of evaluated events.
func (m *metrics) countEvaluated(source string, n func() uint64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name:        "peregrine_events_evaluated_total",
		Help:        "Events evaluated against the rules, by source.",
		ConstLabels: prometheus.Labels{"source": source},
	}, func() float64 { return float64(n()) }))
}

// alert counts one alert.
func (m *metrics) alert(a *alert.Alert) {
	m.alerts.WithLabelValues(a.Source, a.Rule, a.Priority.String()).Inc()
}

// serveWeb starts Falco's embedded web server when the configuration enables
// it: the health endpoint, and /metrics when prometheus_metrics_enabled.
func (r *runner) serveWeb(ctx context.Context, m *metrics) error {
	ws := r.cfg.Webserver
	if !ws.Enabled || r.o.CaptureFile != "" { // as Falco, no web server when reading a capture
		return nil
	}
	mux := http.NewServeMux()
	health := ws.K8sHealthzEndpoint
	if health == "" {
		health = "/healthz"
	}
	mux.HandleFunc("GET "+health, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status": "ok"}`)
	})
	if ws.PrometheusMetricsEnabled {
		mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	}
	addr := net.JoinHostPort(ws.ListenAddress, strconv.Itoa(ws.ListenPort))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		r.log.Warn("webserver not started", "address", addr, "error", err)
		return nil
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.log.Error("webserver stopped", "error", err)
		}
	}()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	r.log.Info("webserver listening", "address", l.Addr().String(), "metrics", ws.PrometheusMetricsEnabled)
	return nil
}
