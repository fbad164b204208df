// Package duration is a time.Duration written in YAML as Go writes it
// ("30s", "5m", "1h30m"), with errors that name the line.
package duration

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration read from a YAML string.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (e.g. 30s, 5m)", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// String returns the duration as Go writes it.
func (d Duration) String() string { return time.Duration(d).String() }
