package follow

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// offsetsVersion is the format version written to the offsets file.
const offsetsVersion = 1

// offsetsDoc is the JSON document persisted in Follower.OffsetsFile.
type offsetsDoc struct {
	Version int           `json:"version"`
	Files   []offsetEntry `json:"files"`
}

// offsetEntry is the saved position of one file, identified by device and inode.
type offsetEntry struct {
	Dev    uint64 `json:"dev"`
	Ino    uint64 `json:"ino"`
	Path   string `json:"path"`
	Offset int64  `json:"offset"`
}

// loadOffsets reads the offsets file. A missing file yields found == false and
// no error; an unreadable or malformed one is an error.
func loadOffsets(path string) (entries map[fileID]offsetEntry, found bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("follow: read offsets file: %w", err)
	}
	var doc offsetsDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, false, fmt.Errorf("follow: parse offsets file %s: %w", path, err)
	}
	if doc.Version != offsetsVersion {
		return nil, false, fmt.Errorf("follow: offsets file %s: unsupported version %d", path, doc.Version)
	}
	entries = make(map[fileID]offsetEntry, len(doc.Files))
	for _, e := range doc.Files {
		if e.Offset < 0 {
			e.Offset = 0
		}
		entries[fileID{Dev: e.Dev, Ino: e.Ino}] = e
	}
	return entries, true, nil
}

// saveOffsets writes entries to path atomically: a temporary file in the same
// directory is written, synced and renamed over path.
func saveOffsets(path string, entries []offsetEntry) error {
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].Path != entries[j].Path {
			return entries[i].Path < entries[j].Path
		}
		return entries[i].Ino < entries[j].Ino
	})
	if entries == nil {
		entries = []offsetEntry{}
	}
	data, err := json.MarshalIndent(offsetsDoc{Version: offsetsVersion, Files: entries}, "", "  ")
	if err != nil {
		return fmt.Errorf("follow: encode offsets: %w", err)
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("follow: create temporary offsets file: %w", err)
	}
	tmpName := tmp.Name()
	fail := func(err error) error {
		_ = tmp.Close()
		_ = os.Remove(tmpName)
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(fmt.Errorf("follow: write offsets: %w", err))
	}
	if err := tmp.Sync(); err != nil {
		return fail(fmt.Errorf("follow: sync offsets: %w", err))
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmpName)
		return fmt.Errorf("follow: close offsets: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		_ = os.Remove(tmpName)
		return fmt.Errorf("follow: replace offsets file: %w", err)
	}
	// Make the rename durable; not every platform can sync a directory.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
