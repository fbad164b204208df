//go:build linux && amd64

package ebpf

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// Record header bits of a BPF ring buffer sample (struct bpf_ringbuf_hdr).
const (
	ringBusyBit    = 1 << 31
	ringDiscardBit = 1 << 30
	ringHeaderLen  = 8
)

// ring reads a BPF ring buffer map in place: the kernel maps the data pages
// twice in a row, so every sample is contiguous and can be handed to the
// consumer without a copy.
type ring struct {
	cons, prod []byte // consumer page (read-write); producer page and data (read-only)
	data       []byte // data pages, mapped twice
	mask       uint64
	epfd, evfd int
	events     [2]unix.EpollEvent
	closed     atomic.Bool
	wakeMu     sync.Mutex // orders wake against closing evfd
}

// newRing maps the ring buffer m and sets up its epoll wakeups.
func newRing(m *ebpf.Map) (*ring, error) {
	size := int(m.MaxEntries())
	page := os.Getpagesize()
	r := &ring{mask: uint64(size - 1), epfd: -1, evfd: -1}
	var err error
	if r.cons, err = unix.Mmap(m.FD(), 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
		return nil, fmt.Errorf("ebpf: mapping the ring buffer consumer page: %w", err)
	}
	if r.prod, err = unix.Mmap(m.FD(), int64(page), page+2*size, unix.PROT_READ, unix.MAP_SHARED); err != nil {
		r.unmap()
		return nil, fmt.Errorf("ebpf: mapping the ring buffer data: %w", err)
	}
	r.data = r.prod[page:]
	if r.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		r.unmap()
		return nil, fmt.Errorf("ebpf: epoll_create1: %w", err)
	}
	if r.evfd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		r.unmap()
		return nil, fmt.Errorf("ebpf: eventfd: %w", err)
	}
	for _, fd := range []int{m.FD(), r.evfd} {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
		if err := unix.EpollCtl(r.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			r.unmap()
			return nil, fmt.Errorf("ebpf: epoll_ctl: %w", err)
		}
	}
	return r, nil
}

// consume hands every committed sample to emit and returns how many there
// were. It stops at a sample the kernel is still writing.
func (r *ring) consume(emit func([]byte)) int {
	consPos := (*uint64)(unsafe.Pointer(&r.cons[0]))
	prodPos := (*uint64)(unsafe.Pointer(&r.prod[0]))
	cons := atomic.LoadUint64(consPos)
	prod := atomic.LoadUint64(prodPos)
	n := 0
	for cons < prod {
		off := cons & r.mask
		hdr := atomic.LoadUint32((*uint32)(unsafe.Pointer(&r.data[off])))
		if hdr&ringBusyBit != 0 {
			break
		}
		length := uint64(hdr &^ (ringBusyBit | ringDiscardBit))
		if hdr&ringDiscardBit == 0 {
			start := off + ringHeaderLen
			emit(r.data[start : start+length : start+length])
			n++
		}
		cons += (ringHeaderLen + length + 7) &^ 7
		atomic.StoreUint64(consPos, cons)
	}
	return n
}

// pending returns the bytes written but not consumed yet.
func (r *ring) pending() uint64 {
	return atomic.LoadUint64((*uint64)(unsafe.Pointer(&r.prod[0]))) -
		atomic.LoadUint64((*uint64)(unsafe.Pointer(&r.cons[0])))
}

// wait blocks until the kernel signals data, wake is called or timeoutMs
// passes.
func (r *ring) wait(timeoutMs int) error {
	if r.pending() > 0 {
		return nil
	}
	n, err := unix.EpollWait(r.epfd, r.events[:], timeoutMs)
	if err != nil && !errors.Is(err, unix.EINTR) {
		return fmt.Errorf("ebpf: epoll_wait: %w", err)
	}
	for i := 0; i < n; i++ {
		if int(r.events[i].Fd) == r.evfd {
			var buf [8]byte
			unix.Read(r.evfd, buf[:])
		}
	}
	return nil
}

// wake interrupts wait.
func (r *ring) wake() {
	r.wakeMu.Lock()
	defer r.wakeMu.Unlock()
	if r.evfd >= 0 {
		one := [8]byte{1}
		unix.Write(r.evfd, one[:])
	}
}

// close makes consume loops stop.
func (r *ring) close() {
	r.closed.Store(true)
	r.wake()
}

// isClosed reports whether close was called.
func (r *ring) isClosed() bool { return r.closed.Load() }

// unmap releases the mappings and descriptors; no consume or wait may run.
func (r *ring) unmap() {
	if r.prod != nil {
		unix.Munmap(r.prod)
		r.prod, r.data = nil, nil
	}
	if r.cons != nil {
		unix.Munmap(r.cons)
		r.cons = nil
	}
	r.wakeMu.Lock()
	defer r.wakeMu.Unlock()
	for _, fd := range []*int{&r.epfd, &r.evfd} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
}

// runtimeYield lets a Run that is being closed notice it.
func runtimeYield() { time.Sleep(time.Millisecond) }
