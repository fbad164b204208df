// Package localsinks holds the destinations on the host itself: stdout, a
// file with size-based rotation, syslog and a program's standard input.
// Each writes one Falco JSON alert (or Falco text line) per line.
package localsinks

import (
	"context"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

// Kinds returns the local destination kinds.
func Kinds() []sink.Kind {
	format := sink.Param{Name: "format", Type: "string", Default: "json", Doc: "json (Falco's JSON alert) or text (Falco's text line)"}
	return []sink.Kind{
		{Name: "stdout", Summary: "Standard output, one alert per line.", MaxBatch: 500,
			Params:  []sink.Param{format},
			Example: "- name: console\n  type: stdout\n  params: {format: text}\n",
			New: func(c sink.Config) (sink.Sink, error) {
				return &writerSink{w: os.Stdout, text: c.String("format", "json") == "text"}, nil
			}},
		{Name: "file", Summary: "A file, one alert per line, rotated by size.", MaxBatch: 500,
			Params: []sink.Param{format,
				{Name: "path", Type: "string", Required: true, Doc: "file to append to"},
				{Name: "max_size_mb", Type: "int", Default: "100", Doc: "rotate when the file reaches this size (0: never)"},
				{Name: "max_backups", Type: "int", Default: "5", Doc: "rotated files kept (path.1 is the newest)"}},
			Example: "- name: archive\n  type: file\n  params: {path: /var/log/peregrine/alerts.json, max_size_mb: 100, max_backups: 10}\n",
			New:     newFile},
		{Name: "syslog", Summary: "The local syslog daemon, at the alert's severity.", MaxBatch: 100,
			Params:  []sink.Param{format, {Name: "tag", Type: "string", Default: "peregrine", Doc: "syslog tag"}},
			Example: "- name: syslog\n  type: syslog\n  min_priority: warning\n",
			New: func(c sink.Config) (sink.Sink, error) {
				return &syslogSink{tag: c.String("tag", "peregrine"), text: c.String("format", "json") == "text"}, nil
			}},
		{Name: "program", Summary: "A program's standard input (started once, restarted if it exits), one alert per line.", MaxBatch: 500,
			Params:  []sink.Param{format, {Name: "command", Type: "string", Required: true, Doc: "shell command"}},
			Example: "- name: jq\n  type: program\n  params: {command: \"jq -c . >> /tmp/alerts.json\"}\n",
			New: func(c sink.Config) (sink.Sink, error) {
				cmd, err := c.Required("command")
				if err != nil {
					return nil, err
				}
				return &programSink{command: cmd, text: c.String("format", "json") == "text"}, nil
			}},
	}
}

// line renders an alert as one line.
func line(a *alert.Alert, text bool) []byte {
	if text {
		return []byte(sink.FalcoOutput(a) + "\n")
	}
	b := sink.FalcoJSON(a)
	if len(b) == 0 || b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	return b
}

type writerSink struct {
	mu   sync.Mutex
	w    io.Writer
	text bool
}

func (s *writerSink) Send(_ context.Context, batch []*alert.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range batch {
		if _, err := s.w.Write(line(a, s.text)); err != nil {
			return err
		}
	}
	return nil
}

func (s *writerSink) Close() error { return nil }

// fileSink appends to a file and rotates it by size.
type fileSink struct {
	mu         sync.Mutex
	path       string
	maxSize    int64
	maxBackups int
	text       bool
	f          *os.File
	size       int64
}

func newFile(c sink.Config) (sink.Sink, error) {
	path, err := c.Required("path")
	if err != nil {
		return nil, err
	}
	mb, err := c.Int("max_size_mb", 100)
	if err != nil {
		return nil, err
	}
	backups, err := c.Int("max_backups", 5)
	if err != nil {
		return nil, err
	}
	return &fileSink{path: path, maxSize: int64(mb) << 20, maxBackups: backups, text: c.String("format", "json") == "text"}, nil
}

func (s *fileSink) Send(_ context.Context, batch []*alert.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	for _, a := range batch {
		b := line(a, s.text)
		if s.maxSize > 0 && s.size+int64(len(b)) > s.maxSize && s.size > 0 {
			if err := s.rotate(); err != nil {
				return err
			}
		}
		n, err := s.f.Write(b)
		s.size += int64(n)
		if err != nil {
			return fmt.Errorf("writing %s: %w", s.path, err)
		}
	}
	return s.f.Sync()
}

func (s *fileSink) open() error {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("opening %s: %w", s.path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	s.f, s.size = f, st.Size()
	return nil
}

// rotate renames path to path.1 (shifting older backups) and reopens.
func (s *fileSink) rotate() error {
	s.f.Close()
	s.f = nil
	for i := s.maxBackups; i >= 1; i-- {
		from := s.path
		if i > 1 {
			from = fmt.Sprintf("%s.%d", s.path, i-1)
		}
		if i == s.maxBackups {
			os.Remove(fmt.Sprintf("%s.%d", s.path, i))
		}
		os.Rename(from, fmt.Sprintf("%s.%d", s.path, i))
	}
	if s.maxBackups == 0 {
		os.Remove(s.path)
	}
	return s.open()
}

func (s *fileSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f != nil {
		return s.f.Close()
	}
	return nil
}

// backups lists a file's rotated copies (for tests and tools).
func backups(path string) []string {
	m, _ := filepath.Glob(path + ".*")
	sort.Strings(m)
	return m
}

type syslogSink struct {
	mu   sync.Mutex
	tag  string
	text bool
	w    *syslog.Writer
}

func (s *syslogSink) Send(_ context.Context, batch []*alert.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		w, err := syslog.New(syslog.LOG_USER|syslog.LOG_INFO, s.tag)
		if err != nil {
			return fmt.Errorf("syslog: %w", err)
		}
		s.w = w
	}
	for _, a := range batch {
		msg := strings.TrimRight(string(line(a, s.text)), "\n")
		var err error
		switch {
		case a.Priority <= alert.Critical:
			err = s.w.Crit(msg)
		case a.Priority == alert.Error:
			err = s.w.Err(msg)
		case a.Priority == alert.Warning:
			err = s.w.Warning(msg)
		case a.Priority == alert.Notice:
			err = s.w.Notice(msg)
		default:
			err = s.w.Info(msg)
		}
		if err != nil {
			s.w.Close()
			s.w = nil
			return fmt.Errorf("syslog: %w", err)
		}
	}
	return nil
}

func (s *syslogSink) Close() error {
	if s.w != nil {
		return s.w.Close()
	}
	return nil
}

// programSink keeps a shell command running and writes alerts to its stdin.
type programSink struct {
	mu      sync.Mutex
	command string
	text    bool
	cmd     *exec.Cmd
	stdin   io.WriteCloser
}

func (s *programSink) Send(_ context.Context, batch []*alert.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		cmd := exec.Command("/bin/sh", "-c", s.command)
		in, err := cmd.StdinPipe()
		if err != nil {
			return err
		}
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("program %q: %w", s.command, err)
		}
		s.cmd, s.stdin = cmd, in
	}
	for _, a := range batch {
		if _, err := s.stdin.Write(line(a, s.text)); err != nil {
			s.stop()
			return fmt.Errorf("program %q: %w", s.command, err)
		}
	}
	return nil
}

func (s *programSink) stop() {
	if s.cmd != nil {
		s.stdin.Close()
		s.cmd.Wait()
		s.cmd = nil
	}
}

func (s *programSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stop()
	return nil
}
