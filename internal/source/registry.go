// Package source is the explicit table of peregrine's built-in event sources.
// Each entry stands in for one Falco plugin (or, for syscalls, for Falco's
// kernel capture plus the container plugin) and says which source it feeds,
// which plugin names and versions it satisfies in `required_plugin_versions`,
// the engine description (field table and index fields) and how to replay
// events from the plugin's `open_params`.
package source

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/engine"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/source/syscall"
)

// Input is what a live source is opened with.
type Input struct {
	// Params is the plugin's open_params.
	Params string
	// InitConfig is the plugin's init_config (a YAML map or a JSON string).
	InitConfig any
	// Labels are the static enrichment labels of this peregrine.
	Labels event.Labels
	// Registry receives the source's metrics (may be nil).
	Registry *prometheus.Registry
	// Log is the source's logger.
	Log *slog.Logger
	// NewEmit returns an emit function for one goroutine. Sources that read
	// with several goroutines call it once per goroutine; events are valid
	// only during the call.
	NewEmit func() func(event.Event)
	// EventTypes are the event types the rules can match (nil: any); live
	// captures leave the others in the kernel.
	EventTypes []string
	// Record is a capture file to write what a live capture sees ("": none).
	Record string
	// Containers gives container metadata to the syscall source (may be nil).
	Containers syscall.ContainerLookup
	// Alert delivers an internal alert (lost events...) to the outputs.
	Alert func(*alert.Alert)
	// Syscall tunes a live syscall capture.
	Syscall SyscallOptions
}

// SyscallOptions tune the live syscall capture and its drop reporting
// (Falco's engine.modern_ebpf and syscall_event_drops settings).
type SyscallOptions struct {
	// RingBufferBytes is the ring buffer size (0: the capture's default).
	RingBufferBytes int
	// DropActions are what lost events lead to: ignore, log, alert, exit.
	DropActions []string
	// DropThreshold is the share of lost events (percent) that triggers them.
	DropThreshold float64
	// DropRate and DropMaxBurst bound the actions (token bucket).
	DropRate     float64
	DropMaxBurst int
	// SimulateDrops pretends one event is lost every second.
	SimulateDrops bool
	// SendUnconnectedDatagramsOnly is true when every rule matching sendto
	// and sendmsg requires fd.l4proto != tcp and fd.connected = false: the
	// other sends can stay in the kernel.
	SendUnconnectedDatagramsOnly bool
	// HostNames are the host names the rules compare fd.*.name with; they
	// are resolved periodically to name socket addresses.
	HostNames []string
}

// Builtin is one built-in source or field-extraction plugin.
type Builtin struct {
	// Plugin is the Falco plugin name this entry stands in for.
	Plugin string
	// ID is the Falco plugin id of the event source (k8saudit 1, cloudtrail 2).
	ID uint32
	// Version is the plugin version reported to rules requirements.
	Version string
	// Satisfies lists further plugin names (with versions) whose rules this entry
	// serves with the same fields, e.g. the managed-cluster k8saudit variants.
	Satisfies map[string]string
	// Source is the event source name, or "" for field-extraction-only plugins.
	Source string
	// Description is a one-line summary for listings.
	Description string
	// Engine describes the source to the engine (nil for extraction-only plugins).
	Engine func() engine.Source
	// Replay reads events from open_params (a file or directory) and calls emit
	// for each; the event is only valid during the call. Nil when the source
	// cannot replay files.
	Replay func(ctx context.Context, params string, emit func(event.Event)) error
	// Run opens a source with its full configuration, possibly live (a
	// webhook, followed files) and on several goroutines. When set it is
	// used instead of Replay.
	Run func(ctx context.Context, in Input) error
	// Live captures from the running system; used for the syscall source
	// when no capture file is given.
	Live func(ctx context.Context, in Input) error
}
