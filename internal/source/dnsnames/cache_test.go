package dnsnames

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
)

// fakeDNS answers from a table that tests change between refreshes.
type fakeDNS struct {
	mu    sync.Mutex
	table map[string][]string
}

func (f *fakeDNS) lookup(_ context.Context, host string) ([]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ips, ok := f.table[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, s := range ips {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func TestCacheNamesAddresses(t *testing.T) {
	dns := &fakeDNS{table: map[string][]string{
		"b.example": {"10.0.0.1", "2001:db8::1"},
		"a.example": {"10.0.0.1"}, // shares an address with b: a wins (alphabetical)
		"c.example": {"10.0.0.3"},
	}}
	c := New(Options{Names: []string{"c.example", "b.example", "a.example", "down.example"}, Lookup: dns.lookup})
	if _, ok := c.NameOf(netip.MustParseAddr("10.0.0.3")); ok {
		t.Fatal("named before the first refresh")
	}
	c.Refresh(context.Background())
	for ip, want := range map[string]string{"10.0.0.1": "a.example", "2001:db8::1": "b.example",
		"10.0.0.3": "c.example", "::ffff:10.0.0.3": "c.example", "10.0.0.9": ""} {
		got, ok := c.NameOf(netip.MustParseAddr(ip))
		if got != want || ok != (want != "") {
			t.Errorf("NameOf(%s) = %q %v, want %q", ip, got, ok, want)
		}
	}
	// c moves; a lookup of b fails and keeps its last answer.
	dns.mu.Lock()
	dns.table["c.example"] = []string{"10.0.0.4"}
	delete(dns.table, "b.example")
	dns.mu.Unlock()
	c.Refresh(context.Background())
	if _, ok := c.NameOf(netip.MustParseAddr("10.0.0.3")); ok {
		t.Error("old address of c.example still named")
	}
	if n, _ := c.NameOf(netip.MustParseAddr("10.0.0.4")); n != "c.example" {
		t.Errorf("new address of c.example: %q", n)
	}
	if n, _ := c.NameOf(netip.MustParseAddr("2001:db8::1")); n != "b.example" {
		t.Errorf("b.example's last good address lost after a failed lookup: %q", n)
	}
}

func BenchmarkNameOf(b *testing.B) {
	names := []string{}
	table := map[string][]string{}
	for i := 0; i < 50; i++ {
		n := string(rune('a'+i%26)) + "-miner.example"
		names = append(names, n)
		table[n] = []string{netip.AddrFrom4([4]byte{10, 0, byte(i), 1}).String()}
	}
	c := New(Options{Names: names, Lookup: (&fakeDNS{table: table}).lookup})
	c.Refresh(context.Background())
	hit, miss := netip.MustParseAddr("10.0.7.1"), netip.MustParseAddr("192.0.2.1")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.NameOf(hit)
		c.NameOf(miss)
	}
}
