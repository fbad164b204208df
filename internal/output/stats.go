package output

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/peregrine-sec/peregrine/internal/alert"
)

// Stats counts alerts by priority and by rule for Falco's end-of-run summary.
type Stats struct {
	mu     sync.Mutex
	total  uint64
	byPrio [alert.Debug + 1]uint64
	byRule map[string]*ruleCount
}

type ruleCount struct {
	order int
	n     uint64
}

// NewStats returns empty statistics.
func NewStats() *Stats { return &Stats{byRule: map[string]*ruleCount{}} }

// Add counts one alert; order is the rule's load position, which orders the summary.
func (s *Stats) Add(order int, a *alert.Alert) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total++
	if a.Priority >= 0 && a.Priority <= alert.Debug {
		s.byPrio[a.Priority]++
	}
	rc := s.byRule[a.Rule]
	if rc == nil {
		rc = &ruleCount{order: order}
		s.byRule[a.Rule] = rc
	}
	rc.n++
}

// Total returns the number of alerts counted.
func (s *Stats) Total() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// Print writes the summary exactly as Falco does.
func (s *Stats) Print(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "Events detected: %d\nRule counts by severity:\n", s.total)
	for p, n := range s.byPrio {
		if n > 0 {
			name := alert.Priority(p).String()
			if alert.Priority(p) == alert.Informational {
				name = "Info" // Falco's short form in the summary
			}
			fmt.Fprintf(&b, "   %s: %d\n", strings.ToUpper(name), n)
		}
	}
	b.WriteString("Triggered rules by rule name:\n")
	names := make([]string, 0, len(s.byRule))
	for n := range s.byRule {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return s.byRule[names[i]].order < s.byRule[names[j]].order })
	for _, n := range names {
		fmt.Fprintf(&b, "   %s: %d\n", n, s.byRule[n].n)
	}
	io.WriteString(w, b.String())
}
