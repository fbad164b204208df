package k8saudit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/source/jsonevent"
)

// ReadPath reads audit events from a file or directory, as the k8saudit
// plugin's open_params name them: a file is read line by line (JSON lines;
// each line an Event, EventList or array); a directory contributes every
// regular file directly inside it, oldest modification time first. Malformed
// lines are counted by the decoder and reported through onError; reading goes on.
func ReadPath(ctx context.Context, path string, dec *Decoder, emit func(*Event), onError func(error)) error {
	path = strings.TrimPrefix(path, "file://")
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("opening audit events: %w", err)
	}
	files := []string{path}
	if st.IsDir() {
		if files, err = dirFiles(path); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := readFile(ctx, f, dec, emit, onError); err != nil {
			return err
		}
	}
	return nil
}

func dirFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading audit event directory: %w", err)
	}
	type fileInfo struct {
		path string
		mod  int64
	}
	var infos []fileInfo
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("reading audit event directory: %w", err)
		}
		infos = append(infos, fileInfo{filepath.Join(dir, e.Name()), info.ModTime().UnixNano()})
	}
	sort.SliceStable(infos, func(i, j int) bool { return infos[i].mod < infos[j].mod })
	out := make([]string, len(infos))
	for i, fi := range infos {
		out[i] = fi.path
	}
	return out, nil
}

func readFile(ctx context.Context, path string, dec *Decoder, emit func(*Event), onError func(error)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening audit events: %w", err)
	}
	defer f.Close()
	limit := 0
	if dec.MaxEventSize > 0 {
		limit = dec.MaxEventSize * 4 // an EventList line may hold several events
	}
	return jsonevent.Lines(ctx, f, limit, func(line []byte) {
		if err := dec.Decode(line, emit); err != nil && onError != nil {
			onError(fmt.Errorf("%s: %w", path, err))
		}
	}, onError)
}
