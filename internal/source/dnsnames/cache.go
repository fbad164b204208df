// Package dnsnames resolves the host names that rules compare the
// fd.*.name fields with (fd.sip.name in (...)), again and again, so that a
// live syscall source can name the addresses of connections, as Falco's DNS
// manager does. Only the names the rules list are resolved; an address no
// listed name resolves to has no name.
package dnsnames

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Options.
const (
	DefaultInterval = 10 * time.Second
	DefaultTimeout  = 5 * time.Second
	// parallel bounds the lookups in flight.
	parallel = 8
)

// Options configure a Cache.
type Options struct {
	// Names are the host names to resolve.
	Names []string
	// Interval between two resolutions of every name (0: 10 s).
	Interval time.Duration
	// Timeout of one lookup (0: 5 s).
	Timeout time.Duration
	// Lookup resolves one name (nil: the system resolver, which reads
	// /etc/hosts and the configured DNS servers).
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	Logger *slog.Logger
}

// Cache maps IP addresses to the listed host names that resolve to them.
// NameOf is safe for concurrent use and does not allocate; Run refreshes.
type Cache struct {
	o      Options
	names  []string
	byIP   atomic.Pointer[map[netip.Addr]string]
	mu     sync.Mutex
	addrs  map[string][]netip.Addr // last good answer of each name
	failed map[string]bool         // names whose last lookup failed (logged once)
}

// New returns a cache for the names; nothing is resolved before Refresh or Run.
func New(o Options) *Cache {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Lookup == nil {
		o.Lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	names := append([]string(nil), o.Names...)
	sort.Strings(names)
	c := &Cache{o: o, names: names, addrs: map[string][]netip.Addr{}, failed: map[string]bool{}}
	empty := map[netip.Addr]string{}
	c.byIP.Store(&empty)
	return c
}

// NameOf returns the listed host name that resolves to ip (the first in
// alphabetical order when several do).
func (c *Cache) NameOf(ip netip.Addr) (string, bool) {
	n, ok := (*c.byIP.Load())[ip.Unmap()]
	return n, ok
}

// Run resolves every name now and then every Interval until ctx ends.
func (c *Cache) Run(ctx context.Context) error {
	if len(c.names) == 0 {
		return nil
	}
	c.o.Logger.Info("resolving the host names the rules compare fd.*.name with", "names", len(c.names),
		"interval", c.o.Interval)
	t := time.NewTicker(c.o.Interval)
	defer t.Stop()
	for {
		c.Refresh(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Refresh resolves every name once and publishes the new mapping. A name
// whose lookup fails keeps its last good addresses.
func (c *Cache) Refresh(ctx context.Context) {
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var newlyFailed []string
	for _, name := range c.names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			lctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
			addrs, err := c.o.Lookup(lctx, name)
			cancel()
			c.mu.Lock()
			defer c.mu.Unlock()
			if err != nil {
				if !c.failed[name] && ctx.Err() == nil {
					newlyFailed = append(newlyFailed, name)
				}
				c.failed[name] = true
				return
			}
			c.failed[name] = false
			c.addrs[name] = addrs
		}()
	}
	wg.Wait()
	if len(newlyFailed) > 0 {
		// One line per refresh: rules files list dozens of names that a
		// machine without outside DNS cannot resolve.
		sort.Strings(newlyFailed)
		c.o.Logger.Info("cannot resolve host names the rules compare fd.*.name with; their addresses stay unnamed",
			"count", len(newlyFailed), "names", strings.Join(newlyFailed[:min(len(newlyFailed), 5)], ","))
	}
	byIP := map[netip.Addr]string{}
	c.mu.Lock()
	for _, name := range c.names { // alphabetical: the first name wins
		for _, a := range c.addrs[name] {
			if _, ok := byIP[a.Unmap()]; !ok {
				byIP[a.Unmap()] = name
			}
		}
	}
	c.mu.Unlock()
	c.byIP.Store(&byIP)
}
