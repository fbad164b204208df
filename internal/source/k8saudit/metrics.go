package k8saudit

import (
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the audit source's Prometheus metrics. A nil *Metrics is valid
// and records nothing.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	bodies   prometheus.Counter
	bytes    prometheus.Counter
	lag      prometheus.Histogram
	queue    atomic.Pointer[chan []byte]
	byCode   [6]prometheus.Counter // 200, 400, 401, 404/405, 413, 429
}

// NewMetrics registers the audit source's metrics on reg, reading the
// decoder counters c for the event counts. The registry also serves them.
func NewMetrics(reg *prometheus.Registry, c *Counters) *Metrics {
	m := &Metrics{reg: reg}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "peregrine_k8saudit_requests_total",
		Help: "Webhook requests by HTTP status code.",
	}, []string{"code"})
	m.bodies = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "peregrine_k8saudit_bodies_accepted_total",
		Help: "Webhook request bodies accepted into the decoding queue.",
	})
	m.bytes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "peregrine_k8saudit_received_bytes_total",
		Help: "Bytes of accepted webhook request bodies.",
	})
	m.lag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "peregrine_k8saudit_lag_seconds",
		Help:    "Time from an audit event's stageTimestamp to its evaluation.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	})
	events := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "peregrine_k8saudit_events_received_total",
		Help: "Audit events decoded and passed to the rules.",
	}, func() float64 { return float64(c.Events.Load()) })
	rejected := prometheus.NewDesc("peregrine_k8saudit_events_rejected_total",
		"Audit records rejected, by reason.", []string{"reason"}, nil)
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "peregrine_k8saudit_queue_depth",
		Help: "Webhook request bodies waiting to be decoded.",
	}, func() float64 {
		if q := m.queue.Load(); q != nil {
			return float64(len(*q))
		}
		return 0
	})
	reg.MustRegister(m.requests, m.bodies, m.bytes, m.lag, events, depth,
		&rejectedCollector{desc: rejected, c: c})
	for i, code := range []int{200, 400, 401, 404, 413, 429} {
		m.byCode[i] = m.requests.WithLabelValues(strconv.Itoa(code))
	}
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// request counts one answered request.
func (m *Metrics) request(code int) {
	if m == nil {
		return
	}
	i := -1
	switch code {
	case 200:
		i = 0
	case 400:
		i = 1
	case 401:
		i = 2
	case 404:
		i = 3
	case 413:
		i = 4
	case 429:
		i = 5
	}
	if i >= 0 {
		m.byCode[i].Inc()
		return
	}
	m.requests.WithLabelValues(strconv.Itoa(code)).Inc()
}

// received counts one accepted body.
func (m *Metrics) received(n int) {
	if m == nil {
		return
	}
	m.bodies.Inc()
	m.bytes.Add(float64(n))
}

// ObserveLag records how late an event is evaluated (seconds).
func (m *Metrics) ObserveLag(seconds float64) {
	if m == nil {
		return
	}
	m.lag.Observe(seconds)
}

func (m *Metrics) setQueue(q chan []byte) {
	if m != nil {
		m.queue.Store(&q)
	}
}

// rejectedCollector exports the decoder's rejection counters by reason.
type rejectedCollector struct {
	desc *prometheus.Desc
	c    *Counters
}

func (r *rejectedCollector) Describe(ch chan<- *prometheus.Desc) { ch <- r.desc }

func (r *rejectedCollector) Collect(ch chan<- prometheus.Metric) {
	for _, rc := range r.c.Rejected() {
		ch <- prometheus.MustNewConstMetric(r.desc, prometheus.CounterValue, float64(rc.N), rc.Reason)
	}
}
