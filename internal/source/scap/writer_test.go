package scap

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// rewrite copies a capture through the Writer: the metadata the Reader saw
// before the first event, then every event.
func rewrite(t *testing.T, path, out string) int {
	t.Helper()
	r, closer, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	var w *Writer
	n := 0
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if w == nil {
			w, err = Create(out, &Snapshot{Machine: r.Machine(), Threads: r.Threads(), FDs: r.FDs(),
				Users: r.Users(), Groups: r.Groups(), Interfaces: r.Interfaces()})
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := w.WriteDecoded(ev); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}

type copiedEvent struct {
	TS     uint64
	TID    int64
	CPU    uint16
	Type   uint16
	Params [][]byte
}

func readAll(t *testing.T, path string) (*Reader, []copiedEvent) {
	t.Helper()
	r, closer, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	var evs []copiedEvent
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r, evs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		c := copiedEvent{TS: ev.TS, TID: ev.TID, CPU: ev.CPU, Type: ev.Type}
		for _, p := range ev.Params {
			c.Params = append(c.Params, bytes.Clone(p))
		}
		evs = append(evs, c)
	}
}

// TestWriterRoundTrip rewrites every corpus capture and reads it back: the
// same events, parameters and metadata.
func TestWriterRoundTrip(t *testing.T) {
	dir := corpusDir(t)
	for name := range expectedEvents {
		for _, out := range []string{"copy.scap", "copy.scap.gz"} {
			t.Run(name+"/"+out, func(t *testing.T) {
				dst := filepath.Join(t.TempDir(), out)
				n := rewrite(t, filepath.Join(dir, name), dst)
				orig, want := readAll(t, filepath.Join(dir, name))
				back, got := readAll(t, dst)
				if len(got) != n || len(got) != len(want) {
					t.Fatalf("read back %d events, wrote %d, original %d", len(got), n, len(want))
				}
				for i := range want {
					if !reflect.DeepEqual(normalize(want[i]), normalize(got[i])) {
						t.Fatalf("event %d differs:\n got %+v\nwant %+v", i+1, got[i], want[i])
					}
				}
				if !reflect.DeepEqual(orig.Threads(), back.Threads()) {
					for tid, th := range orig.Threads() {
						if !reflect.DeepEqual(th, back.Threads()[tid]) {
							t.Fatalf("thread %d:\n got %+v\nwant %+v", tid, back.Threads()[tid], th)
						}
					}
					t.Fatalf("threads differ: %d vs %d", len(back.Threads()), len(orig.Threads()))
				}
				if !reflect.DeepEqual(upgradeFDs(orig.FDs()), back.FDs()) {
					t.Fatalf("fd tables differ")
				}
				if !reflect.DeepEqual(orig.Users(), back.Users()) || !reflect.DeepEqual(orig.Groups(), back.Groups()) {
					t.Fatalf("users or groups differ")
				}
				if orig.Machine() != back.Machine() {
					t.Fatalf("machine %+v, want %+v", back.Machine(), orig.Machine())
				}
			})
		}
	}
}

// normalize makes empty and nil parameter slices compare equal.
func normalize(e copiedEvent) copiedEvent {
	for i, p := range e.Params {
		if len(p) == 0 {
			e.Params[i] = []byte{}
		}
	}
	return e
}

// upgradeFDs reflects that file fds are always written in the v2 form.
func upgradeFDs(in map[int64][]FD) map[int64][]FD {
	out := map[int64][]FD{}
	for tid, fds := range in {
		for _, f := range fds {
			if f.Type == FDFile {
				f.Type = FDFileV2
			}
			out[tid] = append(out[tid], f)
		}
	}
	return out
}

// sysdigFields are printed by sysdig from an original capture and from its
// copy; every line must be equal.
var sysdigFields = []string{"evt.num", "evt.time", "evt.cpu", "evt.type", "evt.dir", "evt.args", "proc.name",
	"proc.pid", "thread.tid", "proc.ppid", "proc.pname", "proc.cmdline", "proc.exe", "proc.exepath", "proc.cwd",
	"proc.aname[2]", "user.uid", "user.name", "group.name", "fd.num", "fd.name", "fd.typechar", "fd.cip", "fd.sport",
	"container.id", "evt.res"}

// TestWriterReadBySysdig checks that sysdig reads peregrine's copy of every
// corpus capture with the same events and field values as the original.
func TestWriterReadBySysdig(t *testing.T) {
	sysdig, err := exec.LookPath("sysdig")
	if err != nil {
		t.Skip("sysdig is not installed")
	}
	dir := corpusDir(t)
	format := "*%" + strings.Join(sysdigFields, "|%") // "*": every event, even with fields missing
	printed := 0
	defer func() {
		if printed < 200 {
			t.Errorf("sysdig printed only %d events in all", printed)
		}
	}()
	for name := range expectedEvents {
		t.Run(name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "copy.scap")
			rewrite(t, filepath.Join(dir, name), dst)
			want, err := exec.Command(sysdig, "-r", filepath.Join(dir, name), "-p", format).Output()
			if err != nil {
				t.Fatalf("sysdig on the original: %v", err)
			}
			got, err := exec.Command(sysdig, "-r", dst, "-p", format).CombinedOutput()
			if err != nil {
				t.Fatalf("sysdig on the copy: %v\n%s", err, got)
			}
			wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
			// sysdig 0.29 prints only the events of the types it knows, a
			// fraction of each capture; what it prints must be the same.
			printed += len(wl) - 1
			if len(wl) != len(gl) {
				t.Errorf("sysdig printed %d lines for the copy, %d for the original", len(gl), len(wl))
			}
			for i := 0; i < min(len(wl), len(gl)); i++ {
				if wl[i] != gl[i] {
					t.Fatalf("line %d differs:\ncopy:     %s\noriginal: %s", i+1, gl[i], wl[i])
				}
			}
		})
	}
}

// TestWriterKeepsReaderLimits writes a process, an fd and a user with
// strings longer than libscap's reader accepts (long environments and
// command lines are common on CI machines) and checks that the capture
// reads back with the strings cut to the limits, and that sysdig reads it.
func TestWriterKeepsReaderLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	var env []string
	for i := 0; i < 200; i++ {
		env = append(env, "VARIABLE_"+strings.Repeat("v", 40)+"=value")
	}
	snap := &Snapshot{
		Machine: Machine{NumCPUs: 1, Hostname: "limits"},
		Threads: map[int64]*Thread{
			10: {TID: 10, PID: 10, PTID: 1, Comm: "long", Exe: "/bin/long", ExePath: "/" + long(2000),
				Args: []string{"-a", long(6000), "-b"}, Env: env, Cwd: "/" + long(3000) + "/",
				Cgroups: []string{"cpu=/" + long(5000)}, Root: "/", VTID: -1, VPID: -1},
		},
		FDs:    map[int64][]FD{10: {{Num: 3, Type: FDFileV2, Name: "/" + long(4000)}}},
		Users:  []User{{UID: 1000, GID: 1000, Name: "u" + long(300), HomeDir: "/home/" + long(300), Shell: "/bin/sh"}},
		Groups: []Group{{GID: 1000, Name: "g" + long(300)}},
	}
	path := filepath.Join(t.TempDir(), "limits.scap")
	w, err := Create(path, snap)
	if err != nil {
		t.Fatal(err)
	}
	// One close enter event, as readers want at least one event.
	fd := []byte{3, 0, 0, 0, 0, 0, 0, 0}
	if err := w.WriteDecoded(&Event{TS: 1, TID: 10, Type: 4, Params: [][]byte{fd}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, _ := readAll(t, path)
	th := r.Threads()[10]
	if th == nil {
		t.Fatal("thread 10 not read back")
	}
	listLen := func(items []string) int {
		n := 0
		for _, s := range items {
			n += len(s) + 1
		}
		return n
	}
	if n := listLen(th.Args); n != maxListLen || th.Args[0] != "-a" || len(th.Args) != 2 {
		t.Errorf("args: %d items, %d bytes; want -a and the start of the long one in %d bytes", len(th.Args), n, maxListLen)
	}
	if n := listLen(th.Env); n > maxListLen || len(th.Env) == 0 || th.Env[0] != env[0] {
		t.Errorf("env: %d items in %d bytes; want whole leading items in at most %d", len(th.Env), n, maxListLen)
	}
	if len(th.ExePath) != maxPathLen || len(th.Cwd) != maxPathLen || listLen(th.Cgroups) != maxListLen {
		t.Errorf("exepath %d, cwd %d, cgroups %d bytes", len(th.ExePath), len(th.Cwd), listLen(th.Cgroups))
	}
	if fds := r.FDs()[10]; len(fds) != 1 || len(fds[0].Name) != maxPathLen {
		t.Errorf("fd list %+v", fds)
	}
	if u := r.Users(); len(u) != 1 || len(u[0].Name) != maxCredentialLen || len(u[0].HomeDir) != maxCredentialLen {
		t.Errorf("users %+v", u)
	}
	if g := r.Groups(); len(g) != 1 || len(g[0].Name) != maxCredentialLen {
		t.Errorf("groups %+v", g)
	}
	sysdig, err := exec.LookPath("sysdig")
	if err != nil {
		return
	}
	if out, err := exec.Command(sysdig, "-r", path).CombinedOutput(); err != nil {
		t.Errorf("sysdig cannot read the capture: %v\n%s", err, out)
	}
}
