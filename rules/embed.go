// Package defaultrules embeds peregrine's own rules files, loaded when a run
// names no rules files.
package defaultrules

import "embed"

// Files holds the default rules files (*.yaml), loaded in name order.
//
//go:embed *.yaml
var Files embed.FS
