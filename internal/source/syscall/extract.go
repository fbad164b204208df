package syscall

import (
	"encoding/binary"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// fieldFn extracts one field from a syscall event.
type fieldFn func(e *Event, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool)

// extractors are the syscall fields implemented over the event model; the
// others of the table read as missing.
func extractors() map[string]fieldFn {
	m := baseExtractors()
	processExtractors(m)
	fdExtractors(m)
	containerExtractors(m)
	return m
}

// baseExtractors are the event, identity, fd and container id fields.
func baseExtractors() map[string]fieldFn {
	return map[string]fieldFn{
		"evt.type": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			return e.str(dst, e.Raw.TypeName()), true
		},
		"syscall.type": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			return e.str(dst, e.Raw.TypeName()), true
		},
		"evt.dir": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			return e.str(dst, string(e.Info.Dir)), true
		},
		"evt.cpu": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			return append(dst, field.Value{N: uint64(e.Raw.CPU)}), true
		},
		"evt.args":   evtArgs,
		"evt.arg":    evtArg,
		"evt.rawarg": evtRawArg,
		"evt.res": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			res, ok := e.res()
			if !ok {
				return dst, false
			}
			if res < 0 {
				return e.str(dst, scap.ErrnoName(-res)), true
			}
			return e.str(dst, "SUCCESS"), true
		},
		"evt.rawres": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			res, ok := e.res()
			return append(dst, field.Value{N: uint64(res)}), ok
		},
		"evt.failed": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			res, ok := e.res()
			return boolean(dst, ok && res < 0), true
		},
		"evt.is_open_read":  openFlag(1),
		"evt.is_open_write": openFlag(2),
		"proc.name":         thread(func(t *Thread) (string, bool) { return t.Comm, true }),
		"proc.exe":          thread(func(t *Thread) (string, bool) { return t.Exe, true }),
		"proc.exepath":      thread(func(t *Thread) (string, bool) { return t.ExePath, true }),
		"proc.cwd": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			t := e.Thread
			if t == nil || t.Comm == "" {
				return dst, false
			}
			// libsinsp keeps working directories with a trailing slash.
			start := len(e.scratch)
			e.scratch = append(e.scratch, t.Cwd...)
			if n := len(e.scratch); n == start || e.scratch[n-1] != '/' {
				e.scratch = append(e.scratch, '/')
			}
			return append(dst, field.Value{B: e.scratch[start:len(e.scratch):len(e.scratch)]}), true
		},
		"proc.args":    threadJoin(func(t *Thread) (string, []string) { return "", t.Args }),
		"proc.cmdline": threadJoin(func(t *Thread) (string, []string) { return t.Comm, t.Args }),
		"proc.pid":     threadNum(func(t *Thread) int64 { return t.PID }),
		"thread.tid":   threadNum(func(t *Thread) int64 { return t.TID }),
		"proc.ppid": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			if e.Thread == nil {
				return dst, false
			}
			// The process id of the parent process (libsinsp's ancestor
			// process), or the recorded parent thread id when it is gone.
			if p := e.parent(e.Thread); p != nil {
				return append(dst, field.Value{N: uint64(p.PID)}), true
			}
			return append(dst, field.Value{N: uint64(e.State.parentTID(e.Thread))}), true // -1 when unknown
		},
		"proc.pname": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			if p := e.parent(e.Thread); p != nil {
				return e.str(dst, p.Comm), true
			}
			return dst, false
		},
		"proc.pcmdline": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			if p := e.parent(e.Thread); p != nil {
				return append(dst, e.joinValue(p.Comm, p.Args)), true
			}
			return dst, false
		},
		"proc.aname": ancestors(func(e *Event, t *Thread) field.Value { return e.strValue(t.Comm) }),
		"proc.apid":  ancestors(func(_ *Event, t *Thread) field.Value { return field.Value{N: uint64(t.PID)} }),
		"fd.num": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			if f := e.FD(); f != nil {
				return append(dst, field.Value{N: uint64(f.Num)}), true
			}
			return dst, false
		},
		"fd.name": fdString(func(f *FD) (string, bool) { return f.Name, f.Name != "" }),
		"fd.typechar": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			f := e.FD()
			if f == nil {
				return dst, false
			}
			start := len(e.scratch)
			e.scratch = append(e.scratch, f.Type)
			return append(dst, field.Value{B: e.scratch[start:len(e.scratch):len(e.scratch)]}), true
		},
		"fd.type": fdString(func(f *FD) (string, bool) { return fdTypeName(f.Type), true }),
		"fd.filename": fdString(func(f *FD) (string, bool) {
			return path.Base(f.Name), (f.Type == 'f' || f.Type == 'd') && f.Name != ""
		}),
		"fd.directory": fdString(func(f *FD) (string, bool) {
			return path.Dir(f.Name), (f.Type == 'f' || f.Type == 'd') && f.Name != ""
		}),
		"fd.cport": fdNum(func(f *FD) (uint64, bool) {
			return uint64(f.CPort), (f.Type == '4' || f.Type == '6') && f.CIP.IsValid()
		}),
		"fd.sport": fdNum(func(f *FD) (uint64, bool) {
			return uint64(f.SPort), (f.Type == '4' || f.Type == '6') && f.SIP.IsValid()
		}),
		"fd.cip":  fdIP(func(f *FD) []netip.Addr { return []netip.Addr{f.CIP} }),
		"fd.sip":  fdIP(func(f *FD) []netip.Addr { return []netip.Addr{f.SIP} }),
		"fd.cnet": fdIP(func(f *FD) []netip.Addr { return []netip.Addr{f.CIP} }),
		"fd.snet": fdIP(func(f *FD) []netip.Addr { return []netip.Addr{f.SIP} }),
		"fd.net":  fdIP(func(f *FD) []netip.Addr { return []netip.Addr{f.CIP, f.SIP} }),
		"container.id": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			if e.Thread == nil {
				return dst, false
			}
			if e.Thread.ContainerID == "" {
				return e.str(dst, "host"), true
			}
			return e.str(dst, e.Thread.ContainerID[:12]), true
		},
		"container.full_id": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			if e.Thread == nil {
				return dst, false
			}
			if e.Thread.ContainerID == "" {
				return e.str(dst, "host"), true
			}
			return e.str(dst, e.Thread.ContainerID), true
		},
		"container.type": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			if e.Thread == nil || e.Thread.ContainerID == "" {
				return dst, false
			}
			return e.str(dst, e.Thread.ContainerRuntime), true
		},
		"user.uid": threadNum(func(t *Thread) int64 { return int64(t.UID) }),
		"user.name": func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			if e.Thread == nil {
				return dst, false
			}
			if e.Thread.UID == unknownID {
				return dst, false
			}
			return e.str(dst, e.State.idName(e.Thread, e.Thread.UID, false, e.TS)), true
		},
		"user.loginuid": threadNum(func(t *Thread) int64 { return int64(int32(t.LoginUID)) }),
		"group.gid":     threadNum(func(t *Thread) int64 { return int64(t.GID) }),
	}
}

// withExtractors binds the implemented fields' extractors to the descriptors.
func withExtractors(descs []field.Desc) []field.Desc {
	fns := extractors()
	for i := range descs {
		fn, ok := fns[descs[i].Name]
		if !ok {
			continue
		}
		descs[i].New = func(arg string, hasArg bool) (field.Extractor, error) {
			return field.ExtractorFunc(func(ev event.Event, dst []field.Value) ([]field.Value, bool) {
				e, ok := ev.(*Event)
				if !ok {
					return dst, false
				}
				return fn(e, dst, arg, hasArg)
			}), nil
		}
	}
	return descs
}

// str appends a text value, copied into the event's scratch buffer (no
// allocation once the buffer has grown).
func (e *Event) str(dst []field.Value, s string) []field.Value {
	start := len(e.scratch)
	e.scratch = append(e.scratch, s...)
	return append(dst, field.Value{B: e.scratch[start:len(e.scratch):len(e.scratch)]})
}

// joinValue renders head and parts joined by spaces (head left out when
// empty) into the scratch buffer.
func (e *Event) joinValue(head string, parts []string) field.Value {
	start := len(e.scratch)
	e.scratch = append(e.scratch, head...)
	for _, p := range parts {
		if len(e.scratch) > start {
			e.scratch = append(e.scratch, ' ')
		}
		e.scratch = append(e.scratch, p...)
	}
	return field.Value{B: e.scratch[start:len(e.scratch):len(e.scratch)]}
}

// threadJoin extracts a thread's text made of a head and parts.
func threadJoin(get func(*Thread) (string, []string)) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil || e.Thread.Comm == "" {
			return dst, false
		}
		head, parts := get(e.Thread)
		return append(dst, e.joinValue(head, parts)), true
	}
}

// strValue returns a text value copied into the event's scratch buffer.
func (e *Event) strValue(s string) field.Value {
	start := len(e.scratch)
	e.scratch = append(e.scratch, s...)
	return field.Value{B: e.scratch[start:len(e.scratch):len(e.scratch)]}
}

func boolean(dst []field.Value, b bool) []field.Value {
	if b {
		return append(dst, field.Value{N: 1})
	}
	return append(dst, field.Value{N: 0})
}

func thread(get func(*Thread) (string, bool)) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil {
			return dst, false
		}
		if e.Thread.Comm == "" { // a thread known only by its id
			return dst, false
		}
		s, ok := get(e.Thread)
		if !ok {
			return dst, false
		}
		return e.str(dst, s), true
	}
}

func threadNum(get func(*Thread) int64) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		if e.Thread == nil {
			return dst, false
		}
		return append(dst, field.Value{N: uint64(get(e.Thread))}), true
	}
}

func fdString(get func(*FD) (string, bool)) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		f := e.FD()
		if f == nil {
			return dst, false
		}
		s, ok := get(f)
		if !ok {
			return dst, false
		}
		return e.str(dst, s), true
	}
}

func fdNum(get func(*FD) (uint64, bool)) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		f := e.FD()
		if f == nil {
			return dst, false
		}
		n, ok := get(f)
		if !ok {
			return dst, false
		}
		return append(dst, field.Value{N: n}), true
	}
}

// fdIP extracts socket addresses (as 4 or 16 bytes) of IPv4/IPv6 fds.
func fdIP(get func(*FD) []netip.Addr) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		f := e.FD()
		if f == nil || (f.Type != '4' && f.Type != '6') {
			return dst, false
		}
		n := len(dst)
		for _, a := range get(f) {
			if a.IsValid() {
				dst = append(dst, field.Value{B: a.AsSlice()})
			}
		}
		return dst, len(dst) > n
	}
}

// ancestors extracts one ancestor (proc.aname[N], 1 = parent) or, without
// an index, every ancestor (matched as "any").
func ancestors(get func(*Event, *Thread) field.Value) fieldFn {
	return func(e *Event, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool) {
		n := -1
		if hasArg {
			n, _ = strconv.Atoi(arg)
		}
		t := e.Thread
		if n == 0 {
			if t == nil {
				return dst, false
			}
			return append(dst, get(e, t)), true
		}
		start := len(dst)
		for depth := 1; t != nil && depth < 64; depth++ {
			t = e.parent(t)
			if t == nil {
				break
			}
			if n < 0 {
				dst = append(dst, get(e, t))
			} else if depth == n {
				return append(dst, get(e, t)), true
			}
		}
		return dst, n < 0 && len(dst) > start
	}
}

// openFlag tests PPM open flags (1 read, 2 write) of an open-family exit.
func openFlag(bit uint32) fieldFn {
	return func(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		switch e.Info.Name {
		case "open", "openat", "openat2", "creat":
		default:
			return boolean(dst, false), true
		}
		if e.Info.Name == "creat" {
			return boolean(dst, bit == 2), true
		}
		i := e.paramIndex("flags")
		if i < 0 || e.Info.Dir != '<' {
			return boolean(dst, false), true
		}
		v, _ := intOf(e.Raw.Params[i])
		return boolean(dst, uint32(v)&bit != 0), true
	}
}

// res returns the event's return value.
func (e *Event) res() (int64, bool) { return result(e.Raw, &e.Info) }

// evtArgs renders every parameter as name=value, as sysdig prints them.
func evtArgs(e *Event, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	var b strings.Builder
	for i, p := range e.Info.Params {
		if i >= len(e.Raw.Params) {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.Name)
		b.WriteByte('=')
		b.WriteString(e.formatParam(i))
	}
	return e.str(dst, b.String()), true
}

// evtArg renders one parameter, by name or by position; named flags print
// as their names alone (O_RDONLY|O_CLOEXEC), as libsinsp does.
func evtArg(e *Event, dst []field.Value, arg string, _ bool) ([]field.Value, bool) {
	i := e.argIndex(arg)
	if i < 0 {
		return dst, false
	}
	if v, ok := uintOf(e.Raw.Params[i]); ok && scap.HasFlagNames(e.Info.Name, e.Info.Params[i].Name) {
		start := len(e.scratch)
		var named bool
		if e.scratch, named = scap.AppendFlagNames(e.scratch, e.Info.Name, e.Info.Params[i].Name, v); named {
			return append(dst, field.Value{B: e.scratch[start:len(e.scratch):len(e.scratch)]}), true
		}
	}
	return e.str(dst, e.formatParam(i)), true
}

func evtRawArg(e *Event, dst []field.Value, arg string, _ bool) ([]field.Value, bool) {
	i := e.argIndex(arg)
	if i < 0 {
		return dst, false
	}
	raw := e.Raw.Params[i]
	switch e.Info.Params[i].Type {
	case scap.CharBuf, scap.FsPath, scap.ByteBuf, scap.CharBufArray:
		return e.str(dst, strings.TrimRight(string(raw), "\x00")), true
	}
	if v, ok := intOf(raw); ok {
		return e.str(dst, strconv.FormatInt(v, 10)), true
	}
	return e.str(dst, string(raw)), true
}

func (e *Event) argIndex(arg string) int {
	if arg == "" || arg[0] < '0' || arg[0] > '9' {
		return e.paramIndex(arg) // a name (Atoi would allocate its error)
	}
	if n, err := strconv.Atoi(arg); err == nil {
		if n >= 0 && n < len(e.Raw.Params) && n < len(e.Info.Params) {
			return n
		}
		return -1
	}
	return e.paramIndex(arg)
}

// formatParam renders parameter i; fds carry their type and name as
// sysdig prints them: 3(<f>/etc/passwd).
func (e *Event) formatParam(i int) string {
	p := e.Info.Params[i]
	raw := e.Raw.Params[i]
	s := scap.FormatParam(p.Type, raw)
	if v, ok := uintOf(raw); ok && scap.HasFlagNames(e.Info.Name, p.Name) {
		if names, named := scap.AppendFlagNames(nil, e.Info.Name, p.Name, v); named {
			return s + "(" + string(names) + ")"
		}
	}
	if p.Type == scap.Fd && e.Thread != nil {
		if fd, ok := intOf(raw); ok {
			if f := e.Thread.fds[fd]; f != nil {
				return s + "(<" + string(f.Type) + ">" + f.Name + ")"
			}
		}
	}
	return s
}

// uintOf decodes a little-endian unsigned integer parameter of any width.
func uintOf(b []byte) (uint64, bool) {
	switch len(b) {
	case 1, 2, 4, 8:
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v, true
	}
	return 0, false
}

// intOf decodes a little-endian signed integer parameter.
func intOf(b []byte) (int64, bool) {
	switch len(b) {
	case 8:
		return int64(binary.LittleEndian.Uint64(b)), true
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(b))), true
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(b))), true
	case 1:
		return int64(int8(b[0])), true
	}
	return 0, false
}

// fdTypeName is fd.type for a type letter.
func fdTypeName(c byte) string {
	switch c {
	case 'f':
		return "file"
	case 'd':
		return "directory"
	case '4':
		return "ipv4"
	case '6':
		return "ipv6"
	case 'u':
		return "unix"
	case 'p':
		return "pipe"
	case 'e':
		return "event"
	case 's':
		return "signalfd"
	case 'l':
		return "eventpoll"
	case 'i':
		return "inotify"
	case 't':
		return "timerfd"
	case 'm':
		return "memfd"
	}
	return "unknown"
}
