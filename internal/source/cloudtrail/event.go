// Package cloudtrail is the AWS CloudTrail source (source aws_cloudtrail). It
// stands in for Falco's cloudtrail plugin over local files: a CloudTrail log
// file or a directory walked recursively (*.json and *.json.gz), one event per
// element of Records. Reading from S3 and SQS is a separate piece of work.
package cloudtrail

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	je "github.com/peregrine-sec/peregrine/internal/source/jsonevent"
)

// SourceName is the event source name rules use.
const SourceName = "aws_cloudtrail"

// Event is one record; valid only during the emit callback.
type Event struct{ je.Event }

// Reader reads CloudTrail files; it reuses its parser and event.
type Reader struct {
	p   fastjson.Parser
	ev  Event
	seq uint64
	// Skipped counts records without eventTime/eventType or of insight type.
	Skipped uint64
}

// ReadPath reads a file, or every *.json and *.json.gz file below a
// directory in lexical walk order, and calls emit for each record.
func (r *Reader) ReadPath(ctx context.Context, path string, emit func(*Event)) error {
	var files []string
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".json.gz")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading cloudtrail files: %w", err)
	}
	if len(files) == 0 {
		return fmt.Errorf("no json files found in %s", path)
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.readFile(f, emit); err != nil {
			return err
		}
	}
	return nil
}

func (r *Reader) readFile(path string, emit func(*Event)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading cloudtrail file: %w", err)
	}
	defer f.Close()
	var in io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		in = gz
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return r.Decode(data, emit)
}

// Decode splits one CloudTrail file's content ({"Records": [...]}) into events.
func (r *Reader) Decode(data []byte, emit func(*Event)) error {
	v, err := r.p.ParseBytes(data)
	if err != nil {
		return fmt.Errorf("malformed cloudtrail file: %w", err)
	}
	recs := v.GetArray("Records")
	if recs == nil {
		return errors.New("cloudtrail file has no Records array")
	}
	for _, rec := range recs {
		ts, err := time.Parse(time.RFC3339, string(rec.GetStringBytes("eventTime")))
		et := string(rec.GetStringBytes("eventType"))
		if err != nil || et == "" || et == "AwsCloudTrailInsight" {
			r.Skipped++
			continue
		}
		r.seq++
		r.ev.Reset(SourceName, ts.UnixNano(), r.seq, rec)
		emit(&r.ev)
	}
	return nil
}
