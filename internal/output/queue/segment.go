package queue

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

const (
	// hdrSize is the size of a record header: u32 length, u32 crc32c.
	hdrSize = 8
	// segExt is the file name extension of segment files.
	segExt = ".seg"
	// segNameLen is the length of a segment file name without extension.
	segNameLen = 20
)

// segment is one segment file and the index of its valid records.
type segment struct {
	first uint64  // Seq of the first record
	path  string  // file path
	offs  []int64 // offset of each valid record
	end   int64   // end of the last valid record (the append offset)
	f     *os.File
}

// segPath returns the path of the segment starting at first.
func segPath(dir string, first uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%0*d%s", segNameLen, first, segExt))
}

// listSegments returns the first Seqs of the segment files in dir, sorted.
func listSegments(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	var firsts []uint64
	for _, e := range ents {
		name := e.Name()
		base, ok := strings.CutSuffix(name, segExt)
		if !ok || len(base) != segNameLen || !e.Type().IsRegular() {
			continue
		}
		n, err := strconv.ParseUint(base, 10, 64)
		if err != nil || n == 0 {
			continue
		}
		firsts = append(firsts, n)
	}
	slices.Sort(firsts)
	return firsts, nil
}

// count returns the number of valid records.
func (s *segment) count() uint64 { return uint64(len(s.offs)) }

// off returns the offset of record i; off(count) is the end.
func (s *segment) off(i int) int64 {
	if i >= len(s.offs) {
		return s.end
	}
	return s.offs[i]
}

// recSize returns the record size (header included) of record i.
func (s *segment) recSize(i int) int64 { return s.off(i+1) - s.offs[i] }

// openFile opens the segment file for reading and writing if needed.
func (s *segment) openFile() error {
	if s.f != nil {
		return nil
	}
	f, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open segment: %w", err)
	}
	s.f = f
	return nil
}

// close closes the segment file if it is open.
func (s *segment) close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	if err != nil {
		return fmt.Errorf("close segment: %w", err)
	}
	return nil
}

// scanSegment indexes the valid records of a segment file. The scan stops at
// the first bad or incomplete record and reports it; in the last segment the
// file is truncated there (and fsynced if doSync).
func scanSegment(dir string, first uint64, last bool, tab *crc32.Table, doSync bool) (*segment, bool, error) {
	s := &segment{first: first, path: segPath(dir, first)}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, false, fmt.Errorf("scan segment: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, false, fmt.Errorf("scan segment: %w", err)
	}
	size := fi.Size()
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [hdrSize]byte
	var buf []byte
	bad := false
	for s.end < size {
		if size-s.end < hdrSize {
			bad = true
			break
		}
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, false, fmt.Errorf("scan segment %s: %w", s.path, err)
		}
		n := int64(binary.LittleEndian.Uint32(hdr[0:4]))
		if n > size-s.end-hdrSize {
			bad = true
			break
		}
		buf = slices.Grow(buf[:0], int(n))[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, false, fmt.Errorf("scan segment %s: %w", s.path, err)
		}
		if crc32.Checksum(buf, tab) != binary.LittleEndian.Uint32(hdr[4:8]) {
			bad = true
			break
		}
		s.offs = append(s.offs, s.end)
		s.end += hdrSize + n
	}
	if bad && last {
		if err := truncateFile(s.path, s.end, doSync); err != nil {
			return nil, false, err
		}
	}
	return s, bad, nil
}

// truncateFile cuts the file at path to size.
func truncateFile(path string, size int64, doSync bool) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("truncate torn segment: %w", err)
	}
	err = f.Truncate(size)
	if err == nil && doSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("truncate torn segment: %w", err)
	}
	return nil
}

// newSegment creates an empty active segment starting at first and appends
// it to q.segs. The previous active segment's write handle is released (in
// SyncBatch handed to the flusher, which fsyncs and closes it).
func (q *Queue) newSegment(first uint64) error {
	path := segPath(q.opts.Dir, first)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("create segment: %w", err)
	}
	switch q.opts.Sync {
	case SyncAlways:
		if err := syncDir(q.opts.Dir); err != nil {
			f.Close()
			return err
		}
	case SyncBatch:
		q.dirDirty = true
	}
	if n := len(q.segs); n > 0 {
		old := q.segs[n-1]
		if old.f != nil {
			if q.opts.Sync == SyncBatch {
				q.retired = append(q.retired, old.f)
				q.segDirty = false
			} else if err := old.f.Close(); err != nil {
				f.Close()
				return fmt.Errorf("close rolled segment: %w", err)
			}
			old.f = nil
		}
	}
	q.segs = append(q.segs, &segment{first: first, path: path, f: f})
	return nil
}

// syncDir fsyncs a directory so that created, renamed and removed entries
// are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync dir: %w", err)
	}
	return nil
}
