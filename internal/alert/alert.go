// Package alert defines what a matched rule produces: the Alert, its Priority and
// its typed output fields. Outputs, the router and responders consume alerts;
// they never see events.
package alert

import (
	"fmt"
	"strings"
)

// Priority is a rule severity. Its numeric value is the syslog severity:
// smaller is more severe.
type Priority int

// The priorities, most severe first.
const (
	Emergency Priority = iota
	AlertPriority
	Critical
	Error
	Warning
	Notice
	Informational
	Debug
)

var priorityNames = [...]string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}

// String returns the full capitalised name printed in alerts ("Informational").
func (p Priority) String() string {
	if p >= 0 && int(p) < len(priorityNames) {
		return priorityNames[p]
	}
	return fmt.Sprintf("Priority(%d)", int(p))
}

// ParsePriority accepts the spellings Falco accepts, case-insensitively:
// the full names and "info".
func ParsePriority(s string) (Priority, error) {
	l := strings.ToLower(s)
	if l == "info" {
		return Informational, nil
	}
	for i, n := range priorityNames {
		if strings.ToLower(n) == l {
			return Priority(i), nil
		}
	}
	return 0, fmt.Errorf("invalid priority %q", s)
}

// AtLeast reports whether p is at least as severe as min.
func (p Priority) AtLeast(min Priority) bool { return p <= min }

// Kind is the JSON type of an output field value.
type Kind uint8

// Output field kinds.
const (
	Null Kind = iota
	String
	Number // rendered from Text as a bare JSON number
	Bool   // Text is "true" or "false"
	List   // List holds the values as text; Text is Falco's "(a,b)" rendering
)

// Field is one output field: the token as written in the rule output
// (proc.aname[2], jevt.value[/stage]) and its typed value.
type Field struct {
	Key  string
	Kind Kind
	Text string   // the value as text; for Null it is empty
	List []string // the values of a list field (Kind List)
}

// Alert is one rule match, ready for outputs.
type Alert struct {
	Time     int64 // event time, ns since the Unix epoch
	Rule     string
	Priority Priority
	Source   string
	Tags     []string // sorted
	Hostname string
	// Message is the rule output with every %field rendered (no time/priority prefix).
	Message string
	// Fields are the output fields in the order they appear in the output template,
	// each key once.
	Fields []Field
	// Extra carries fields added after matching (enrichment, routing); may be nil.
	Extra map[string]string
}
