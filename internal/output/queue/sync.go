package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"time"
)

const (
	// flushInterval is how often the background flusher runs.
	flushInterval = 100 * time.Millisecond
	// ackName is the ack file's name; ackName+".tmp" is its temp file.
	ackName = "ack"
	// ackMagic starts the ack file.
	ackMagic = "PQAK"
	// ackSize is the ack file's size: magic, u64 seq, u32 crc32c.
	ackSize = 16
)

// ackPath returns the path of the ack file.
func ackPath(dir string) string { return filepath.Join(dir, ackName) }

// ackTempPath returns the path of the ack file's temp file.
func ackTempPath(dir string) string { return filepath.Join(dir, ackName+".tmp") }

// flusher runs in the background until Close: it fsyncs segments (SyncBatch)
// and persists the ack position (SyncBatch, SyncNone).
func (q *Queue) flusher() {
	defer close(q.done)
	t := time.NewTicker(flushInterval)
	defer t.Stop()
	for {
		select {
		case <-q.stop:
			return
		case <-t.C:
			if err := q.flush(false); err != nil {
				q.mu.Lock()
				if q.bgErr == nil {
					q.bgErr = err
				}
				q.mu.Unlock()
			}
		}
	}
}

// flush fsyncs pending segment data (per Sync mode; always when final,
// unless SyncNone) and persists the ack position. The fsyncs run without
// q.mu held so that Append and Read are not stalled.
func (q *Queue) flush(final bool) error {
	q.mu.Lock()
	retired := q.retired
	q.retired = nil
	var f *os.File
	if q.opts.Sync != SyncNone && (q.segDirty || final) {
		f = q.active().f
		q.segDirty = false
	}
	dir := q.dirDirty
	q.dirDirty = false
	q.mu.Unlock()

	var errs []error
	for _, r := range retired {
		if q.opts.Sync != SyncNone {
			if err := r.Sync(); err != nil {
				errs = append(errs, fmt.Errorf("sync segment: %w", err))
			}
		}
		if err := r.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close segment: %w", err))
		}
	}
	if f != nil {
		if err := f.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("sync segment: %w", err))
		}
	}
	if dir {
		if err := syncDir(q.opts.Dir); err != nil {
			errs = append(errs, err)
		}
	}
	if err := q.persistAck(q.opts.Sync != SyncNone); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// persistAck writes the ack position (head-1: every item before head is
// acknowledged or dropped) to the ack file if it changed.
func (q *Queue) persistAck(doSync bool) error {
	q.ackMu.Lock()
	defer q.ackMu.Unlock()
	q.mu.Lock()
	v, old := q.head-1, q.ackPersisted
	q.mu.Unlock()
	if v == old {
		return nil
	}
	if err := writeAck(q.opts.Dir, v, q.tab, doSync); err != nil {
		return err
	}
	q.mu.Lock()
	q.ackPersisted = v
	q.mu.Unlock()
	return nil
}

// writeAck atomically replaces the ack file: temp file, fsync, rename, fsync
// of the directory (fsyncs only if doSync).
func writeAck(dir string, seq uint64, tab *crc32.Table, doSync bool) error {
	var b [ackSize]byte
	copy(b[:4], ackMagic)
	binary.LittleEndian.PutUint64(b[4:12], seq)
	binary.LittleEndian.PutUint32(b[12:16], crc32.Checksum(b[:12], tab))
	tmp := ackTempPath(dir)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write ack: %w", err)
	}
	_, err = f.Write(b[:])
	if err == nil && doSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, ackPath(dir))
	}
	if err != nil {
		return fmt.Errorf("write ack: %w", err)
	}
	if doSync {
		return syncDir(dir)
	}
	return nil
}

// readAck returns the persisted ack position, 0 if there is none. A damaged
// ack file is treated as 0 (everything is delivered again: at-least-once).
func readAck(dir string, tab *crc32.Table) (uint64, error) {
	b, err := os.ReadFile(ackPath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read ack: %w", err)
	}
	if len(b) != ackSize || string(b[:4]) != ackMagic ||
		crc32.Checksum(b[:12], tab) != binary.LittleEndian.Uint32(b[12:16]) {
		return 0, nil
	}
	return binary.LittleEndian.Uint64(b[4:12]), nil
}
