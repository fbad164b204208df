// Package auditgen generates realistic streams of Kubernetes audit events
// (audit.k8s.io/v1 Event objects, as kube-apiserver's log and webhook
// backends emit them) for load tests and benchmarks.
//
// The stream is deterministic for a seed and a sequence of timestamps. It
// mixes system traffic (kubelets, controllers, scheduler: about 85%),
// user and CI traffic (kubectl, Argo CD, Helm: about 12%), health probes and
// discovery, and, at Options.AttackRatio, security-relevant events such as
// privileged pods, bindings to cluster-admin, forbidden secret reads and
// exec into pods (see AttackKind).
//
// Generation appends into the caller's buffer and allocates nothing in
// steady state: every name, identity and user agent is built once by New.
package auditgen

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// Options configure a Generator. The zero value is usable.
type Options struct {
	// AttackRatio is the share of security-relevant events, 0 to 1
	// (0 means the default 0.001; a negative value disables them).
	AttackRatio float64
	// Nodes is the number of cluster nodes (default 20).
	Nodes int
}

// Stats counts what a Generator produced.
type Stats struct {
	Events  uint64
	Attacks uint64
	// ByKind counts attack events by AttackKind.
	ByKind [NumAttackKinds]uint64
}

// ExpectedAlerts returns how many attack events the default k8s_audit
// rules are expected to alert on.
func (s Stats) ExpectedAlerts() uint64 {
	var n uint64
	for k, c := range s.ByKind {
		if AttackKind(k).Alerts() {
			n += c
		}
	}
	return n
}

// Generator produces audit events. It is not safe for concurrent use.
type Generator struct {
	r       *rand.Rand
	c       *cluster
	attack  float64
	rv      uint64 // resourceVersion counter
	now     time.Time
	e       event // the event being built, reused
	stats   Stats
	lastAtk AttackKind
}

// New returns a generator seeded with seed.
func New(seed int64, opts Options) *Generator {
	if opts.AttackRatio == 0 {
		opts.AttackRatio = 0.001
	}
	if opts.AttackRatio < 0 {
		opts.AttackRatio = 0
	}
	if opts.Nodes <= 0 {
		opts.Nodes = 20
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	g := &Generator{r: r, attack: opts.AttackRatio}
	g.c = newCluster(r, opts.Nodes)
	g.rv = 40_000_000 + r.Uint64N(10_000_000)
	g.lastAtk = -1
	return g
}

// Stats returns the counts of events generated so far.
func (g *Generator) Stats() Stats { return g.stats }

// LastAttack reports the kind of the last event generated, and whether it
// was an attack at all.
func (g *Generator) LastAttack() (AttackKind, bool) { return g.lastAtk, g.lastAtk >= 0 }

// Next appends one compact JSON audit Event to dst and returns it. now is
// the event's stageTimestamp (written with nanosecond precision so that
// end-to-end latency can be measured from it).
func (g *Generator) Next(dst []byte, now time.Time) []byte {
	g.now = now.UTC()
	e := &g.e
	*e = event{stage: "ResponseComplete", code: 200, level: "Metadata", decision: "allow", attack: -1}
	if g.attack > 0 && g.r.Float64() < g.attack {
		g.attackEvent(e, AttackKind(g.r.IntN(int(NumAttackKinds))))
	} else {
		g.benign(e)
	}
	if e.ip == "" {
		e.ip = e.who.ips[g.r.IntN(len(e.who.ips))]
	}
	g.lastAtk = e.attack
	g.stats.Events++
	if e.attack >= 0 {
		g.stats.Attacks++
		g.stats.ByKind[e.attack]++
	}
	return g.write(dst, e)
}

// Batch appends an EventList of n events to dst, as the webhook backend of
// kube-apiserver posts them. The list has no newline, so receivers that
// split JSON lines see one document.
func (g *Generator) Batch(dst []byte, n int, now time.Time) []byte {
	dst = append(dst, `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[`...)
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = g.Next(dst, now)
	}
	return append(dst, "]}"...)
}

// nextRV returns a fresh resourceVersion.
func (g *Generator) nextRV() uint64 {
	g.rv += 1 + g.r.Uint64N(7)
	return g.rv
}

// pick returns a random element.
func pick[T any](g *Generator, s []T) T { return s[g.r.IntN(len(s))] }

// chance reports true with probability p.
func (g *Generator) chance(p float64) bool { return g.r.Float64() < p }

const hexDigits = "0123456789abcdef"

// appendUUID appends a version 4 UUID made of hi and lo.
func appendUUID(dst []byte, hi, lo uint64) []byte {
	hi = hi&^(0xf<<12) | 4<<12         // version 4
	lo = lo&^(0x3<<62) | uint64(2)<<62 // RFC 4122 variant
	var raw [16]byte
	for i := range 8 {
		raw[i] = byte(hi >> (56 - 8*i))
		raw[8+i] = byte(lo >> (56 - 8*i))
	}
	for i, b := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[b>>4], hexDigits[b&0xf])
	}
	return dst
}

// appendHex appends n random hex digits.
func (g *Generator) appendHex(dst []byte, n int) []byte {
	for n > 0 {
		v := g.r.Uint64()
		for i := 0; i < 16 && n > 0; i, n = i+1, n-1 {
			dst = append(dst, hexDigits[v&0xf])
			v >>= 4
		}
	}
	return dst
}

// Time layouts of audit events and object timestamps.
const (
	microLayout  = "2006-01-02T15:04:05.000000Z07:00"
	secondLayout = "2006-01-02T15:04:05Z07:00"
)

// appendTime appends a quoted timestamp.
func appendTime(dst []byte, t time.Time, layout string) []byte {
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, layout)
	return append(dst, '"')
}

// appendInt appends a decimal integer.
func appendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }
