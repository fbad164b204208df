package follow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// fileID identifies a file independently of its name.
type fileID struct {
	Dev uint64
	Ino uint64
}

// tailed is one open file being followed.
type tailed struct {
	id   fileID
	path string // last path the file was seen under; passed to onLine
	f    *os.File

	buf        []byte // read buffer; buf[start:end] is read but not yet consumed
	start, end int

	offset  int64 // just past the last consumed (delivered or skipped) line
	readPos int64 // file position of buf[end]

	skipping bool  // discarding an overlong line up to its newline
	quiet    bool  // the skip is not an error (started inside a line)
	skipN    int64 // bytes of the current skipped line discarded so far

	rotated bool // the file left its original path (renamed or removed)
	gone    bool // no pattern matches the file any more: drain, then close
	drained bool // gone was already noticed in an earlier pass
}

// resetTo discards buffered data and continues reading at off.
func (t *tailed) resetTo(off int64) {
	t.offset, t.readPos = off, off
	t.start, t.end = 0, 0
	t.skipping, t.quiet, t.skipN = false, false, 0
}

// lineStart returns the start of the last, incomplete line of the first size
// bytes of the file: size itself when they end with a newline. When no newline
// is found within maxLine+1 bytes the line is overlong; size is returned with
// ok == false and the caller skips up to the next newline.
func (t *tailed) lineStart(size int64, maxLine int) (pos int64, ok bool, err error) {
	if size == 0 {
		return 0, true, nil
	}
	limit := size - int64(maxLine) - 1
	if limit < 0 {
		limit = 0
	}
	end := size
	for end > limit {
		n := int64(len(t.buf))
		if end-limit < n {
			n = end - limit
		}
		chunk := t.buf[:n]
		if _, err := t.f.ReadAt(chunk, end-n); err != nil && !errors.Is(err, io.EOF) {
			return 0, false, fmt.Errorf("follow: read %s: %w", t.path, err)
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return end - n + int64(i) + 1, true, nil
		}
		end -= n
	}
	if limit == 0 {
		return 0, true, nil
	}
	return size, false, nil
}

// pump reads t from readPos until EOF, until budget bytes were read or until
// ctx ends, delivering every complete line. It returns the bytes read and
// whether the budget was exhausted before EOF.
func (r *runner) pump(ctx context.Context, t *tailed, budget int64) (int64, bool) {
	var total int64
	for {
		r.deliver(t)
		if total >= budget {
			return total, true
		}
		if ctx.Err() != nil {
			return total, false
		}
		r.makeRoom(t)
		n, err := t.f.ReadAt(t.buf[t.end:], t.readPos)
		if n > 0 {
			t.end += n
			t.readPos += int64(n)
			total += int64(n)
			r.f.stats.bytes.Add(int64(n))
		}
		if err != nil || n == 0 {
			if err != nil && !errors.Is(err, io.EOF) {
				r.report(fmt.Errorf("follow: read %s at offset %d: %w", t.path, t.readPos, err))
			}
			r.deliver(t)
			return total, false
		}
	}
}

// deliver hands every complete line in t's buffer to onLine and advances the
// committed offset past each line once onLine returned.
func (r *runner) deliver(t *tailed) {
	var lines int64
	for t.start < t.end {
		i := bytes.IndexByte(t.buf[t.start:t.end], '\n')
		if i < 0 {
			break
		}
		line := t.buf[t.start : t.start+i]
		t.start += i + 1
		switch {
		case t.skipping:
			n := t.skipN + int64(i)
			t.offset += n + 1
			if !t.quiet {
				r.skipped(t, n)
			}
			t.skipping, t.quiet, t.skipN = false, false, 0
		case i > r.maxLine:
			t.offset += int64(i) + 1
			r.skipped(t, int64(i))
		default:
			r.onLine(t.path, line)
			t.offset += int64(i) + 1
			lines++
		}
		r.dirty = true
	}
	if lines > 0 {
		r.f.stats.lines.Add(lines)
	}
}

// makeRoom ensures t.buf has free space after end: consumed bytes are dropped,
// a pending partial line is moved to the front, the buffer grows for long lines
// up to MaxLine+1 bytes and a line longer than that switches to skipping.
func (r *runner) makeRoom(t *tailed) {
	if t.skipping {
		t.skipN += int64(t.end - t.start)
		t.start, t.end = 0, 0
	}
	pending := t.end - t.start
	if len(t.buf) > readBufSize && pending < readBufSize/2 {
		// A long line has passed: return to the normal buffer size.
		nb := make([]byte, readBufSize)
		copy(nb, t.buf[t.start:t.end])
		t.buf, t.start, t.end = nb, 0, pending
		return
	}
	if t.start > 0 {
		copy(t.buf, t.buf[t.start:t.end])
		t.start, t.end = 0, pending
	}
	if t.end < len(t.buf) {
		return
	}
	if len(t.buf) <= r.maxLine {
		size := 2 * len(t.buf)
		if size > r.maxLine+1 {
			size = r.maxLine + 1
		}
		nb := make([]byte, size)
		copy(nb, t.buf[:t.end])
		t.buf = nb
		return
	}
	// The pending line exceeds MaxLine: drop it up to its newline.
	t.skipping, t.quiet, t.skipN = true, false, int64(t.end)
	t.start, t.end = 0, 0
}

// skipped accounts for an overlong line of n bytes that was not delivered.
func (r *runner) skipped(t *tailed, n int64) {
	r.f.stats.skipped.Add(1)
	r.report(fmt.Errorf("follow: %s: skipped line of %d bytes at offset %d: %w",
		t.path, n, t.offset-n-1, ErrLineTooLong))
}
