package scap

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Writer version: the section header announces 1.2, what current libscap
// writers use; the blocks written are the newest of each kind the Reader
// (and sysdig) read: machine info, process list v9, fd list v2, user list
// v2, interface list v2 and v2 event blocks.
const (
	writeMajor = 1
	writeMinor = 2

	machineInfoLen = 4 + 8 + 8 + 128 + 4*8 // libscap's packed scap_machine_info
)

// Snapshot is the state stored at the start of a capture: what the process
// and fd tables looked like when recording began.
type Snapshot struct {
	Machine    Machine
	Threads    map[int64]*Thread
	FDs        map[int64][]FD
	Users      []User
	Groups     []Group
	Interfaces []Interface
}

// Writer writes a .scap capture: a section header, the metadata blocks of
// a Snapshot, then one block per event. It is not safe for concurrent use.
type Writer struct {
	bw    *bufio.Writer
	gz    *gzip.Writer
	file  *os.File
	block []byte // scratch for the block being built
	off   int64
	err   error // sticky
}

// Create creates a capture file at path; names ending in ".gz" are
// gzip-compressed, as "sysdig -z" writes them.
func Create(path string, snap *Snapshot) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating capture: %w", err)
	}
	w, err := newWriter(f, strings.HasSuffix(path, ".gz"), snap)
	if err != nil {
		f.Close()
		return nil, err
	}
	w.file = f
	return w, nil
}

// NewWriter writes an uncompressed capture to out, starting with snap.
func NewWriter(out io.Writer, snap *Snapshot) (*Writer, error) {
	return newWriter(out, false, snap)
}

func newWriter(out io.Writer, compress bool, snap *Snapshot) (*Writer, error) {
	w := &Writer{}
	if compress {
		w.gz = gzip.NewWriter(out)
		out = w.gz
	}
	w.bw = bufio.NewWriterSize(out, 256<<10)
	if snap == nil {
		snap = &Snapshot{}
	}
	w.writeHeader(snap)
	if w.err != nil {
		return nil, fmt.Errorf("writing capture header: %w", w.err)
	}
	return w, nil
}

// Offset returns the number of (uncompressed) bytes written so far.
func (w *Writer) Offset() int64 { return w.off }

// WriteEvent writes one event given in the v2 wire layout (the form
// DecodeEvent reads and the live capture produces), captured on cpu.
func (w *Writer) WriteEvent(cpu uint16, raw []byte) error {
	if w.err != nil {
		return w.err
	}
	if len(raw) < evHeaderV2 {
		return fmt.Errorf("scap: event of %d bytes shorter than its header", len(raw))
	}
	typ := uint32(blockEVv2)
	if info := lookupInfo(u16(raw[20:])); info != nil && info.Large {
		typ = blockEVv2Large
	}
	b := w.begin(typ)
	b = binary.LittleEndian.AppendUint16(b, cpu)
	b = append(b, raw[:u32(raw[16:])]...)
	w.end(b)
	return w.err
}

// WriteDecoded encodes a decoded event (as a Reader returns it) and writes
// it; the way to copy or filter an existing capture.
func (w *Writer) WriteDecoded(ev *Event) error {
	raw := AppendEvent(nil, ev)
	return w.WriteEvent(ev.CPU, raw)
}

// AppendEvent appends ev in the v2 wire layout to dst: the 26-byte header,
// the parameter lengths (32-bit for large-payload events) and the values.
func AppendEvent(dst []byte, ev *Event) []byte {
	lsz := 2
	if info := lookupInfo(ev.Type); info != nil && info.Large {
		lsz = 4
	}
	n := evHeaderV2 + lsz*len(ev.Params)
	for _, p := range ev.Params {
		n += len(p)
	}
	dst = binary.LittleEndian.AppendUint64(dst, ev.TS)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(ev.TID))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	dst = binary.LittleEndian.AppendUint16(dst, ev.Type)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(ev.Params)))
	for _, p := range ev.Params {
		if lsz == 4 {
			dst = binary.LittleEndian.AppendUint32(dst, uint32(len(p)))
		} else {
			dst = binary.LittleEndian.AppendUint16(dst, uint16(len(p)))
		}
	}
	for _, p := range ev.Params {
		dst = append(dst, p...)
	}
	return dst
}

// Flush writes buffered blocks to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("scap: writing: %w", err)
	}
	return w.err
}

// Close flushes the capture and closes the file Create opened.
func (w *Writer) Close() error {
	err := w.Flush()
	if w.gz != nil {
		if cerr := w.gz.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("scap: compressing: %w", cerr)
		}
	}
	if w.file != nil {
		if cerr := w.file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("scap: closing: %w", cerr)
		}
	}
	return err
}

// begin starts a block of type typ in the scratch buffer.
func (w *Writer) begin(typ uint32) []byte {
	b := w.block[:0]
	b = binary.LittleEndian.AppendUint32(b, typ)
	return binary.LittleEndian.AppendUint32(b, 0) // length, set by end
}

// end pads the block to 4 bytes, sets its length in the header and the
// trailer, and writes it.
func (w *Writer) end(b []byte) {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	total := uint32(len(b) + 4)
	binary.LittleEndian.PutUint32(b[4:], total)
	b = binary.LittleEndian.AppendUint32(b, total)
	w.block = b
	if w.err != nil {
		return
	}
	if _, err := w.bw.Write(b); err != nil {
		w.err = fmt.Errorf("scap: writing: %w", err)
	}
	w.off += int64(len(b))
}

// writeHeader writes the section header and the metadata blocks.
func (w *Writer) writeHeader(s *Snapshot) {
	b := w.begin(blockSHB)
	b = binary.LittleEndian.AppendUint32(b, shbMagic)
	b = binary.LittleEndian.AppendUint16(b, writeMajor)
	b = binary.LittleEndian.AppendUint16(b, writeMinor)
	b = binary.LittleEndian.AppendUint64(b, ^uint64(0)) // section length unknown
	w.end(b)
	w.end(appendMachine(w.begin(blockMI), s.Machine))
	w.end(appendProcList(w.begin(blockPLv9), s.Threads))
	for _, tid := range sortedTIDs(s.FDs) {
		w.end(appendFDList(w.begin(blockFDLv2), tid, s.FDs[tid]))
	}
	w.end(appendIfList(w.begin(blockILv2), s.Interfaces))
	w.end(appendUserList(w.begin(blockULv2), s.Users, s.Groups))
}

func sortedTIDs[V any](m map[int64]V) []int64 {
	tids := make([]int64, 0, len(m))
	for tid := range m {
		tids = append(tids, tid)
	}
	sort.Slice(tids, func(i, j int) bool { return tids[i] < tids[j] })
	return tids
}
