package scap

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// expectedEvents is the number of event blocks in each capture of the corpus.
var expectedEvents = map[string]int{
	"cat_write.scap":           345,
	"connect_localhost.scap":   374,
	"empty.scap":               143,
	"open-multiple-files.scap": 1272,
	"ping_sendto.scap":         1526,
	"syscall.scap":             368,
}

// findCorpus returns <repo root>/../shared/compat/legacy/trace_files, where
// the repo root is the nearest ancestor of the working directory holding
// go.mod, and whether that directory exists.
func findCorpus() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
	corpus := filepath.Join(dir, "..", "shared", "compat", "legacy", "trace_files")
	st, err := os.Stat(corpus)
	return corpus, err == nil && st.IsDir()
}

// corpusDir returns the capture corpus directory, skipping the test when it
// does not exist.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	dir, ok := findCorpus()
	if !ok {
		tb.Skipf("capture corpus %q not available", dir)
	}
	return dir
}

// decompressed returns the raw (un-gzipped) bytes of a capture.
func decompressed(tb testing.TB, path string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		return raw
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		tb.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// param returns the raw value of the named parameter of e, if present.
func param(e *Event, name string) ([]byte, bool) {
	info, ok := EventInfo(e.Type)
	if !ok {
		return nil, false
	}
	for i, p := range info.Params {
		if p.Name == name && i < len(e.Params) {
			return e.Params[i], true
		}
	}
	return nil, false
}

// formatted returns the named parameter of e rendered by FormatParam.
func formatted(e *Event, name string) string {
	info, _ := EventInfo(e.Type)
	for i, p := range info.Params {
		if p.Name == name && i < len(e.Params) {
			return FormatParam(p.Type, e.Params[i])
		}
	}
	return ""
}

func TestCaptures(t *testing.T) {
	dir := corpusDir(t)
	for name, want := range expectedEvents {
		t.Run(name, func(t *testing.T) {
			r, c, err := Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if maj, _ := r.Version(); maj != 1 {
				t.Errorf("major version %d", maj)
			}
			if len(r.Threads()) == 0 || len(r.FDs()) == 0 || len(r.Users()) == 0 || len(r.Groups()) == 0 || len(r.Interfaces()) == 0 {
				t.Errorf("metadata missing: %d threads, %d fd tables, %d users, %d groups, %d interfaces",
					len(r.Threads()), len(r.FDs()), len(r.Users()), len(r.Groups()), len(r.Interfaces()))
			}
			if m := r.Machine(); m.Hostname == "" || m.NumCPUs == 0 || m.MemoryBytes == 0 {
				t.Errorf("machine info incomplete: %+v", m)
			}
			counts := map[string]int{}
			n := 0
			for {
				e, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("after %d events: %v", n, err)
				}
				n++
				if e.Num != uint64(n) {
					t.Fatalf("event %d has Num %d", n, e.Num)
				}
				info, ok := EventInfo(e.Type)
				if !ok {
					t.Errorf("event %d: unknown type %d", e.Num, e.Type)
				} else if len(e.Params) > len(info.Params) {
					t.Errorf("event %d (%s): %d params, schema has %d", e.Num, info.Name, len(e.Params), len(info.Params))
				}
				counts[fmt.Sprintf("%s %c", e.TypeName(), e.Dir())]++
			}
			if n != want {
				t.Errorf("%d events, want %d", n, want)
			}
			if _, err := r.Next(); !errors.Is(err, io.EOF) {
				t.Errorf("Next after EOF: %v", err)
			}
			t.Logf("%d events: %v", n, counts)
		})
	}
}

func TestCatWriteFacts(t *testing.T) {
	r, c, err := Open(filepath.Join(corpusDir(t), "cat_write.scap"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m := r.Machine(); m.Hostname != "ubuntu" || m.NumCPUs != 2 {
		t.Errorf("machine = %+v", m)
	}
	if th := r.Threads()[11310]; th == nil || th.Comm != "bash" || th.Cwd == "" {
		t.Errorf("thread 11310 = %+v, want the parent bash", th)
	}
	if fds := r.FDs(); len(fds) == 0 {
		t.Error("no fd tables")
	}
	var sawRoot bool
	for _, u := range r.Users() {
		sawRoot = sawRoot || (u.UID == 0 && u.Name == "root" && u.HomeDir == "/root")
	}
	if !sawRoot {
		t.Error("user root not found")
	}
	var openDevNull, elfRead, execve bool
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case e.Name() == "open" && e.Dir() == '<' && formatted(e, "name") == "/dev/null":
			openDevNull = formatted(e, "fd") == "3" && e.TID == 20072
		case e.Name() == "read" && e.Dir() == '<':
			if data, ok := param(e, "data"); ok && bytes.HasPrefix(data, []byte("\x7fELF")) {
				elfRead = formatted(e, "res") == "832"
			}
		case e.Name() == "execve" && e.Dir() == '<':
			execve = formatted(e, "comm") == "cat" && formatted(e, "args") == "/dev/null." && formatted(e, "ptid") == "11310"
		case e.Name() == "access" && e.Dir() == '<' && formatted(e, "name") == "/etc/ld.so.preload":
			if got := formatted(e, "res"); got != "-2(ENOENT)" {
				t.Errorf("access res = %q", got)
			}
		}
	}
	if !openDevNull || !elfRead || !execve {
		t.Errorf("open(/dev/null)=3: %v, read of an ELF header: %v, execve of cat: %v", openDevNull, elfRead, execve)
	}
}

func TestOpenMultipleFilesFacts(t *testing.T) {
	r, c, err := Open(filepath.Join(corpusDir(t), "open-multiple-files.scap"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var opened []string
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "open" && e.Dir() == '<' && e.TID == 16569 {
			name, fd := formatted(e, "name"), formatted(e, "fd")
			if strings.HasPrefix(name, "/tmp/file-") && fd != "3" && fd != "4" {
				t.Errorf("%s opened as fd %s", name, fd)
			}
			opened = append(opened, name)
		}
	}
	for i := 1; i <= 13; i++ {
		want := "/tmp/file-" + strconv.Itoa(i)
		if !strings.Contains(strings.Join(opened, " ")+" ", want+" ") {
			t.Errorf("no open of %s in %v", want, opened)
		}
	}
	var comms []string
	for _, th := range r.Threads() {
		comms = append(comms, th.Comm)
	}
	if !strings.Contains(" "+strings.Join(comms, " ")+" ", " python ") {
		t.Errorf("no python thread in the process list: %v", comms)
	}
}

func TestConnectAndSendFormatting(t *testing.T) {
	dir := corpusDir(t)
	cases := []struct{ file, event, param, want string }{
		{"connect_localhost.scap", "connect", "tuple", "127.0.0.1:47192->127.0.0.1:80"},
		{"ping_sendto.scap", "sendmsg", "tuple", "0.0.0.0:1->128.32.41.1:0"},
	}
	for _, tc := range cases {
		r, c, err := Open(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for !found {
			e, err := r.Next()
			if err != nil {
				break
			}
			found = e.Name() == tc.event && formatted(e, tc.param) == tc.want
		}
		c.Close()
		if !found {
			t.Errorf("%s: no %s with %s=%s", tc.file, tc.event, tc.param, tc.want)
		}
	}
}

// TestSysdigDifferential compares (evt.num, evt.type, evt.dir, thread.tid,
// evt.cpu, evt.rawtime) of every event with the output of sysdig (Debian's 0.29), when installed.
//
// Known, intended differences: sysdig does not print internal metaevents;
// in this corpus those are PPME_PROCINFO_E (234, "procinfo") and
// PPME_CONTAINER_JSON_E (272, "container"). They still consume an evt.num in
// sysdig, exactly as they do in Event.Num, so the numbers of all other events
// agree. The comparison therefore skips events whose schema is Internal or
// named "container". Generic events (types 0/1) are compared by the syscall
// name of their ID parameter (Event.TypeName), which is what sysdig prints
// ("<unknown>" for ID 0).
func TestSysdigDifferential(t *testing.T) {
	dir := corpusDir(t)
	sysdig, err := exec.LookPath("sysdig")
	if err != nil {
		t.Skip("sysdig not installed")
	}
	for name := range expectedEvents {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			cmd := exec.Command(sysdig, "-r", path, "-p", "%evt.num %evt.type %evt.dir %thread.tid %evt.cpu %evt.rawtime")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("sysdig: %v", err)
			}
			var want []string
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				if line := strings.TrimSpace(sc.Text()); line != "" {
					want = append(want, line)
				}
			}
			r, c, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var got []string
			for {
				e, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if info, ok := EventInfo(e.Type); ok && (info.Internal || info.Name == "container") {
					continue
				}
				got = append(got, fmt.Sprintf("%d %s %c %d %d %d", e.Num, e.TypeName(), e.Dir(), e.TID, e.CPU, e.TS))
			}
			for i := range max(len(got), len(want)) {
				if i >= len(got) || i >= len(want) || got[i] != want[i] {
					t.Fatalf("line %d differs (%d lines vs sysdig's %d):\n%s", i+1, len(got), len(want),
						strings.Join(append(got[i:min(i+1, len(got))], want[i:min(i+1, len(want))]...), "\n"))
				}
			}
			t.Logf("%d events identical to sysdig", len(got))
		})
	}
}

func TestNotScap(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("plain text, gzipped"))
	zw.Close()
	for name, in := range map[string][]byte{
		"empty": nil, "text": []byte("hello, world\n"), "short": {0x0a, 0x0d},
		"gzip-text": gz.Bytes(), "gzip-broken": {0x1f, 0x8b, 0, 0},
	} {
		_, err := NewReader(bytes.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), "not a .scap file") {
			t.Errorf("%s: err = %v, want a 'not a .scap file' error", name, err)
		}
	}
}

// shb builds a section header block with the given magic and version.
func shb(magic uint32, major, minor uint16) []byte {
	b := make([]byte, 28)
	binary.LittleEndian.PutUint32(b[0:], blockSHB)
	binary.LittleEndian.PutUint32(b[4:], 28)
	binary.LittleEndian.PutUint32(b[8:], magic)
	binary.LittleEndian.PutUint16(b[12:], major)
	binary.LittleEndian.PutUint16(b[14:], minor)
	binary.LittleEndian.PutUint64(b[16:], ^uint64(0))
	binary.LittleEndian.PutUint32(b[24:], 28)
	return b
}

func TestHeaderErrors(t *testing.T) {
	if _, err := NewReader(bytes.NewReader(shb(shbMagic, 2, 0))); err == nil || !strings.Contains(err.Error(), "unsupported .scap version 2.0") {
		t.Errorf("major 2: %v", err)
	}
	if _, err := NewReader(bytes.NewReader(shb(shbMagicSwapped, 1, 0))); err == nil || !strings.Contains(err.Error(), "big-endian") {
		t.Errorf("big endian: %v", err)
	}
	if _, err := NewReader(bytes.NewReader(shb(0x12345678, 1, 0))); err == nil || !strings.Contains(err.Error(), "not a .scap file") {
		t.Errorf("bad magic: %v", err)
	}
	r, err := NewReader(bytes.NewReader(shb(shbMagic, 1, 2)))
	if err != nil {
		t.Fatalf("header only: %v", err)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("header only: Next = %v, want EOF", err)
	}
	bad := func(typ, length uint32, extra ...byte) []byte {
		b := append(shb(shbMagic, 1, 2), 0, 0, 0, 0, 0, 0, 0, 0)
		binary.LittleEndian.PutUint32(b[28:], typ)
		binary.LittleEndian.PutUint32(b[32:], length)
		return append(b, extra...)
	}
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{bad(blockEVv2, 7), "block at offset 28: length 7 shorter than a block header"},
		{bad(blockEVv2, 1<<31), "block at offset 28: length 2147483648 exceeds"},
		{bad(blockEVv2, 16, 1, 2, 3, 4, 17, 0, 0, 0), "block at offset 28: trailer length 17 does not match header length 16"},
		{bad(blockEVv2, 16, 1, 2, 3, 4, 16, 0, 0, 0), "block at offset 28 (event): body of 4 bytes too short"},
		{bad(blockEVv2, 4096, 1, 2, 3), "block at offset 28: type 0x216, length 4096: truncated"},
		{bad(blockPLv9, 16, 2, 0, 0, 0, 16, 0, 0, 0), "block at offset 28 (process list v9): thread entry at body offset 0: length 2 out of range"},
	} {
		r, err := NewReader(bytes.NewReader(tc.in))
		if err == nil {
			_, err = r.Next()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want %q", err, tc.want)
		}
	}
}

// blockStarts returns the offsets of all block boundaries of a capture.
func blockStarts(data []byte) map[int]bool {
	starts := map[int]bool{}
	for off := 0; off+8 <= len(data); off += int(u32(data[off+4:])) {
		starts[off] = true
	}
	starts[len(data)] = true
	return starts
}

// TestTruncated cuts a capture at many offsets: every cut must yield a clean
// error naming the offset of the cut block, or io.EOF for a cut exactly on a
// block boundary.
func TestTruncated(t *testing.T) {
	data := decompressed(t, filepath.Join(corpusDir(t), "cat_write.scap"))
	starts := blockStarts(data)
	offsetRe := regexp.MustCompile(`block at offset (\d+)`)
	step := 1
	for cut := 0; cut < len(data); cut += step {
		if cut > 4096 {
			step = 37
		}
		in := data[:cut]
		r, err := NewReader(bytes.NewReader(in))
		for err == nil {
			_, err = r.Next()
		}
		if cut >= 28 && starts[cut] {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("cut at block boundary %d: %v", cut, err)
			}
			continue
		}
		if errors.Is(err, io.EOF) && cut > 0 {
			t.Fatalf("cut at %d: clean EOF inside a block", cut)
		}
		if cut < 28 {
			if !strings.Contains(err.Error(), "not a .scap file") && !strings.Contains(err.Error(), "offset 0") {
				t.Fatalf("cut at %d: %v", cut, err)
			}
			continue
		}
		m := offsetRe.FindStringSubmatch(err.Error())
		if m == nil {
			t.Fatalf("cut at %d: error without offset: %v", cut, err)
		}
		off, _ := strconv.Atoi(m[1])
		if !starts[off] || off > cut || (off+int(u32(data[off+4:])) <= cut) {
			t.Fatalf("cut at %d: error names offset %d, not the cut block: %v", cut, off, err)
		}
	}
}

// TestSteadyStateAllocs checks that Next does not allocate per event.
func TestSteadyStateAllocs(t *testing.T) {
	data := decompressed(t, filepath.Join(corpusDir(t), "ping_sendto.scap"))
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.2f allocations per event, want 0", allocs)
	}
}

// TestRandomCorruption overwrites random bytes of a real capture and reads
// it to the end: every outcome must be events followed by EOF or an error
// that names a block offset, never a panic.
func TestRandomCorruption(t *testing.T) {
	data := decompressed(t, filepath.Join(corpusDir(t), "open-multiple-files.scap"))
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, len(data))
	for range 1000 {
		copy(buf, data)
		for range 1 + rng.IntN(4) {
			buf[rng.IntN(len(buf))] = byte(rng.Uint32())
		}
		r, err := NewReader(bytes.NewReader(buf))
		for err == nil {
			_, err = r.Next()
		}
		if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "offset") && !strings.Contains(err.Error(), "not a .scap file") {
			t.Fatalf("error without offset: %v", err)
		}
	}
}

func FuzzReader(f *testing.F) {
	if dir, ok := findCorpus(); ok {
		for name := range expectedEvents {
			raw, _ := os.ReadFile(filepath.Join(dir, name))
			data := decompressed(f, filepath.Join(dir, name))
			f.Add(data[:min(len(data), 4096)])
			f.Add(raw[:min(len(raw), 4096)])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		r.Machine()
		for range 10000 {
			e, err := r.Next()
			if err != nil {
				return
			}
			info, _ := EventInfo(e.Type)
			for i, p := range e.Params {
				typ := ByteBuf
				if i < len(info.Params) {
					typ = info.Params[i].Type
				}
				FormatParam(typ, p)
			}
			e.TypeName()
		}
	})
}

func BenchmarkReader(b *testing.B) {
	dir := corpusDir(b)
	largest, size := "", 0
	for name := range expectedEvents {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil && int(st.Size()) > size {
			largest, size = name, int(st.Size())
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, largest))
	if err != nil {
		b.Fatal(err)
	}
	data := decompressed(b, filepath.Join(dir, largest))
	// "events" keeps only the section header and the event blocks, to
	// measure the per-event cost without the metadata tables.
	events := append([]byte(nil), data[:28]...)
	for off := 0; off+8 <= len(data); off += int(u32(data[off+4:])) {
		if isEventBlock(u32(data[off:])) {
			events = append(events, data[off:off+int(u32(data[off+4:]))]...)
		}
	}
	inputs := map[string][]byte{"raw": data, "gzip": raw, "events": events}
	for _, mode := range []string{"raw", "gzip", "events"} {
		b.Run(largest+"/"+mode, func(b *testing.B) {
			in := inputs[mode]
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			events := 0
			start := time.Now()
			for b.Loop() {
				r, err := NewReader(bytes.NewReader(in))
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := r.Next(); err != nil {
						if !errors.Is(err, io.EOF) {
							b.Fatal(err)
						}
						break
					}
					events++
				}
			}
			b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
			b.ReportMetric(float64(events)/float64(b.N), "events/op")
		})
	}
}
