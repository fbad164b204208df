package syscall

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/source/scap"
	"github.com/peregrine-sec/peregrine/internal/testutil"
)

func capture(t testing.TB, name string) string {
	return filepath.Join(testutil.SharedDir(t), "compat", "legacy", "trace_files", name)
}

// values extracts fields by name for every event accepted by keep, one
// space-separated line per event.
func values(t *testing.T, file string, names []string, keep func(*Event) bool) []string {
	t.Helper()
	var out []string
	for _, row := range extractRows(t, file, names, keep) {
		out = append(out, strings.Join(row, " "))
	}
	return out
}

// rows extracts fields for every event of a capture.
func rows(t *testing.T, file string, names []string) [][]string {
	return extractRows(t, file, names, func(*Event) bool { return true })
}

func extractRows(t *testing.T, file string, names []string, keep func(*Event) bool) [][]string {
	t.Helper()
	table := Fields()
	var exs []field.Extractor
	for _, n := range names {
		base, arg, hasArg := n, "", false
		if i := strings.IndexByte(n, '['); i > 0 {
			base, arg, hasArg = n[:i], n[i+1:len(n)-1], true
		}
		d, dotted, ok := table.Resolve(base)
		if !ok || d.New == nil {
			t.Fatalf("field %s has no extractor", n)
		}
		if dotted != "" {
			arg, hasArg = dotted, true
		}
		ex, err := d.New(arg, hasArg)
		if err != nil {
			t.Fatal(err)
		}
		exs = append(exs, ex)
	}
	var out [][]string
	err := ReplayFile(context.Background(), capture(t, file), func(ev event.Event) {
		e := ev.(*Event)
		if !keep(e) {
			return
		}
		var row []string
		for _, ex := range exs {
			vals, ok := ex.Extract(e, nil)
			if !ok {
				row = append(row, "<NA>")
				continue
			}
			var parts []string
			for _, v := range vals {
				parts = append(parts, text(table, names[len(row)], v))
			}
			row = append(row, strings.Join(parts, ","))
		}
		out = append(out, row)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCatWrite checks process and fd state against what sysdig reports for
// the same capture (sysdig -r cat_write.scap -p '%evt.num %evt.type ...'):
// cat was first seen at its execve, which recorded no uid, so its user is
// unknown, as sysdig reports it.
func TestCatWrite(t *testing.T) {
	got := values(t, "cat_write.scap",
		[]string{"evt.num", "evt.type", "evt.dir", "proc.name", "proc.pname", "proc.cmdline", "user.name", "fd.name", "fd.typechar", "evt.is_open_read", "evt.res"},
		func(e *Event) bool {
			return e.Raw.Num >= 196 && e.Raw.Num <= 209 && strings.Contains("open read close", e.Info.Name)
		})
	want := []string{
		"196 open > cat bash cat /dev/null <NA> <NA> <NA> false <NA>",
		"197 open < cat bash cat /dev/null <NA> /dev/null f true SUCCESS",
		"204 read > cat bash cat /dev/null <NA> /dev/null f false <NA>",
		"205 read < cat bash cat /dev/null <NA> /dev/null f false SUCCESS",
		"208 close > cat bash cat /dev/null <NA> /dev/null f false <NA>",
		"209 close < cat bash cat /dev/null <NA> /dev/null f false SUCCESS",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestUnknownThreadKeepsFDs: a thread the capture never described still has
// its fds tracked, while its process fields are unknown.
func TestUnknownThreadKeepsFDs(t *testing.T) {
	got := values(t, "syscall.scap", []string{"evt.num", "proc.name", "fd.name", "evt.arg.name"},
		func(e *Event) bool { return e.Info.Name == "open" && e.Info.Dir == '<' })
	if len(got) != 4 || got[2] != "188 <NA> /dev/null /dev/null" {
		t.Errorf("opens: %q", got)
	}
}

func TestConnectTuple(t *testing.T) {
	got := values(t, "connect_localhost.scap", []string{"evt.type", "fd.typechar", "fd.name", "fd.sport"},
		func(e *Event) bool { return e.Info.Name == "connect" && e.Info.Dir == '<' })
	if len(got) != 1 || got[0] != "connect 4 127.0.0.1:47192->127.0.0.1:80 80" {
		t.Errorf("connect: %q", got)
	}
}

func TestAncestors(t *testing.T) {
	got := values(t, "cat_write.scap", []string{"proc.aname[0]", "proc.aname[1]", "proc.apid[1]", "proc.aname"},
		func(e *Event) bool { return e.Raw.Num == 197 })
	if len(got) != 1 || !strings.HasPrefix(got[0], "cat bash 11310 bash") {
		t.Errorf("ancestors: %q", got)
	}
}

// BenchmarkReplay measures reading a gzip capture and keeping state (no
// rules): all its events per second, metaevents included.
func BenchmarkReplay(b *testing.B) {
	path := capture(b, "ping_sendto.scap")
	r, closer, err := scap.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, err := r.Next(); err == nil; _, err = r.Next() {
		total++
	}
	closer.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := ReplayFile(context.Background(), path, func(event.Event) {}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "events/s")
}

// TestOpenFlags: open flags print by name, as sysdig prints them
// (evt.arg.flags: O_RDONLY|O_CLOEXEC; evt.args: flags=4097(O_RDONLY|O_CLOEXEC)).
func TestOpenFlags(t *testing.T) {
	got := values(t, "cat_write.scap", []string{"evt.arg.flags", "evt.args"},
		func(e *Event) bool { return e.Raw.Num == 141 || e.Raw.Num == 197 })
	want := []string{
		"O_RDONLY|O_CLOEXEC fd=3(<f>/etc/ld.so.cache) name=/etc/ld.so.cache flags=4097(O_RDONLY|O_CLOEXEC) mode=0",
		"O_RDONLY fd=3(<f>/dev/null) name=/dev/null flags=1(O_RDONLY) mode=0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s, _ := scap.AppendFlagNames(nil, "openat", "flags", 3|1<<2|1<<8); string(s) != "O_TRUNC|O_CREAT|O_RDWR" {
		t.Errorf("open flags: %s", s)
	}
}

// text renders a value as sysdig prints it for the field's type.
func text(table *field.Table, name string, v field.Value) string {
	base := name
	if i := strings.IndexByte(name, '['); i > 0 {
		base = name[:i]
	}
	d, _, _ := table.Resolve(base)
	switch {
	case d != nil && d.Type == field.Bool:
		if v.N != 0 {
			return "true"
		}
		return "false"
	case d != nil && d.Type == field.IPAddr:
		if a, ok := netip.AddrFromSlice(v.B); ok {
			return a.String()
		}
	case d != nil && d.Type == field.Int64:
		return fmt.Sprint(int64(v.N))
	case v.B != nil:
		return string(v.B)
	}
	return fmt.Sprint(v.N)
}
