package procfs

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// readFDs reads the fd table of a process from /proc/P/fd:
//
//   - a path naming a regular file or device: FDFileV2 with the path, the
//     open flags of /proc/P/fdinfo/N (as PPM_O_* flags) and the device
//     (major<<20|minor); a directory: FDDirectory; a named pipe: FDFifo;
//   - "pipe:[INO]": FDFifo named by the link text;
//   - "socket:[INO]": looked up in the process's network namespace's
//     /proc/P/net/{tcp,tcp6,udp,udp6,unix,netlink} (see net.go); sockets in
//     none of them (raw, packet, ...) are FDUnknown;
//   - "anon_inode:[eventfd]" and friends: FDEvent, FDSignalfd, FDEventpoll,
//     FDInotify, FDTimerfd, FDBPF, FDUserfaultfd, FDIOUring, FDPidfd, named
//     by the link text; other anonymous inodes are FDUnsupported;
//   - "/memfd:NAME (deleted)": FDMemfd.
//
// Ino is the inode of the fd's file (from the link text or a stat).
func (s *Scanner) readFDs(snap *Snapshot, p *process) []scap.FD {
	dir := filepath.Join(p.dir, "fd")
	nums, err := s.listIDs(dir)
	if err != nil {
		if !vanished(err) && !strings.Contains(err.Error(), "permission denied") {
			snap.Stats.Errors++
			s.log.Debug("procfs: listing fds", "pid", p.pid, "err", err)
		}
		return nil
	}
	fds := make([]scap.FD, 0, len(nums))
	for _, num := range nums {
		path := filepath.Join(dir, strconv.FormatInt(num, 10))
		link, err := s.readlink(path)
		if err != nil {
			continue // closed meanwhile
		}
		f := scap.FD{Num: num}
		if s.classify(&f, p, link, path) {
			fds = append(fds, f)
		}
	}
	return fds
}

// anonKind maps an anonymous inode name to an fd kind.
func anonKind(name string) scap.FDType {
	switch name {
	case "[eventfd]":
		return scap.FDEvent
	case "[signalfd]":
		return scap.FDSignalfd
	case "[eventpoll]":
		return scap.FDEventpoll
	case "inotify":
		return scap.FDInotify
	case "[timerfd]":
		return scap.FDTimerfd
	case "[userfaultfd]":
		return scap.FDUserfaultfd
	case "[io_uring]":
		return scap.FDIOUring
	case "[pidfd]":
		return scap.FDPidfd
	}
	if strings.HasPrefix(name, "bpf") { // bpf-map, bpf-prog, bpf_link, ...
		return scap.FDBPF
	}
	return scap.FDUnsupported
}

// classify fills an fd from its link text; false drops it (gone).
func (s *Scanner) classify(f *scap.FD, p *process, link, path string) bool {
	switch {
	case strings.HasPrefix(link, "socket:["):
		f.Ino = linkIno(link)
		s.socket(f, p)
		return true
	case strings.HasPrefix(link, "pipe:["):
		f.Type, f.Name, f.Ino = scap.FDFifo, link, linkIno(link)
		return true
	case strings.HasPrefix(link, "anon_inode:"):
		name := link[len("anon_inode:"):]
		f.Type, f.Name = anonKind(name), link
		var st syscall.Stat_t
		if syscall.Stat(path, &st) == nil {
			f.Ino = st.Ino
		}
		return true
	case strings.HasPrefix(link, "/memfd:"):
		f.Type, f.Name = scap.FDMemfd, link
		var st syscall.Stat_t
		if syscall.Stat(path, &st) == nil {
			f.Ino = st.Ino
		}
		return true
	}
	f.Name = link
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		if vanished(err) && !strings.HasSuffix(link, " (deleted)") {
			return false
		}
		f.Type = scap.FDFileV2 // deleted or unreachable file: still a file
		return true
	}
	f.Ino = st.Ino
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		f.Type = scap.FDDirectory
	case syscall.S_IFIFO:
		f.Type = scap.FDFifo
	default:
		f.Type = scap.FDFileV2
		f.Dev = scapDev(uint64(st.Dev))
		f.OpenFlags = s.openFlags(p, f.Num)
	}
	return true
}

// linkIno parses the number of "kind:[INO]".
func linkIno(link string) uint64 {
	i, j := strings.IndexByte(link, '['), strings.LastIndexByte(link, ']')
	if i < 0 || j < i {
		return 0
	}
	v, _ := strconv.ParseUint(link[i+1:j], 10, 64)
	return v
}

// openFlags reads the flags of an fd from /proc/P/fdinfo/N and converts
// them to PPM_O_* flags; 0 when unreadable.
func (s *Scanner) openFlags(p *process, num int64) uint32 {
	b, err := s.read(filepath.Join(p.dir, "fdinfo", strconv.FormatInt(num, 10)))
	if err != nil {
		return 0
	}
	i := bytes.Index(b, []byte("flags:"))
	if i < 0 {
		return 0
	}
	f := bytes.TrimLeft(b[i+len("flags:"):], " \t")
	if j := bytes.IndexByte(f, '\n'); j >= 0 {
		f = f[:j]
	}
	v, err := strconv.ParseUint(string(f), 8, 32)
	if err != nil {
		return 0
	}
	return ppmOpenFlags(uint32(v))
}

// Linux open flags (x86-64 and most architectures).
const (
	oWronly    = 0o1
	oRdwr      = 0o2
	oCreat     = 0o100
	oExcl      = 0o200
	oTrunc     = 0o1000
	oAppend    = 0o2000
	oNonblock  = 0o4000
	oDsync     = 0o10000
	oDirect    = 0o40000
	oLargefile = 0o100000
	oDirectory = 0o200000
	oCloexec   = 0o2000000
	oSync      = 0o4010000
	oTmpfile   = 0o20200000
)

// ppmOpenFlags converts Linux open flags to the driver's PPM_O_* flags.
func ppmOpenFlags(v uint32) uint32 {
	var out uint32
	switch v & 3 {
	case 0:
		out = 1 // PPM_O_RDONLY
	case oWronly:
		out = 2
	case oRdwr:
		out = 3
	}
	pairs := [...]struct{ linux, ppm uint32 }{
		{oCreat, 1 << 2}, {oAppend, 1 << 3}, {oExcl, 1 << 5}, {oNonblock, 1 << 6},
		{oTrunc, 1 << 8}, {oDirect, 1 << 9}, {oLargefile, 1 << 11}, {oCloexec, 1 << 12},
	}
	for _, pr := range pairs {
		if v&pr.linux != 0 {
			out |= pr.ppm
		}
	}
	switch {
	case v&oTmpfile == oTmpfile:
		out |= 1 << 13
	case v&oDirectory != 0:
		out |= 1 << 10
	}
	switch {
	case v&oSync == oSync:
		out |= 1 << 7
	case v&oDsync != 0:
		out |= 1 << 4
	}
	return out
}

// scapDev converts a stat device number to the driver's encoding
// (major<<20 | minor).
func scapDev(dev uint64) uint32 {
	major := (dev>>8)&0xfff | (dev>>32)&^uint64(0xfff)
	minor := dev&0xff | (dev>>12)&^uint64(0xff)
	return uint32(major<<20 | minor&0xfffff)
}
