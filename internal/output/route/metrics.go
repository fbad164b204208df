package route

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the router's per-destination metrics.
type metrics struct {
	reg                                          prometheus.Registerer
	sent, failed, retried, dropped, deduplicated *prometheus.CounterVec
	latency, sendSeconds                         *prometheus.HistogramVec
}

type destMetrics struct {
	sent, failed, retried, dropped, deduplicated prometheus.Counter
	latency, sendSeconds                         prometheus.Observer
}

func newMetrics(reg prometheus.Registerer) *metrics {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "peregrine_output_" + name, Help: help}, []string{"destination"})
	}
	m := &metrics{reg: reg,
		sent:         counter("sent_total", "Alerts the destination accepted."),
		failed:       counter("failed_total", "Alerts the destination refused for good (not retried)."),
		retried:      counter("retried_total", "Alerts whose delivery failed and is retried."),
		dropped:      counter("dropped_total", "Alerts dropped because the destination's queue was full."),
		deduplicated: counter("deduplicated_total", "Repeated alerts folded into a summary."),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "peregrine_output_first_attempt_seconds",
			Help:    "Time from routing an alert to its first delivery attempt.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 5, 30}}, []string{"destination"}),
		sendSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "peregrine_output_send_seconds",
			Help:    "Duration of one send to the destination.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 5, 30}}, []string{"destination"}),
	}
	if reg != nil {
		reg.MustRegister(m.sent, m.failed, m.retried, m.dropped, m.deduplicated, m.latency, m.sendSeconds)
	}
	return m
}

func (m *metrics) forDest(name string) destMetrics {
	return destMetrics{sent: m.sent.WithLabelValues(name), failed: m.failed.WithLabelValues(name),
		retried: m.retried.WithLabelValues(name), dropped: m.dropped.WithLabelValues(name),
		deduplicated: m.deduplicated.WithLabelValues(name),
		latency:      m.latency.WithLabelValues(name), sendSeconds: m.sendSeconds.WithLabelValues(name)}
}

// queued exports a destination's queue length.
func (m *metrics) queued(name string, n func() float64) {
	if m.reg == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "peregrine_output_queued",
		Help: "Alerts waiting in the destination's durable queue.", ConstLabels: prometheus.Labels{"destination": name}}, n))
}
