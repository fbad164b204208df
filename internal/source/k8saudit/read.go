package k8saudit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
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

// Lines calls fn with each line of r (without the newline), accepting lines up
// to maxLine bytes; a longer line is reported through onError and skipped.
func Lines(ctx context.Context, r io.Reader, maxLine int, fn func([]byte), onError func(error)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	lineNo := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk, isPrefix, err := br.ReadLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		line := chunk
		if isPrefix || long != nil {
			long = append(long, chunk...)
			if isPrefix {
				continue
			}
			line, long = long, nil
		}
		lineNo++
		if maxLine > 0 && len(line) > maxLine {
			if onError != nil {
				onError(fmt.Errorf("line %d: %d bytes is over the %d-byte event size limit; skipped", lineNo, len(line), maxLine))
			}
			continue
		}
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		fn(line)
	}
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
	return Lines(ctx, f, limit, func(line []byte) {
		if err := dec.Decode(line, emit); err != nil && onError != nil {
			onError(fmt.Errorf("%s: %w", path, err))
		}
	}, onError)
}
