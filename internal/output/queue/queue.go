// Package queue implements a durable, bounded, on-disk FIFO queue used to
// deliver alerts to one output destination with at-least-once semantics.
//
// Items are appended to segment files in a directory; a reader goroutine
// takes batches with Read, sends them, and acknowledges them with Ack (or
// asks for them again with Nack). Unacknowledged items survive a crash
// (including SIGKILL) and a restart: Open hands them out again.
//
// On-disk layout of a queue directory:
//
//	00000000000000000001.seg   segment, named by the Seq of its first record
//	00000000000000004711.seg   ... (one active segment at the end)
//	ack                        last acknowledged (or dropped) Seq
//
// A record is [u32 length][u32 crc32c(payload)][payload], little endian.
// The ack file is 16 bytes: "PQAK", u64 Seq, u32 crc32c of the previous 12
// bytes; it is replaced atomically (temp file, fsync, rename).
//
// A Queue is safe for one writer goroutine and one reader goroutine running
// concurrently; Stats may be called from anywhere. Only one process may
// open a directory at a time (this is not enforced).
package queue

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"sort"
	"sync"
)

// FullPolicy selects what Append does when the queue holds MaxBytes of
// unacknowledged data.
type FullPolicy int

const (
	// DropOldest drops the oldest unacknowledged items (including items
	// handed out to the reader but not acknowledged) to make room.
	DropOldest FullPolicy = iota
	// DropNewest refuses the new item: Append returns ErrFull.
	DropNewest
	// Block waits until an Ack frees space, the context ends or the queue
	// is closed.
	Block
)

// String returns the policy name.
func (p FullPolicy) String() string {
	switch p {
	case DropOldest:
		return "drop-oldest"
	case DropNewest:
		return "drop-newest"
	case Block:
		return "block"
	}
	return fmt.Sprintf("FullPolicy(%d)", int(p))
}

// SyncMode selects when written data and the ack position are fsynced.
type SyncMode int

const (
	// SyncBatch fsyncs at most every 100ms (in the background) and on Close.
	// Data survives a process crash immediately (it is in the page cache
	// when Append returns) and a power loss after at most ~100ms.
	SyncBatch SyncMode = iota
	// SyncAlways fsyncs every Append and every Ack before returning.
	SyncAlways
	// SyncNone never fsyncs; data survives a process crash but not
	// necessarily a power loss.
	SyncNone
)

// String returns the mode name.
func (m SyncMode) String() string {
	switch m {
	case SyncBatch:
		return "batch"
	case SyncAlways:
		return "always"
	case SyncNone:
		return "none"
	}
	return fmt.Sprintf("SyncMode(%d)", int(m))
}

const (
	// DefaultMaxBytes is the default bound on unacknowledged data.
	DefaultMaxBytes = 256 << 20
	// DefaultSegmentSize is the default segment size before rolling.
	DefaultSegmentSize = 16 << 20
)

// Options configures a Queue.
type Options struct {
	// Dir is the queue's own directory; it is created if missing.
	Dir string
	// MaxBytes bounds the unacknowledged data on disk, counted as record
	// bytes (payload plus the 8-byte record header). Default 256 MiB.
	MaxBytes int64
	// SegmentSize is the size at which the active segment is rolled over
	// to a new file. Default 16 MiB.
	SegmentSize int64
	// Full selects the policy used when MaxBytes is reached.
	Full FullPolicy
	// Sync selects the durability mode.
	Sync SyncMode
	// OnDrop, if set, is called (without internal locks held) when items
	// are dropped by the full policy, with the number of items, their
	// payload bytes and a reason.
	OnDrop func(n int, bytes int64, why string)
}

// Errors returned by the queue; they may be wrapped, test with errors.Is.
var (
	// ErrClosed is returned by operations on a closed Queue.
	ErrClosed = errors.New("queue closed")
	// ErrFull is returned by Append under DropNewest when the queue is full.
	ErrFull = errors.New("queue full")
	// ErrTooLarge is returned by Append for an item that can never fit.
	ErrTooLarge = errors.New("item larger than queue capacity")
)

// Item is one queued item handed out by Read.
type Item struct {
	// Seq is the item's sequence number, increasing by one per Append
	// (numbers may be skipped after corruption was found on Open).
	Seq uint64
	// Data is the item's payload; it belongs to the caller.
	Data []byte
}

// Stats is a snapshot of a queue's counters.
type Stats struct {
	Pending      int64 // unacknowledged items in the queue
	PendingBytes int64 // payload bytes of the pending items
	DiskBytes    int64 // record bytes of the pending items (compared to MaxBytes)
	Appended     int64 // items appended since Open
	Acked        int64 // items acknowledged since Open
	Dropped      int64 // items dropped by the full policy since Open
	Recovered    int64 // unacknowledged items found by Open
	Torn         int64 // torn records truncated from the last segment by Open
	Corrupt      int64 // older segments cut short by Open because of a bad record
	Segments     int   // segment files
}

// Queue is a durable on-disk FIFO queue. See the package documentation.
type Queue struct {
	opts Options
	tab  *crc32.Table

	mu           sync.Mutex
	segs         []*segment // ordered by first; the last one is active
	head         uint64     // oldest unacknowledged Seq (== tail when empty)
	next         uint64     // next Seq Read hands out
	tail         uint64     // Seq the next Append gets
	pendingItems int64
	pendingRec   int64 // record bytes of [head, tail)
	closed       bool
	waitCh       chan struct{} // closed by broadcast; created lazily
	wbuf         []byte
	segDirty     bool       // SyncBatch: active segment written since last fsync
	dirDirty     bool       // SyncBatch: directory entries changed since fsync
	retired      []*os.File // SyncBatch: rolled segments awaiting fsync+close
	ackPersisted uint64     // value in the ack file
	bgErr        error      // first background sync error, returned by Close
	appended     int64
	acked        int64
	dropped      int64
	recovered    int64
	torn         int64
	corrupt      int64

	ackMu sync.Mutex // serializes ack file writes
	stop  chan struct{}
	done  chan struct{}
}

// Open opens (creating if needed) the queue in o.Dir and recovers its
// state: unacknowledged items from a previous run are handed out again, a
// torn last record is truncated (Stats().Torn) and a bad record in an older
// segment cuts that segment short (Stats().Corrupt).
func Open(o Options) (*Queue, error) {
	if o.Dir == "" {
		return nil, errors.New("queue: open: empty Dir")
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.SegmentSize == 0 {
		o.SegmentSize = DefaultSegmentSize
	}
	if o.MaxBytes < hdrSize || o.SegmentSize < 0 {
		return nil, fmt.Errorf("queue: open %s: invalid MaxBytes %d / SegmentSize %d", o.Dir, o.MaxBytes, o.SegmentSize)
	}
	if o.Full < DropOldest || o.Full > Block {
		return nil, fmt.Errorf("queue: open %s: invalid full policy %v", o.Dir, o.Full)
	}
	if o.Sync < SyncBatch || o.Sync > SyncNone {
		return nil, fmt.Errorf("queue: open %s: invalid sync mode %v", o.Dir, o.Sync)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("queue: open: %w", err)
	}
	q := &Queue{opts: o, tab: crc32.MakeTable(crc32.Castagnoli)}
	if err := q.recover(); err != nil {
		for _, s := range q.segs {
			s.close()
		}
		return nil, fmt.Errorf("queue: open %s: %w", o.Dir, err)
	}
	q.stop = make(chan struct{})
	q.done = make(chan struct{})
	go q.flusher()
	return q, nil
}

// recover rebuilds the in-memory state from the directory.
func (q *Queue) recover() error {
	dir := q.opts.Dir
	_ = os.Remove(ackTempPath(dir))
	ack, err := readAck(dir, q.tab)
	if err != nil {
		return err
	}
	firsts, err := listSegments(dir)
	if err != nil {
		return err
	}
	for i, first := range firsts {
		last := i == len(firsts)-1
		if !last && firsts[i+1] <= ack+1 {
			// Every record in it is acknowledged.
			if err := os.Remove(segPath(dir, first)); err != nil {
				return fmt.Errorf("remove acknowledged segment: %w", err)
			}
			continue
		}
		s, bad, err := scanSegment(dir, first, last, q.tab, q.opts.Sync != SyncNone)
		if err != nil {
			return err
		}
		if bad {
			if last {
				q.torn++
			} else {
				q.corrupt++
			}
		}
		q.segs = append(q.segs, s)
	}
	// Segments must not overlap; cut an earlier one short if they do.
	for i := 0; i+1 < len(q.segs); i++ {
		s, n := q.segs[i], q.segs[i+1]
		if s.first+s.count() > n.first {
			keep := int(n.first - s.first)
			s.end = s.offs[keep]
			s.offs = s.offs[:keep]
			q.corrupt++
		}
	}
	if len(q.segs) > 0 {
		last := q.segs[len(q.segs)-1]
		q.tail = last.first + last.count()
	}
	if len(q.segs) == 0 || q.tail < ack+1 {
		// Empty directory, or data behind the ack position was lost: start
		// a new segment so that sequence numbers keep increasing.
		if err := q.newSegment(ack + 1); err != nil {
			return err
		}
		q.tail = ack + 1
	}
	q.ackPersisted = ack
	q.head = q.normalize(ack + 1)
	q.next = q.head
	if err := q.cleanupLocked(); err != nil {
		return err
	}
	q.pendingItems, q.pendingRec = q.rangeLocked(q.head, q.tail)
	q.recovered = q.pendingItems
	return q.active().openFile()
}

// Stats returns a snapshot of the queue's counters.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return Stats{
		Pending:      q.pendingItems,
		PendingBytes: q.pendingRec - hdrSize*q.pendingItems,
		DiskBytes:    q.pendingRec,
		Appended:     q.appended,
		Acked:        q.acked,
		Dropped:      q.dropped,
		Recovered:    q.recovered,
		Torn:         q.torn,
		Corrupt:      q.corrupt,
		Segments:     len(q.segs),
	}
}

// Close stops the background flusher, fsyncs data and the ack position
// (unless SyncNone) and releases files. Blocked Append and Read calls
// return ErrClosed. Closing twice is a no-op.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	q.broadcast()
	q.mu.Unlock()

	close(q.stop)
	<-q.done
	errs := []error{q.flush(true)}

	q.mu.Lock()
	defer q.mu.Unlock()
	errs = append(errs, q.bgErr)
	for _, s := range q.segs {
		if err := s.close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("queue: close %s: %w", q.opts.Dir, err)
	}
	return nil
}

// active returns the segment appends go to.
func (q *Queue) active() *segment { return q.segs[len(q.segs)-1] }

// segFor returns the segment whose range of Seqs starts at or before seq.
func (q *Queue) segFor(seq uint64) *segment {
	i := sort.Search(len(q.segs), func(i int) bool { return q.segs[i].first > seq })
	if i == 0 {
		return q.segs[0]
	}
	return q.segs[i-1]
}

// normalize returns the smallest stored Seq >= seq, or tail.
func (q *Queue) normalize(seq uint64) uint64 {
	for _, s := range q.segs {
		n := s.count()
		if n == 0 {
			continue
		}
		if seq < s.first {
			return s.first
		}
		if seq < s.first+n {
			return seq
		}
	}
	return q.tail
}

// rangeLocked returns the number of stored items and their record bytes in
// the Seq range [from, to).
func (q *Queue) rangeLocked(from, to uint64) (items, rec int64) {
	for _, s := range q.segs {
		lo, hi := max(from, s.first), min(to, s.first+s.count())
		if lo < hi {
			items += int64(hi - lo)
			rec += s.off(int(hi-s.first)) - s.off(int(lo-s.first))
		}
	}
	return items, rec
}

// cleanupLocked deletes segments (except the active one) whose records are
// all acknowledged or dropped.
func (q *Queue) cleanupLocked() error {
	var errs []error
	for len(q.segs) > 1 && q.segs[0].first+q.segs[0].count() <= q.head {
		s := q.segs[0]
		if err := s.close(); err != nil {
			errs = append(errs, err)
		}
		if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove segment: %w", err))
		}
		q.segs[0] = nil
		q.segs = q.segs[1:]
	}
	return errors.Join(errs...)
}

// wait returns a channel closed by the next broadcast. Call with q.mu held.
func (q *Queue) wait() <-chan struct{} {
	if q.waitCh == nil {
		q.waitCh = make(chan struct{})
	}
	return q.waitCh
}

// broadcast wakes every waiter. Call with q.mu held.
func (q *Queue) broadcast() {
	if q.waitCh != nil {
		close(q.waitCh)
		q.waitCh = nil
	}
}

// waitLocked releases q.mu until the next broadcast or the end of ctx, then
// reacquires it.
func (q *Queue) waitLocked(ctx context.Context) error {
	ch := q.wait()
	q.mu.Unlock()
	defer q.mu.Lock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
