package cri

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Stats is a snapshot of the cache's counters.
type Stats struct {
	Lookups       uint64 // Lookup calls
	Hits          uint64 // lookups answered Found
	Pending       uint64 // lookups answered Pending
	NegativeHits  uint64 // lookups answered NotFound from the negative cache
	QueueDrops    uint64 // fetches not queued because the queue was full
	Fetches       uint64 // fetches run
	FetchErrors   uint64 // fetches no runtime could answer
	FetchNotFound uint64 // fetches every runtime answered "unknown"
	Lists         uint64 // successful listings
	ListErrors    uint64 // failed listings (runtime reachable but erring)
	Added         uint64 // entries added
	Evicted       uint64 // entries removed because no runtime lists them any more
	Entries       int    // entries now
	Runtimes      []RuntimeStats
}

// RuntimeStats describes one runtime endpoint.
type RuntimeStats struct {
	Endpoint string // "cri:/run/containerd/containerd.sock"
	Up       bool   // the last call succeeded
	Failures uint64 // failed attempts (absent socket, lost connection, timeouts)
}

// Stats returns the current counters.
func (c *Cache) Stats() Stats {
	s := Stats{
		Lookups: c.stats.lookups.Load(), Hits: c.stats.hits.Load(), Pending: c.stats.pending.Load(),
		NegativeHits: c.stats.negHits.Load(), QueueDrops: c.stats.drops.Load(),
		Fetches: c.stats.fetches.Load(), FetchErrors: c.stats.fetchErrors.Load(),
		FetchNotFound: c.stats.fetchNotFound.Load(), Lists: c.stats.lists.Load(),
		ListErrors: c.stats.listErrors.Load(), Added: c.stats.added.Load(), Evicted: c.stats.evicted.Load(),
		Entries: c.Len(),
	}
	for _, b := range c.backends {
		e := b.ep()
		s.Runtimes = append(s.Runtimes, RuntimeStats{Endpoint: e.name(), Up: e.isUp(), Failures: e.failures.Load()})
	}
	return s
}

// Collector returns a Prometheus collector of the cache's metrics
// (peregrine_container_metadata_*).
func (c *Cache) Collector() prometheus.Collector { return collector{c} }

type collector struct{ c *Cache }

// metric descriptions, built per call (no package state).
func descs() (counters map[string]*prometheus.Desc, entries, up, failures *prometheus.Desc) {
	const p = "peregrine_container_metadata_"
	counters = map[string]*prometheus.Desc{}
	for name, help := range map[string]string{
		"lookups_total":         "Container metadata lookups.",
		"hits_total":            "Lookups answered from the cache.",
		"pending_total":         "Lookups answered pending (fetch queued or running).",
		"negative_hits_total":   "Lookups answered not found from the negative cache.",
		"queue_drops_total":     "Fetches not queued because the queue was full.",
		"fetches_total":         "Metadata fetches from the runtimes.",
		"fetch_errors_total":    "Fetches no runtime could answer.",
		"fetch_not_found_total": "Fetches for ids no runtime knows.",
		"lists_total":           "Successful container listings.",
		"list_errors_total":     "Failed container listings.",
		"added_total":           "Containers added to the cache.",
		"evicted_total":         "Containers evicted after they were removed.",
	} {
		counters[name] = prometheus.NewDesc(p+name, help, nil, nil)
	}
	entries = prometheus.NewDesc(p+"entries", "Containers and sandboxes in the cache.", nil, nil)
	up = prometheus.NewDesc(p+"runtime_up", "1 when the last call to the runtime endpoint succeeded.", []string{"endpoint"}, nil)
	failures = prometheus.NewDesc(p+"runtime_failures_total", "Failed attempts to reach the runtime endpoint.", []string{"endpoint"}, nil)
	return
}

// Describe implements prometheus.Collector.
func (k collector) Describe(ch chan<- *prometheus.Desc) {
	counters, entries, up, failures := descs()
	for _, d := range counters {
		ch <- d
	}
	ch <- entries
	ch <- up
	ch <- failures
}

// Collect implements prometheus.Collector.
func (k collector) Collect(ch chan<- prometheus.Metric) {
	s := k.c.Stats()
	counters, entries, up, failures := descs()
	for name, v := range map[string]uint64{
		"lookups_total": s.Lookups, "hits_total": s.Hits, "pending_total": s.Pending,
		"negative_hits_total": s.NegativeHits, "queue_drops_total": s.QueueDrops,
		"fetches_total": s.Fetches, "fetch_errors_total": s.FetchErrors,
		"fetch_not_found_total": s.FetchNotFound, "lists_total": s.Lists,
		"list_errors_total": s.ListErrors, "added_total": s.Added, "evicted_total": s.Evicted,
	} {
		ch <- prometheus.MustNewConstMetric(counters[name], prometheus.CounterValue, float64(v))
	}
	ch <- prometheus.MustNewConstMetric(entries, prometheus.GaugeValue, float64(s.Entries))
	for _, r := range s.Runtimes {
		v := 0.0
		if r.Up {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(up, prometheus.GaugeValue, v, r.Endpoint)
		ch <- prometheus.MustNewConstMetric(failures, prometheus.CounterValue, float64(r.Failures), r.Endpoint)
	}
}
