package queue

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
)

// Append adds item at the end of the queue. It is durable per Options.Sync
// when Append returns nil. Under Block it waits until there is room or the
// queue is closed.
func (q *Queue) Append(item []byte) error {
	return q.AppendCtx(context.Background(), item)
}

// AppendCtx is Append with a context bounding the wait under Block.
func (q *Queue) AppendCtx(ctx context.Context, item []byte) error {
	if ctx == nil {
		ctx = context.Background()
	}
	rec := int64(len(item)) + hdrSize
	if rec > q.opts.MaxBytes || len(item) > math.MaxUint32 {
		return fmt.Errorf("queue: append %d bytes (max %d): %w", len(item), q.opts.MaxBytes-hdrSize, ErrTooLarge)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("queue: append: %w", err)
	}
	return q.appendRecords(ctx, [][]byte{item}, rec)
}

// appendRecords makes room for records totalling total bytes (with their
// headers) under the full policy, then writes them with one write.
func (q *Queue) appendRecords(ctx context.Context, items [][]byte, total int64) error {
	var dropN int
	var dropBytes int64
	q.mu.Lock()
	for {
		if q.closed {
			q.mu.Unlock()
			q.reportDrop(dropN, dropBytes, "queue full: dropped oldest")
			return fmt.Errorf("queue: append: %w", ErrClosed)
		}
		if q.pendingRec+total <= q.opts.MaxBytes {
			break
		}
		switch q.opts.Full {
		case DropNewest:
			q.dropped += int64(len(items))
			q.mu.Unlock()
			q.reportDrop(len(items), total-int64(len(items))*hdrSize, "queue full: dropped newest")
			return fmt.Errorf("queue: append %d bytes: %w", total-int64(len(items))*hdrSize, ErrFull)
		case Block:
			if err := q.waitLocked(ctx); err != nil {
				q.mu.Unlock()
				return fmt.Errorf("queue: append: waiting for space: %w", err)
			}
		default:
			n, b, err := q.dropOldestLocked(q.pendingRec + total - q.opts.MaxBytes)
			dropN += n
			dropBytes += b
			if err != nil {
				q.mu.Unlock()
				q.reportDrop(dropN, dropBytes, "queue full: dropped oldest")
				return fmt.Errorf("queue: append: %w", err)
			}
		}
	}
	err := q.writeBatchLocked(items, total)
	q.mu.Unlock()
	q.reportDrop(dropN, dropBytes, "queue full: dropped oldest")
	if err != nil {
		return fmt.Errorf("queue: append: %w", err)
	}
	return nil
}

// reportDrop calls OnDrop if n > 0. Call without q.mu held.
func (q *Queue) reportDrop(n int, bytes int64, why string) {
	if n > 0 && q.opts.OnDrop != nil {
		q.opts.OnDrop(n, bytes, why)
	}
}

// dropOldestLocked drops the oldest unacknowledged items until at least need
// record bytes are freed or the queue is empty; it returns the number of
// items and payload bytes dropped.
func (q *Queue) dropOldestLocked(need int64) (int, int64, error) {
	var n int
	var rec int64
	for rec < need && q.head < q.tail {
		s := q.segFor(q.head)
		i := int(q.head - s.first)
		for ; i < len(s.offs) && rec < need; i++ {
			rec += s.recSize(i)
			n++
		}
		q.head = q.normalize(s.first + uint64(i))
	}
	q.pendingItems -= int64(n)
	q.pendingRec -= rec
	q.dropped += int64(n)
	if q.next < q.head {
		q.next = q.head
	}
	return n, rec - hdrSize*int64(n), q.cleanupLocked()
}

// Read blocks until at least one item that has not been handed out yet is
// available (or ctx ends, or the queue is closed) and returns up to max
// items in order, with at most maxBytes of payload in total (but always at
// least one item). max <= 0 or maxBytes <= 0 means no limit of that kind.
// Items stay in the queue until acknowledged with Ack.
func (q *Queue) Read(ctx context.Context, max int, maxBytes int) ([]Item, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.closed {
			return nil, fmt.Errorf("queue: read: %w", ErrClosed)
		}
		if q.next < q.tail {
			break
		}
		if err := q.waitLocked(ctx); err != nil {
			return nil, fmt.Errorf("queue: read: %w", err)
		}
	}
	var items []Item
	total := 0
	for q.next < q.tail && (max <= 0 || len(items) < max) {
		s := q.segFor(q.next)
		i := int(q.next - s.first)
		j, size := i, 0
		for j < len(s.offs) && (max <= 0 || len(items)+j-i < max) {
			p := int(s.recSize(j)) - hdrSize
			if maxBytes > 0 && total+size+p > maxBytes && len(items)+j-i > 0 {
				break
			}
			size += p
			j++
		}
		if j == i {
			break
		}
		got, err := q.readRecords(s, i, j)
		if err != nil {
			return nil, fmt.Errorf("queue: read: %w", err)
		}
		items = append(items, got...)
		total += size
		q.next = q.normalize(s.first + uint64(j))
		if j < len(s.offs) {
			break // stopped by a limit
		}
	}
	// Release read handles of older segments the reader has moved past.
	for _, s := range q.segs[:len(q.segs)-1] {
		if s.first+s.count() <= q.next {
			_ = s.close()
		}
	}
	return items, nil
}

// readRecords reads records [i, j) of segment s with a single read and
// verifies them.
func (q *Queue) readRecords(s *segment, i, j int) ([]Item, error) {
	if err := s.openFile(); err != nil {
		return nil, err
	}
	base := s.offs[i]
	buf := make([]byte, s.off(j)-base)
	if _, err := s.f.ReadAt(buf, base); err != nil {
		return nil, fmt.Errorf("read segment %s at %d: %w", s.path, base, err)
	}
	items := make([]Item, 0, j-i)
	for k := i; k < j; k++ {
		r := buf[s.offs[k]-base : s.off(k+1)-base]
		n := binary.LittleEndian.Uint32(r[0:4])
		data := r[hdrSize:len(r):len(r)]
		if int(n) != len(data) || crc32.Checksum(data, q.tab) != binary.LittleEndian.Uint32(r[4:8]) {
			return nil, fmt.Errorf("segment %s: record at %d changed on disk", s.path, s.offs[k])
		}
		items = append(items, Item{Seq: s.first + uint64(k), Data: data})
	}
	return items, nil
}

// Ack acknowledges every item with Seq <= upTo. Acknowledging Seqs that were
// already acknowledged or dropped is harmless. The ack position is persisted
// before Ack returns under SyncAlways, otherwise by the background flusher
// (within ~100ms) and on Close. Fully acknowledged segment files are deleted.
func (q *Queue) Ack(upTo uint64) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return fmt.Errorf("queue: ack %d: %w", upTo, ErrClosed)
	}
	if upTo >= q.tail {
		q.mu.Unlock()
		return fmt.Errorf("queue: ack %d: beyond last appended seq %d", upTo, q.tail-1)
	}
	if upTo < q.head {
		q.mu.Unlock()
		return nil
	}
	n, rec := q.rangeLocked(q.head, upTo+1)
	q.head = q.normalize(upTo + 1)
	if q.next < q.head {
		q.next = q.head
	}
	q.pendingItems -= n
	q.pendingRec -= rec
	q.acked += n
	err := q.cleanupLocked()
	q.broadcast()
	q.mu.Unlock()
	if err != nil {
		return fmt.Errorf("queue: ack %d: %w", upTo, err)
	}
	if q.opts.Sync == SyncAlways {
		if err := q.persistAck(true); err != nil {
			return fmt.Errorf("queue: ack %d: %w", upTo, err)
		}
	}
	return nil
}

// Nack makes the items handed out but not acknowledged available again: the
// next Read starts at the oldest unacknowledged item.
func (q *Queue) Nack() {
	q.mu.Lock()
	q.next = q.head
	q.broadcast()
	q.mu.Unlock()
}

// AppendBatch adds items in order with a single write, for writers that
// group what arrived together. Room is made for the whole batch as Append
// makes it for one item (DropNewest refuses the whole batch with ErrFull);
// a batch larger than MaxBytes is appended item by item.
func (q *Queue) AppendBatch(items [][]byte) error {
	if len(items) == 1 {
		return q.Append(items[0])
	}
	var total int64
	for _, it := range items {
		if int64(len(it))+hdrSize > q.opts.MaxBytes || len(it) > math.MaxUint32 {
			return fmt.Errorf("queue: append %d bytes (max %d): %w", len(it), q.opts.MaxBytes-hdrSize, ErrTooLarge)
		}
		total += int64(len(it)) + hdrSize
	}
	if total > q.opts.MaxBytes {
		for _, it := range items {
			if err := q.Append(it); err != nil {
				return err
			}
		}
		return nil
	}
	return q.appendRecords(context.Background(), items, total)
}

// writeBatchLocked writes records to the active segment with one write,
// rolling the segment first if it is full (a batch may overrun it).
func (q *Queue) writeBatchLocked(items [][]byte, total int64) error {
	if s := q.active(); s.end >= q.opts.SegmentSize && s.count() > 0 {
		if err := q.newSegment(q.tail); err != nil {
			return err
		}
		if err := q.cleanupLocked(); err != nil {
			return err
		}
	}
	s := q.active()
	if err := s.openFile(); err != nil {
		return err
	}
	if int64(cap(q.wbuf)) < total {
		q.wbuf = make([]byte, total)
	}
	buf := q.wbuf[:total]
	off := 0
	for _, it := range items {
		binary.LittleEndian.PutUint32(buf[off:off+4], uint32(len(it)))
		binary.LittleEndian.PutUint32(buf[off+4:off+8], crc32.Checksum(it, q.tab))
		copy(buf[off+hdrSize:], it)
		off += hdrSize + len(it)
	}
	if _, err := s.f.WriteAt(buf, s.end); err != nil {
		return fmt.Errorf("write segment: %w", err)
	}
	for _, it := range items {
		s.offs = append(s.offs, s.end)
		s.end += int64(hdrSize + len(it))
		q.tail++
		q.pendingItems++
		q.appended++
	}
	q.pendingRec += total
	q.broadcast()
	switch q.opts.Sync {
	case SyncAlways:
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("sync segment: %w", err)
		}
	case SyncBatch:
		q.segDirty = true
	}
	return nil
}
