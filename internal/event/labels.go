package event

import (
	"fmt"
	"sort"
	"strings"
)

// Label is one enrichment label: a key such as cluster, region or team and its value.
type Label struct {
	Key, Value string
}

// Labels is an immutable, key-sorted set of static labels, shared by every
// event of a source. The zero value is empty.
type Labels struct {
	list []Label
}

// NewLabels builds a label set from a map, rejecting empty keys and keys that
// could not be written as a field argument.
func NewLabels(m map[string]string) (Labels, error) {
	var l Labels
	for k, v := range m {
		if k == "" || strings.ContainsAny(k, "[] \t\n") {
			return Labels{}, fmt.Errorf("invalid label key %q: use letters, digits, '-', '_', '.' or '/'", k)
		}
		l.list = append(l.list, Label{k, v})
	}
	sort.Slice(l.list, func(i, j int) bool { return l.list[i].Key < l.list[j].Key })
	return l, nil
}

// Get returns the value of a key.
func (l Labels) Get(key string) (string, bool) {
	for _, x := range l.list {
		if x.Key == key {
			return x.Value, true
		}
	}
	return "", false
}

// All returns the labels in key order; the slice must not be modified.
func (l Labels) All() []Label { return l.list }

// Len returns the number of labels.
func (l Labels) Len() int { return len(l.list) }

// Labeled is implemented by events that carry enrichment labels: the
// configured static labels plus keys carried by the record itself (for
// example the cluster and region a log shipper adds). A record's own key
// wins over a static label of the same name.
type Labeled interface {
	// Label returns the value of one label, appending its text to dst.
	Label(dst []byte, key string) ([]byte, bool)
	// EachLabel calls fn for every label of the event, in a stable order.
	EachLabel(fn func(key string, value []byte))
}
