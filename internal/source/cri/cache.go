package cri

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Default sockets.
const (
	ContainerdSocket = "/run/containerd/containerd.sock"
	CRIOSocket       = "/run/crio/crio.sock"
)

// Options configures a Cache. Zero values take the defaults noted.
type Options struct {
	// CRISockets are the CRI endpoints to ask (default: containerd's and
	// CRI-O's sockets). Absent sockets are retried with backoff.
	CRISockets []string
	// ContainerdSocket is containerd's own API, for containers created
	// outside CRI ("ctr run"): default ContainerdSocket; "none" disables.
	ContainerdSocket string
	// Workers bounds the concurrent fetches (default 4).
	Workers int
	// QueueSize bounds the ids waiting for a fetch (default 1024); lookups
	// beyond it are dropped and retried on a later lookup.
	QueueSize int
	// NegativeTTL is how long an id no runtime knows stays "not found"
	// (default 30s).
	NegativeTTL time.Duration
	// RefreshInterval is the period of the container listings that learn
	// new and removed containers (default 10s).
	RefreshInterval time.Duration
	// CallTimeout bounds each runtime call (default 2s).
	CallTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before retrying an
	// unavailable runtime (default 500ms and 30s).
	MinBackoff, MaxBackoff time.Duration
	// Logger receives connection state changes (default: slog.Default()).
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.CRISockets == nil {
		o.CRISockets = []string{ContainerdSocket, CRIOSocket}
	}
	if o.ContainerdSocket == "" {
		o.ContainerdSocket = ContainerdSocket
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 1024
	}
	if o.NegativeTTL <= 0 {
		o.NegativeTTL = 30 * time.Second
	}
	if o.RefreshInterval <= 0 {
		o.RefreshInterval = 10 * time.Second
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 2 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 500 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Status is the outcome of a lookup.
type Status int

// Lookup outcomes.
const (
	// Pending: not known yet; a fetch is queued or running. Ask again later.
	Pending Status = iota
	// Found: the Info is returned.
	Found
	// NotFound: no runtime knows the id (remembered for NegativeTTL).
	NotFound
)

// String names a status.
func (s Status) String() string {
	switch s {
	case Found:
		return "found"
	case NotFound:
		return "not found"
	}
	return "pending"
}

// negEntry remembers a failed fetch until a time.
type negEntry struct {
	until    time.Time
	notFound bool // every runtime answered that it does not know the id
}

// Cache is container metadata by container id, filled asynchronously from
// the container runtimes. Lookup never blocks on a runtime. Run starts the
// fetch workers and the periodic listing; without Run, lookups only queue.
type Cache struct {
	opts     Options
	log      *slog.Logger
	backends []backend
	queue    chan string

	mu       sync.RWMutex
	byID     map[string]*Info
	byShort  map[string]string // 12-hex prefix -> full id
	inflight map[string]struct{}
	negative map[string]negEntry

	stats counters
}

// counters are the cache's metrics.
type counters struct {
	lookups, hits, pending, negHits, drops atomic.Uint64
	fetches, fetchErrors, fetchNotFound    atomic.Uint64
	lists, listErrors, added, evicted      atomic.Uint64
}

// New returns a cache over the runtimes of opts. It does not connect:
// Run does, and keeps retrying runtimes that are absent or die.
func New(opts Options) *Cache {
	opts.defaults()
	c := &Cache{
		opts:     opts,
		log:      opts.Logger,
		queue:    make(chan string, opts.QueueSize),
		byID:     map[string]*Info{},
		byShort:  map[string]string{},
		inflight: map[string]struct{}{},
		negative: map[string]negEntry{},
	}
	for _, s := range opts.CRISockets {
		c.backends = append(c.backends, newCRIBackend(newEndpoint("cri", s, c.log, opts.MinBackoff, opts.MaxBackoff)))
	}
	if opts.ContainerdSocket != "none" {
		e := newEndpoint("containerd", opts.ContainerdSocket, c.log, opts.MinBackoff, opts.MaxBackoff)
		c.backends = append(c.backends, &containerdBackend{e: e})
	}
	return c
}

// Lookup returns the metadata of a container by its full id or its
// 12-character short id. It never blocks on a runtime: an unknown id
// returns Pending and queues a fetch (once per id at a time). A container
// known from a listing is Pending until its details arrive. The Info must
// not be modified.
func (c *Cache) Lookup(id string) (*Info, Status) {
	c.stats.lookups.Add(1)
	c.mu.RLock()
	info := c.findLocked(id)
	c.mu.RUnlock()
	if info != nil && !info.partial {
		c.stats.hits.Add(1)
		return info, Found
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if info := c.findLocked(id); info != nil {
		if !info.partial {
			c.stats.hits.Add(1)
			return info, Found
		}
		c.stats.pending.Add(1)
		if _, ok := c.inflight[info.ID]; !ok {
			c.enqueueLocked(info.ID)
		}
		return nil, Pending
	}
	if n, ok := c.negative[id]; ok {
		if time.Now().Before(n.until) {
			if n.notFound {
				c.stats.negHits.Add(1)
				return nil, NotFound
			}
			c.stats.pending.Add(1)
			return nil, Pending
		}
		delete(c.negative, id)
	}
	c.stats.pending.Add(1)
	if _, ok := c.inflight[id]; ok {
		return nil, Pending
	}
	c.enqueueLocked(id)
	return nil, Pending
}

// enqueueLocked queues a fetch without waiting; a full queue drops it (a
// later lookup queues it again).
func (c *Cache) enqueueLocked(id string) {
	select {
	case c.queue <- id:
		c.inflight[id] = struct{}{}
	default:
		c.stats.drops.Add(1)
	}
}

// findLocked returns the entry of a full or short id.
func (c *Cache) findLocked(id string) *Info {
	if info := c.byID[id]; info != nil {
		return info
	}
	if len(id) == 12 {
		if full, ok := c.byShort[id]; ok {
			return c.byID[full]
		}
	}
	return nil
}

// Len returns the number of containers and sandboxes known.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byID)
}

// storeLocked adds or replaces an entry.
func (c *Cache) storeLocked(info *Info) {
	if _, ok := c.byID[info.ID]; !ok {
		c.stats.added.Add(1)
	}
	c.byID[info.ID] = info
	if len(info.ID) == 64 && isHex(info.ID) {
		c.byShort[info.ID[:12]] = info.ID
		delete(c.negative, info.ID[:12])
	}
	delete(c.negative, info.ID)
}

// removeLocked drops an entry.
func (c *Cache) removeLocked(id string) {
	delete(c.byID, id)
	if len(id) == 64 {
		if c.byShort[id[:12]] == id {
			delete(c.byShort, id[:12])
		}
	}
	c.stats.evicted.Add(1)
}

// Run connects to the runtimes, lists their containers every
// RefreshInterval and serves queued fetches, until ctx ends. Runtimes that
// are absent or fail are retried with backoff; Run itself only returns
// ctx's error.
func (c *Cache) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for i := 0; i < c.opts.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.worker(ctx)
		}()
	}
	t := time.NewTicker(c.opts.RefreshInterval)
	defer t.Stop()
	for {
		c.Refresh(ctx)
		select {
		case <-ctx.Done():
			wg.Wait()
			for _, b := range c.backends {
				b.ep().close()
			}
			return ctx.Err()
		case <-t.C:
		}
	}
}

// worker serves queued fetches.
func (c *Cache) worker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-c.queue:
			c.fetch(ctx, id)
		}
	}
}

// fetch asks the runtimes for one id and stores the answer: the entry, a
// negative entry when every runtime that answered does not know it, or a
// short "retry later" entry when none could be asked.
func (c *Cache) fetch(ctx context.Context, id string) {
	c.stats.fetches.Add(1)
	var found *Info
	answered, failed := 0, 0
	for _, b := range c.backends {
		cctx, cancel := context.WithTimeout(ctx, c.opts.CallTimeout)
		info, err := b.get(cctx, id)
		cancel()
		if err != nil {
			if !errors.Is(err, errSocketAbsent) && !errors.Is(err, errBackoff) {
				failed++
				c.log.Debug("container metadata fetch failed", "id", id, "backend", b.name(), "err", err)
			}
			continue
		}
		answered++
		if info != nil {
			found = info
			break
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.inflight, id)
	listed := c.byID[id]
	switch {
	case found != nil:
		c.storeLocked(found)
	case answered > 0 && failed == 0:
		c.stats.fetchNotFound.Add(1)
		if listed != nil {
			c.removeLocked(id) // listed, but gone by now
		}
		c.negative[id] = negEntry{until: time.Now().Add(c.opts.NegativeTTL), notFound: true}
	default:
		c.stats.fetchErrors.Add(1)
		if listed != nil && listed.partial {
			// No runtime answers now: what the listing said is better
			// than nothing.
			full := *listed
			full.partial = false
			c.byID[id] = &full
			return
		}
		c.negative[id] = negEntry{until: time.Now().Add(c.opts.MinBackoff)}
	}
}

// Refresh lists the containers of every runtime once: new ones are added
// (and their details queued), ones a runtime no longer lists are evicted.
// Run calls it periodically; tests call it to skip the wait.
func (c *Cache) Refresh(ctx context.Context) {
	for _, b := range c.backends {
		cctx, cancel := context.WithTimeout(ctx, c.opts.CallTimeout)
		infos, ok, err := b.list(cctx)
		cancel()
		if !ok {
			if err != nil && !errors.Is(err, errSocketAbsent) && !errors.Is(err, errBackoff) {
				c.stats.listErrors.Add(1)
				c.log.Debug("container listing failed", "backend", b.name(), "err", err)
			}
			continue
		}
		c.stats.lists.Add(1)
		c.apply(b.name(), infos)
	}
	c.expireNegative()
}

// apply merges one backend's listing.
func (c *Cache) apply(source string, infos []*Info) {
	seen := make(map[string]bool, len(infos))
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, info := range infos {
		seen[info.ID] = true
		if old := c.byID[info.ID]; old != nil {
			continue // details were fetched already, or are queued
		}
		c.storeLocked(info)
		if _, ok := c.inflight[info.ID]; !ok {
			c.enqueueLocked(info.ID) // fetch the details a listing lacks
		}
	}
	for id, info := range c.byID {
		if !seen[id] && (info.Source == source || strings.HasPrefix(info.Source, source+"#")) {
			c.removeLocked(id)
		}
	}
}

// expireNegative drops negative entries that have expired.
func (c *Cache) expireNegative() {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, n := range c.negative {
		if now.After(n.until) {
			delete(c.negative, id)
		}
	}
}
