// Package event defines what every source hands to the engine: one event of one
// source, with its timestamp and sequence number. Each source has its own concrete
// event type; field extractors of that source type-assert to it.
package event

// Event is one event read by a source.
type Event interface {
	// Source is the event source name: "syscall", "k8s_audit", "aws_cloudtrail".
	Source() string
	// Time is the event timestamp in nanoseconds since the Unix epoch.
	Time() int64
	// Num is the event's sequence number within its stream, starting at 1.
	Num() uint64
}

// Base carries the fields every event has; sources embed it.
type Base struct {
	Src string
	TS  int64
	Seq uint64
}

// Source returns the source name.
func (b *Base) Source() string { return b.Src }

// Time returns the timestamp in ns.
func (b *Base) Time() int64 { return b.TS }

// Num returns the sequence number.
func (b *Base) Num() uint64 { return b.Seq }
