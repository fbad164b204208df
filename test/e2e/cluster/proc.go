package cluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// proc is one control-plane process.
type proc struct {
	name    string
	bin     string
	args    []string
	logPath string
	health  string // URL answering 200 when ready

	cmd     *exec.Cmd
	logFile *os.File
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// start launches the process, logging to logPath (and to extra if set).
func (p *proc) start(extra io.Writer) error {
	f, err := os.Create(p.logPath)
	if err != nil {
		return fmt.Errorf("create %s log: %w", p.name, err)
	}
	p.logFile = f
	var out io.Writer = f
	if extra != nil {
		out = io.MultiWriter(f, &prefixWriter{prefix: "[" + p.name + "] ", w: extra})
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	p.cmd = cmd
	p.done = make(chan struct{})
	go func() {
		p.waitErr = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return nil
}

// waitHealthy polls p.health until it answers 200, the process exits or ctx
// ends.
func (p *proc) waitHealthy(ctx context.Context, client *http.Client, token string) error {
	start := time.Now()
	var last string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.health, nil)
		if err != nil {
			return fmt.Errorf("%s health request: %w", p.name, err)
		}
		if strings.HasPrefix(p.health, "https://") && token != "" && p.name == "kube-apiserver" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, lastLines(string(body), 5))
		} else {
			last = err.Error()
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before becoming ready (%v); log tail:\n%s", p.name, p.waitErr, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s (last: %s): %w; log tail:\n%s",
				p.name, time.Since(start).Round(time.Millisecond), last, ctx.Err(), p.logTail())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM, then SIGKILL after stopGrace, and waits for exit.
func (p *proc) stop() error {
	if p.cmd == nil {
		return nil
	}
	select {
	case <-p.done:
		return nil // already gone (or stopped before)
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(stopGrace):
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
		return fmt.Errorf("%s did not stop within %s after SIGTERM; killed", p.name, stopGrace)
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", p.name, p.cmd.Process.Pid)
	}
}

// logTail returns the last lines of the process's log file.
func (p *proc) logTail() string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return lastLines(string(data), 30)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// prefixWriter prefixes every line written to w; partial lines are buffered.
type prefixWriter struct {
	prefix string
	w      io.Writer
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := strings.IndexByte(string(p.buf), '\n')
		if i < 0 {
			break
		}
		if _, err := io.WriteString(p.w, p.prefix+string(p.buf[:i+1])); err != nil {
			return len(b), nil // never fail the process's output on the side channel
		}
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}
