//go:build !(linux && amd64)

package ebpf

import (
	"context"
	"errors"
)

// errUnsupported is returned on platforms the capture is not built for.
var errUnsupported = errors.New("ebpf: live syscall capture needs linux/amd64")

// Capture is a live syscall capture; it is unavailable on this platform.
type Capture struct{}

// Probe reports that the platform is unsupported.
func Probe() error { return errUnsupported }

// Open reports that the platform is unsupported.
func Open(Config) (*Capture, error) { return nil, errUnsupported }

// Run reports that the platform is unsupported.
func (*Capture) Run(context.Context, func([]byte)) error { return errUnsupported }

// SetSyscalls reports that the platform is unsupported.
func (*Capture) SetSyscalls([]string) error { return errUnsupported }

// Stats returns zero counters.
func (*Capture) Stats() Stats { return Stats{} }

// Close does nothing.
func (*Capture) Close() error { return nil }
