package ebpf

import (
	"fmt"
	"log/slog"
	"os"
	"time"
)

// Defaults of Config.
const (
	DefaultRingBufferBytes = 16 << 20
	DefaultWakeupBytes     = 256 << 10
	DefaultSnaplen         = 80
	DefaultPollInterval    = 10 * time.Millisecond
)

// Config selects what a Capture records and how it buffers.
type Config struct {
	// RingBufferBytes is the size of the ring buffer shared by all CPUs: a
	// power of two and a multiple of the page size (default 16 MiB).
	RingBufferBytes int
	// WakeupBytes is how much data must be pending before the kernel wakes
	// the reader (default 256 KiB); below it the reader polls every
	// PollInterval. Batching wakeups keeps the cost per event low.
	WakeupBytes int
	// PollInterval bounds the delivery latency of events that do not fill
	// WakeupBytes (default 10ms).
	PollInterval time.Duration
	// Syscalls are the evt.type names to capture in addition to the base
	// ones (BaseEventTypes); nil captures every supported type. Names the
	// capture does not support are ignored.
	Syscalls []string
	// Snaplen is how many bytes of I/O data read, write, send and receive
	// events carry (default 80, at most 4096).
	Snaplen int
	// IgnoreSelf drops the events of the calling process, so that an agent
	// does not see its own reads and writes.
	IgnoreSelf bool
	// SendUnconnectedDatagramsOnly leaves in the kernel the sendto and sendmsg
	// calls on stream (TCP) sockets and on connected sockets: set when every
	// rule that selects these calls requires fd.l4proto != tcp and
	// fd.connected = false (as Falco's outbound-connection macros do), so a
	// busy TCP server costs nothing for them. The socket is looked up at
	// sys_exit; the calls left out count in Counters.Filtered.
	SendUnconnectedDatagramsOnly bool
	// Logger receives attach and detach messages (default slog.Default()).
	Logger *slog.Logger
}

// withDefaults fills unset fields and validates the others.
func (c Config) withDefaults() (Config, error) {
	if c.RingBufferBytes == 0 {
		c.RingBufferBytes = DefaultRingBufferBytes
	}
	page := os.Getpagesize()
	if n := c.RingBufferBytes; n < page || n&(n-1) != 0 {
		return c, fmt.Errorf("ebpf: ring buffer size %d is not a power of two of at least one page (%d)", n, page)
	}
	if c.WakeupBytes <= 0 {
		c.WakeupBytes = DefaultWakeupBytes
	}
	if c.WakeupBytes > c.RingBufferBytes/2 {
		c.WakeupBytes = c.RingBufferBytes / 2
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Snaplen <= 0 {
		c.Snaplen = DefaultSnaplen
	}
	if c.Snaplen > 4096 {
		return c, fmt.Errorf("ebpf: snaplen %d exceeds 4096 bytes", c.Snaplen)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// Category groups counters by kind of event.
type Category int

// Categories of Stats counters.
const (
	Process Category = iota // clone, execve, procexit
	File                    // open, close, dup, ... files and fds
	Network                 // sockets
	Other                   // privileges, memory, modules, read/write
	numCategories
)

// String returns the category's name.
func (c Category) String() string {
	switch c {
	case Process:
		return "process"
	case File:
		return "file"
	case Network:
		return "network"
	case Other:
		return "other"
	}
	return fmt.Sprintf("category(%d)", int(c))
}

// Counters are the capture's counters on one CPU or summed over all.
type Counters struct {
	Events uint64 // events written to the ring buffer
	Drops  uint64 // events lost because the ring buffer was full
	Errors uint64 // kernel or user memory reads that failed (the parameter is empty)
	TooBig uint64 // events larger than the 32 KiB limit, not sent
	// Filtered counts the exits of base syscalls no rule selects that were
	// not sent because they change no state (failed calls, fcntl other
	// than F_DUPFD, the parent's side of a clone), and the sendto and
	// sendmsg exits left out by Config.SendUnconnectedDatagramsOnly.
	Filtered uint64

	EventsBy [numCategories]uint64 // Events by Category
	DropsBy  [numCategories]uint64 // Drops by Category
}

// Stats are the capture's counters, summed and per CPU.
type Stats struct {
	Counters
	PerCPU []Counters
}

// add accumulates o into c.
func (c *Counters) add(o Counters) {
	c.Events += o.Events
	c.Drops += o.Drops
	c.Errors += o.Errors
	c.TooBig += o.TooBig
	c.Filtered += o.Filtered
	for i := range c.EventsBy {
		c.EventsBy[i] += o.EventsBy[i]
		c.DropsBy[i] += o.DropsBy[i]
	}
}
