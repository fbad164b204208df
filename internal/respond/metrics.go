package respond

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count the responder's decisions. A nil *Metrics records nothing.
type Metrics struct {
	decisions *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	drops     prometheus.Counter
}

// NewMetrics registers the responder's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "peregrine_response_decisions_total",
			Help: "Response decisions by policy, action and outcome (ok, error, dry_run, deduplicated, rate_limited, no_target).",
		}, []string{"policy", "action", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "peregrine_response_latency_seconds",
			Help:    "Time from the alert's event to the end of each action.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2, 5, 10, 30},
		}, []string{"action"}),
		drops: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peregrine_response_alerts_dropped_total",
			Help: "Alerts not answered because the response queue was full.",
		}),
	}
	reg.MustRegister(m.decisions, m.latency, m.drops)
	return m
}

func (m *Metrics) decision(d Decision) {
	if m == nil {
		return
	}
	m.decisions.WithLabelValues(d.Policy, d.Action, d.Outcome).Inc()
	if d.Action != "" && d.Latency > 0 {
		m.latency.WithLabelValues(d.Action).Observe(d.Latency.Seconds())
	}
}

func (m *Metrics) dropped() {
	if m != nil {
		m.drops.Inc()
	}
}
