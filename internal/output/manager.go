package output

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"os/exec"
	"sync"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/config"
)

// Sink receives each formatted alert message (text line or JSON object).
type Sink interface {
	// Name identifies the sink in errors and metrics.
	Name() string
	// Write delivers one message for an alert of the given priority.
	Write(msg []byte, p alert.Priority) error
	// Close flushes and releases the sink.
	Close() error
}

// Manager formats each alert once and writes it to every enabled sink, as
// Falco's outputs do. It is safe for concurrent use.
type Manager struct {
	mu     sync.Mutex
	fmt    Formatter
	sinks  []Sink
	failed map[string]int
}

// NewManager builds the outputs a configuration enables; stdout is w.
func NewManager(c *config.Config, w io.Writer) (*Manager, error) {
	m := &Manager{fmt: Formatter{
		JSON: c.JSONOutput, ISO8601: c.TimeFormatISO8601, IncludeOutput: c.JSONIncludeOutputProperty,
		IncludeMessage: c.JSONIncludeMessageProperty, IncludeOutputFields: c.JSONIncludeOutputFieldsProperty,
		IncludeTags: c.JSONIncludeTagsProperty,
	}, failed: map[string]int{}}
	if c.StdoutOutput.Enabled {
		m.sinks = append(m.sinks, &writerSink{name: "stdout", w: bufio.NewWriter(w), flush: !c.BufferedOutputs})
	}
	if c.FileOutput.Enabled {
		m.sinks = append(m.sinks, &fileSink{path: c.FileOutput.Filename, keepAlive: c.FileOutput.KeepAlive})
	}
	if c.ProgramOutput.Enabled {
		m.sinks = append(m.sinks, &programSink{cmd: c.ProgramOutput.Program, keepAlive: c.ProgramOutput.KeepAlive})
	}
	if c.SyslogOutput.Enabled {
		m.sinks = append(m.sinks, &syslogSink{})
	}
	return m, nil
}

// Formatter returns the manager's formatter.
func (m *Manager) Formatter() *Formatter { return &m.fmt }

// Emit formats the alert and writes it to every sink. A failing sink is
// counted and reported at Close; the others still receive the alert.
func (m *Manager) Emit(a *alert.Alert) {
	var msg []byte
	if m.fmt.JSON {
		msg = m.fmt.JSONLine(a)
	} else {
		msg = []byte(m.fmt.Text(a))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.sinks {
		if err := s.Write(msg, a.Priority); err != nil {
			m.failed[s.Name()]++
		}
	}
}

// Close flushes every sink and reports the sinks that failed.
func (m *Manager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	for _, s := range m.sinks {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("output %s: %w", s.Name(), err))
		}
		if n := m.failed[s.Name()]; n > 0 {
			errs = append(errs, fmt.Errorf("output %s: %d alerts could not be written", s.Name(), n))
		}
	}
	return errors.Join(errs...)
}

type writerSink struct {
	name  string
	w     *bufio.Writer
	flush bool
}

func (s *writerSink) Name() string { return s.name }
func (s *writerSink) Write(msg []byte, _ alert.Priority) error {
	s.w.Write(msg)
	s.w.WriteByte('\n')
	if s.flush {
		return s.w.Flush()
	}
	return nil
}
func (s *writerSink) Close() error { return s.w.Flush() }

// fileSink appends to a file; without keep_alive it opens and closes it per alert.
type fileSink struct {
	path      string
	keepAlive bool
	f         *os.File
}

func (s *fileSink) Name() string { return "file" }
func (s *fileSink) Write(msg []byte, _ alert.Priority) error {
	if s.f == nil {
		f, err := os.OpenFile(s.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		s.f = f
	}
	_, err := s.f.Write(append(msg, '\n'))
	if !s.keepAlive {
		cerr := s.f.Close()
		s.f = nil
		if err == nil {
			err = cerr
		}
	}
	return err
}
func (s *fileSink) Close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// programSink pipes each message to a shell command's stdin; with keep_alive
// one process receives every message.
type programSink struct {
	cmd       string
	keepAlive bool
	proc      *exec.Cmd
	stdin     io.WriteCloser
}

func (s *programSink) Name() string { return "program" }
func (s *programSink) start() error {
	s.proc = exec.Command("/bin/sh", "-c", s.cmd)
	s.proc.Stdout, s.proc.Stderr = os.Stdout, os.Stderr
	var err error
	if s.stdin, err = s.proc.StdinPipe(); err != nil {
		return err
	}
	return s.proc.Start()
}
func (s *programSink) Write(msg []byte, _ alert.Priority) error {
	if s.proc == nil {
		if err := s.start(); err != nil {
			s.proc = nil
			return err
		}
	}
	_, err := s.stdin.Write(append(msg, '\n'))
	if !s.keepAlive {
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
func (s *programSink) Close() error {
	if s.proc == nil {
		return nil
	}
	s.stdin.Close()
	err := s.proc.Wait()
	s.proc = nil
	return err
}

// syslogSink writes to the local syslog with the alert's priority as severity.
// syslogSink writes to the local syslog daemon. Like Falco's syslog output
// (syslog(3) drops messages when no daemon listens), a missing daemon is
// reported once on stderr and does not fail the run.
type syslogSink struct {
	w           *syslog.Writer
	unavailable bool
}

func (s *syslogSink) Name() string { return "syslog" }
func (s *syslogSink) Write(msg []byte, p alert.Priority) error {
	if s.unavailable {
		return nil
	}
	if s.w == nil {
		w, err := syslog.New(syslog.LOG_USER|syslog.LOG_INFO, "peregrine")
		if err != nil {
			s.unavailable = true
			fmt.Fprintf(os.Stderr, "syslog output: no syslog daemon (%v); syslog alerts are dropped\n", err)
			return nil
		}
		s.w = w
	}
	m := string(msg)
	switch p {
	case alert.Emergency:
		return s.w.Emerg(m)
	case alert.AlertPriority:
		return s.w.Alert(m)
	case alert.Critical:
		return s.w.Crit(m)
	case alert.Error:
		return s.w.Err(m)
	case alert.Warning:
		return s.w.Warning(m)
	case alert.Notice:
		return s.w.Notice(m)
	case alert.Informational:
		return s.w.Info(m)
	}
	return s.w.Debug(m)
}
func (s *syslogSink) Close() error {
	if s.w == nil {
		return nil
	}
	return s.w.Close()
}
