// Package registry is the explicit table of peregrine's destination kinds.
package registry

import (
	"github.com/peregrine-sec/peregrine/internal/output/sink"
	"github.com/peregrine-sec/peregrine/internal/output/sink/httpsinks"
	"github.com/peregrine-sec/peregrine/internal/output/sink/localsinks"
	"github.com/peregrine-sec/peregrine/internal/output/sink/storesinks"
)

// Kinds returns every destination kind, in a fixed order: local, chat and
// alerting over HTTP, log stores and buses.
func Kinds() []sink.Kind {
	var out []sink.Kind
	out = append(out, localsinks.Kinds()...)
	out = append(out, httpsinks.Kinds()...)
	out = append(out, storesinks.Kinds()...)
	return out
}
