// Package follow tails growing log files the way a log shipper does. It is
// built for the Kubernetes API server's audit log (log backend, JSON lines):
// files are identified by device and inode rather than by name, so rotation by
// rename+create and copytruncate-style truncation are handled without losing
// or repeating lines, and positions can be persisted across restarts.
package follow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"time"
)

const (
	defaultPoll    = 200 * time.Millisecond
	defaultMaxLine = 4 << 20
	readBufSize    = 64 << 10
	saveInterval   = time.Second
	// passBudget bounds the bytes read from one file per polling pass so that
	// one busy file does not starve the others.
	passBudget = 16 << 20
)

// ErrLineTooLong is wrapped by the errors passed to OnError for lines longer
// than MaxLine, which are skipped.
var ErrLineTooLong = errors.New("line exceeds maximum length")

// Follower delivers every complete line of the files matching Patterns, in
// order per file. Configure the exported fields before calling Run; a Follower
// must not be copied after first use.
type Follower struct {
	// Patterns are file paths or globs (filepath.Match syntax), e.g.
	// /var/log/kubernetes/audit*.log. A pattern matching nothing yet is
	// watched until files appear.
	Patterns []string
	// FromStart makes files present at the very first start (no offsets file
	// yet) be read from the beginning; otherwise they are read from their end.
	// Files that appear later are always read from the beginning.
	FromStart bool
	// OffsetsFile is where offsets persist ("" = no persistence).
	OffsetsFile string
	// Poll is how often to look for new data and rotation (default 200ms).
	Poll time.Duration
	// MaxLine is the longest line accepted (default 4 MiB). A longer line is
	// skipped up to its newline and reported via OnError; it is never
	// buffered without bound.
	MaxLine int
	// Log receives diagnostics (nil = discard).
	Log *slog.Logger
	// OnError, if set, is called for skipped lines and unreadable files.
	OnError func(error)

	stats counters
}

// counters are the live statistics of a Follower.
type counters struct {
	lines, bytes, rotations, truncations, skipped, open atomic.Int64
}

// Stats is a snapshot of a Follower's counters.
type Stats struct {
	// Lines is the number of complete lines delivered to onLine.
	Lines uint64
	// Bytes is the number of bytes read from files.
	Bytes uint64
	// Rotations counts followed files that left their path (renamed or removed).
	Rotations uint64
	// Truncations counts files that shrank below the read position.
	Truncations uint64
	// Skipped counts lines longer than MaxLine that were not delivered.
	Skipped uint64
	// OpenFiles is the number of files currently open.
	OpenFiles int
}

// Stats returns the counters: lines delivered, bytes read, rotations seen,
// truncations seen, skipped (too long) lines and files currently open. It is
// safe to call concurrently with Run.
func (f *Follower) Stats() Stats {
	return Stats{
		Lines:       uint64(f.stats.lines.Load()),
		Bytes:       uint64(f.stats.bytes.Load()),
		Rotations:   uint64(f.stats.rotations.Load()),
		Truncations: uint64(f.stats.truncations.Load()),
		Skipped:     uint64(f.stats.skipped.Load()),
		OpenFiles:   int(f.stats.open.Load()),
	}
}

// runner holds the state of one Run.
type runner struct {
	f       *Follower
	log     *slog.Logger
	maxLine int
	onLine  func(path string, line []byte)

	files []*tailed // delivery order: older files first
	byID  map[fileID]*tailed

	saved     map[fileID]offsetEntry // loaded offsets not yet matched (first scan only)
	haveSaved bool                   // an offsets file existed at start
	firstScan bool
	dirty     bool
	reported  map[string]bool // paths whose open error was already reported
}

// Run follows until ctx ends, calling onLine for each complete line (without
// the trailing newline; the slice is only valid during the call). It saves
// offsets periodically (every second) and when it returns. It returns nil when
// ctx ends, and an error only for an invalid configuration or an unreadable
// offsets file.
func (f *Follower) Run(ctx context.Context, onLine func(path string, line []byte)) error {
	if onLine == nil {
		return errors.New("follow: onLine is nil")
	}
	if !supported {
		return errors.New("follow: file identity (device, inode) is not available on this platform")
	}
	if len(f.Patterns) == 0 {
		return errors.New("follow: no patterns")
	}
	for _, p := range f.Patterns {
		if _, err := filepath.Match(p, ""); err != nil {
			return fmt.Errorf("follow: pattern %q: %w", p, err)
		}
	}
	r := &runner{
		f:         f,
		log:       f.Log,
		maxLine:   f.MaxLine,
		onLine:    onLine,
		byID:      make(map[fileID]*tailed),
		firstScan: true,
		reported:  make(map[string]bool),
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.maxLine <= 0 {
		r.maxLine = defaultMaxLine
	}
	poll := f.Poll
	if poll <= 0 {
		poll = defaultPoll
	}
	if f.OffsetsFile != "" {
		saved, found, err := loadOffsets(f.OffsetsFile)
		if err != nil {
			return err
		}
		r.saved, r.haveSaved = saved, found
	}
	defer r.closeAll()

	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	lastSave := time.Now()
	for {
		busy := r.cycle(ctx)
		if ctx.Err() != nil {
			break
		}
		if r.dirty && time.Since(lastSave) >= saveInterval {
			r.save()
			lastSave = time.Now()
		}
		if busy {
			continue
		}
		select {
		case <-ctx.Done():
		case <-ticker.C:
		}
		if ctx.Err() != nil {
			break
		}
	}
	r.save()
	return nil
}

// cycle runs one polling pass: look for files, then read every open file. It
// reports whether some file still had data beyond its per-pass budget.
func (r *runner) cycle(ctx context.Context) bool {
	r.scan()
	busy, deferRest := false, false
	kept := r.files[:0]
	for _, t := range r.files {
		if deferRest || ctx.Err() != nil {
			kept = append(kept, t)
			continue
		}
		r.checkTruncated(t)
		n, full := r.pump(ctx, t, passBudget)
		if full {
			busy = true
			// Newer files (e.g. the new active file) wait until a rotated
			// file is drained so lines stay in order across the rotation.
			deferRest = t.rotated
		}
		if t.gone && !full && ctx.Err() == nil {
			if n == 0 && t.drained {
				r.closeFile(t, "drained")
				continue
			}
			t.drained = true
		}
		kept = append(kept, t)
	}
	for i := len(kept); i < len(r.files); i++ {
		r.files[i] = nil
	}
	r.files = kept
	return busy
}

// checkTruncated restarts t from the beginning when the file shrank below the
// position read so far (copytruncate).
func (r *runner) checkTruncated(t *tailed) {
	fi, err := t.f.Stat()
	if err != nil || fi.Size() >= t.readPos {
		return
	}
	r.f.stats.truncations.Add(1)
	r.log.Info("follow: file truncated, reading from start", "path", t.path, "size", fi.Size(), "offset", t.offset)
	t.resetTo(0)
	r.dirty = true
}

// candidate is a matching file not followed yet.
type candidate struct {
	path string
	fi   os.FileInfo
	id   fileID
}

// scanAttempts bounds how often scan re-lists the patterns while files are
// being renamed under it.
const scanAttempts = 4

// list expands the patterns and stats every match, keeping regular files.
func (r *runner) list() []candidate {
	var out []candidate
	for _, pat := range r.f.Patterns {
		matches, err := filepath.Glob(pat)
		if err != nil {
			continue // validated in Run
		}
		for _, p := range matches {
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			if id, ok := idOf(fi); ok {
				out = append(out, candidate{path: p, fi: fi, id: id})
			}
		}
	}
	return out
}

// sameListing reports whether two listings name the same files.
func sameListing(a, b []candidate) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].path != b[i].path || a[i].id != b[i].id {
			return false
		}
	}
	return true
}

// scan expands the patterns, notices renamed and vanished files and opens new
// ones.
func (r *runner) scan() {
	// A rename between reading a directory and stat-ing its names can show
	// the newest file at the active path while hiding the file rotated just
	// before it; list until two listings agree so new files open in order.
	// Directory reads are not atomic either: while names keep changing, no
	// file is declared gone and none is opened until a listing is stable.
	listing, stable := r.list(), false
	for i := 1; i < scanAttempts && !stable; i++ {
		again := r.list()
		stable = sameListing(listing, again)
		listing = again
	}
	seen := make(map[fileID]string, len(listing))
	var fresh []candidate
	for _, c := range listing {
		if prev, dup := seen[c.id]; dup {
			// Hard link or several patterns: prefer the current path.
			if t := r.byID[c.id]; t != nil && t.path == c.path && prev != c.path {
				seen[c.id] = c.path
			}
			continue
		}
		seen[c.id] = c.path
		if r.byID[c.id] == nil {
			fresh = append(fresh, c)
		}
	}
	for _, t := range r.files {
		p, ok := seen[t.id]
		switch {
		case !ok && !t.gone && stable:
			t.gone = true
			if !t.rotated {
				t.rotated = true
				r.f.stats.rotations.Add(1)
			}
			r.log.Info("follow: file no longer matched, draining", "path", t.path)
		case ok && t.gone:
			t.gone, t.drained = false, false
			fallthrough
		case ok && p != t.path:
			if p != t.path {
				r.log.Info("follow: file renamed", "from", t.path, "to", p)
				r.f.stats.rotations.Add(1)
				t.path, t.rotated, r.dirty = p, true, true
			}
		}
	}
	if !stable {
		r.log.Debug("follow: files are changing, retrying scan next poll")
		return
	}
	if r.firstScan {
		r.recoverSaved(seen)
	}
	sort.SliceStable(fresh, func(i, j int) bool {
		a, b := fresh[i].fi.ModTime(), fresh[j].fi.ModTime()
		if !a.Equal(b) {
			return a.Before(b)
		}
		return fresh[i].path < fresh[j].path
	})
	for _, c := range fresh {
		r.open(c, false)
	}
	r.firstScan = false
	r.saved = nil
}

// recoverSaved looks for files with a saved offset that no pattern matches any
// more (rotated to a non-matching name while stopped) in the directory of
// their last known path, and drains them from the saved offset.
func (r *runner) recoverSaved(seen map[fileID]string) {
	dirs := make(map[string]bool)
	for id, e := range r.saved {
		if _, ok := seen[id]; !ok && e.Path != "" {
			dirs[filepath.Dir(e.Path)] = true
		}
	}
	var found []candidate
	for dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, de := range entries {
			if !de.Type().IsRegular() {
				continue
			}
			fi, err := de.Info()
			if err != nil {
				continue
			}
			id, ok := idOf(fi)
			if !ok {
				continue
			}
			if _, want := r.saved[id]; want && seen[id] == "" {
				p := filepath.Join(dir, de.Name())
				seen[id] = p
				found = append(found, candidate{path: p, fi: fi, id: id})
			}
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].fi.ModTime().Before(found[j].fi.ModTime()) })
	for _, c := range found {
		r.log.Info("follow: resuming rotated file", "path", c.path)
		r.open(c, true)
	}
}

// open starts following the file at path. Its start offset is the saved one,
// the end of the file at the very first start without FromStart, or 0.
func (r *runner) open(c candidate, rotated bool) {
	path := c.path
	fh, err := os.Open(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) && !r.reported[path] {
			r.reported[path] = true
			r.report(fmt.Errorf("follow: open: %w", err))
		}
		return
	}
	fi, err := fh.Stat()
	var id fileID
	ok := err == nil
	if ok {
		id, ok = idOf(fi)
	}
	if !ok || id != c.id {
		// Replaced between stat and open (rotation): the next scan sees
		// both files under their current names and orders them.
		_ = fh.Close()
		return
	}
	delete(r.reported, path)
	t := &tailed{id: id, path: path, f: fh, buf: make([]byte, readBufSize), rotated: rotated, gone: rotated}
	size := fi.Size()
	var start int64
	if e, ok := r.saved[id]; ok {
		start = e.Offset
		if size < start {
			r.f.stats.truncations.Add(1)
			r.log.Info("follow: file shorter than saved offset, reading from start", "path", path, "size", size, "offset", start)
			start = 0
		}
	} else if r.firstScan && !r.haveSaved && !r.f.FromStart {
		pos, whole, err := t.lineStart(size, r.maxLine)
		if err != nil {
			_ = fh.Close()
			r.report(err)
			return
		}
		start = pos
		if !whole {
			t.resetTo(start)
			t.skipping, t.quiet = true, true
		}
	}
	if !t.skipping {
		t.resetTo(start)
	}
	r.files = append(r.files, t)
	r.byID[id] = t
	r.dirty = true
	r.f.stats.open.Add(1)
	r.log.Debug("follow: opened", "path", path, "offset", start, "mtime", fi.ModTime(), "ino", id.Ino)
}

// closeFile stops following t.
func (r *runner) closeFile(t *tailed, why string) {
	if t.end > t.start && !t.skipping {
		r.log.Warn("follow: dropping incomplete last line", "path", t.path, "bytes", t.end-t.start)
	}
	_ = t.f.Close()
	delete(r.byID, t.id)
	r.f.stats.open.Add(-1)
	r.dirty = true
	r.log.Debug("follow: closed", "path", t.path, "reason", why)
}

// closeAll closes every open file.
func (r *runner) closeAll() {
	for _, t := range r.files {
		r.closeFile(t, "stopped")
	}
	r.files = nil
}

// save persists the offsets of all open files; errors are reported, not fatal.
func (r *runner) save() {
	if r.f.OffsetsFile == "" {
		return
	}
	entries := make([]offsetEntry, 0, len(r.files))
	for _, t := range r.files {
		entries = append(entries, offsetEntry{Dev: t.id.Dev, Ino: t.id.Ino, Path: t.path, Offset: t.offset})
	}
	if err := saveOffsets(r.f.OffsetsFile, entries); err != nil {
		r.report(err)
		return
	}
	r.dirty = false
}

// report logs err and passes it to OnError.
func (r *runner) report(err error) {
	r.log.Warn("follow: error", "err", err)
	if r.f.OnError != nil {
		r.f.OnError(err)
	}
}
