// Package scap reads Falco/sysdig ".scap" capture files.
//
// A capture is a pcap-ng-like sequence of blocks, each framed as
//
//	[u32 block type][u32 total length] body... [u32 total length]
//
// starting with a section header block (byte-order magic and format version),
// followed by metadata blocks (machine info, process list, fd lists, user and
// interface lists) and event blocks. Gzip-compressed captures (as written by
// "sysdig -z") are decompressed transparently. Byte offsets in errors refer to
// the decompressed stream.
//
// Only little-endian captures with major version 1 are supported, which is
// what every libscap/sysdig release writes.
package scap

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Block type codes. The *Int values are the pre-release numbers that libscap
// still accepts for backward compatibility.
const (
	blockSHB        = 0x0A0D0D0A
	blockMI         = 0x201
	blockMIInt      = 0x8002ABCD
	blockPLv1       = 0x202
	blockPLv1Int    = 0x8000ABCD
	blockPLv2       = 0x207
	blockPLv2Int    = 0x8013ABCD
	blockPLv3       = 0x209
	blockPLv3Int    = 0x8014ABCD
	blockPLv4       = 0x210
	blockPLv5       = 0x211
	blockPLv6       = 0x212
	blockPLv7       = 0x213
	blockPLv8       = 0x214
	blockPLv9       = 0x215
	blockFDL        = 0x203
	blockFDLInt     = 0x8001ABCD
	blockFDLv2      = 0x218
	blockEV         = 0x204
	blockEVInt      = 0x8010ABCD
	blockEVv2       = 0x216
	blockEVv2Large  = 0x221
	blockEVF        = 0x208
	blockEVFv2      = 0x217
	blockEVFv2Large = 0x222
	blockIL         = 0x205
	blockILInt      = 0x8011ABCD
	blockILv2       = 0x219
	blockUL         = 0x206
	blockULInt      = 0x8012ABCD
	blockULv2       = 0x220
)

const (
	shbMagic        = 0x1A2B3C4D // byte-order magic as read on a little-endian host
	shbMagicSwapped = 0x4D3C2B1A // the same magic written by a big-endian host
	supportedMajor  = 1

	// MaxBlockLen is the largest block accepted; longer blocks are rejected
	// as corrupt instead of being allocated.
	MaxBlockLen = 256 << 20
	// MaxParams is the largest parameter count accepted in one event.
	MaxParams = 512

	evHeaderV1 = 22 // ts u64, tid u64, len u32, type u16
	evHeaderV2 = 26 // ... plus nparams u32

	typeNotificationE   = 280 // PPME_NOTIFICATION_E
	typeInfrastructureE = 286 // PPME_INFRASTRUCTURE_EVENT_E

	readBufSize = 16 << 10
	growStep    = 64 << 10 // largest first buffer growth before data is confirmed
)

// u16 decodes a little-endian uint16.
func u16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }

// u32 decodes a little-endian uint32.
func u32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

// u64 decodes a little-endian uint64.
func u64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// Event is one decoded event. The Reader reuses the same Event (and the
// memory its Params point into) on every call to Next.
type Event struct {
	Num    uint64   // 1-based position among the event blocks of the capture
	TS     uint64   // timestamp, nanoseconds since the epoch
	TID    int64    // thread id
	CPU    uint16   // CPU the event was captured on
	Type   uint16   // libscap event type code (PPME_*)
	Flags  uint32   // dump flags of EVF blocks, 0 otherwise
	Params [][]byte // raw parameter values in wire order (slices into an internal buffer)
}

// Name returns the event name ("open", "execve", ...) or "unknown".
func (e *Event) Name() string { n, _ := EventName(e.Type); return n }

// Dir returns '>' for enter events, '<' for exit events, '?' if unknown.
func (e *Event) Dir() byte { _, d := EventName(e.Type); return d }

// Reader decodes a .scap stream. It is not safe for concurrent use.
type Reader struct {
	br  *bufio.Reader
	gz  *gzip.Reader // non-nil for compressed input
	off int64        // offset of the next unread byte of the decompressed stream
	hdr [8]byte      // scratch for block headers
	buf []byte       // current block (after the 8-byte header, including trailer)

	major, minor uint16

	machine Machine
	threads map[int64]*Thread
	fds     map[int64][]FD
	users   []User
	groups  []Group
	ifaces  []Interface

	pending     bool // an event block read by NewReader waits in buf
	pendingType uint32
	pendingOff  int64
	pendingBody []byte

	ev  Event
	num uint64
	err error // sticky error (io.EOF at the end)
}

// closers closes several io.Closers in order and returns the first error.
type closers []io.Closer

// Close implements io.Closer.
func (cs closers) Close() error {
	var first error
	for _, c := range cs {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Open opens the capture at path. The returned Closer releases the file and
// must be called when done with the Reader.
func Open(path string) (*Reader, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("scap: %w", err)
	}
	r, err := NewReader(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	cs := closers{f}
	if r.gz != nil {
		cs = closers{r.gz, f}
	}
	return r, cs, nil
}

// NewReader reads the section header and all metadata blocks that precede
// the first event. It fails with a "not a .scap file" error when the input
// does not start with a section header, and with an "unsupported" error for
// big-endian captures or major versions other than 1. Gzip input is
// decompressed transparently.
func NewReader(in io.Reader) (*Reader, error) {
	r := &Reader{
		br:      bufio.NewReaderSize(in, readBufSize),
		threads: make(map[int64]*Thread),
		fds:     make(map[int64][]FD),
	}
	if magic, _ := r.br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(r.br)
		if err != nil {
			return nil, fmt.Errorf("scap: not a .scap file: bad gzip stream: %w", err)
		}
		r.gz = zr
		r.br = bufio.NewReaderSize(zr, readBufSize)
	}
	first, err := r.br.Peek(4)
	if len(first) == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, errors.New("scap: not a .scap file: empty input")
		}
		return nil, fmt.Errorf("scap: not a .scap file: %w", err)
	}
	if len(first) < 4 || u32(first) != blockSHB {
		return nil, fmt.Errorf("scap: not a .scap file: starts with % x, want a section header block", first)
	}
	typ, body, off, err := r.readBlock()
	if err != nil {
		return nil, err
	}
	if err := r.absorb(typ, body, off); err != nil {
		return nil, err
	}
	for {
		typ, body, off, err := r.readBlock()
		if errors.Is(err, io.EOF) {
			r.err = io.EOF
			return r, nil
		}
		if err != nil {
			return nil, err
		}
		if isEventBlock(typ) {
			r.pending, r.pendingType, r.pendingBody, r.pendingOff = true, typ, body, off
			return r, nil
		}
		if err := r.absorb(typ, body, off); err != nil {
			return nil, err
		}
	}
}

// Version returns the major and minor format version of the section header.
func (r *Reader) Version() (major, minor uint16) { return r.major, r.minor }

// Machine returns the machine info block (zero if the capture has none).
func (r *Reader) Machine() Machine { return r.machine }

// Threads returns the thread table built from process list blocks, keyed by
// thread id. The map is owned by the Reader and grows as blocks are read.
func (r *Reader) Threads() map[int64]*Thread { return r.threads }

// FDs returns the file descriptor tables from fd list blocks, keyed by
// thread id. The map is owned by the Reader.
func (r *Reader) FDs() map[int64][]FD { return r.fds }

// Users returns the users of the user list block.
func (r *Reader) Users() []User { return r.users }

// Groups returns the groups of the user list block.
func (r *Reader) Groups() []Group { return r.groups }

// Interfaces returns the network interfaces of the interface list block.
func (r *Reader) Interfaces() []Interface { return r.ifaces }

// Next returns the next event, absorbing any metadata blocks on the way. It
// returns io.EOF after the last event. The returned Event and its Params are
// only valid until the next call. After an error every later call returns
// the same error.
func (r *Reader) Next() (*Event, error) {
	if r.err != nil {
		return nil, r.err
	}
	for {
		var (
			typ  uint32
			body []byte
			off  int64
		)
		if r.pending {
			r.pending = false
			typ, body, off = r.pendingType, r.pendingBody, r.pendingOff
			r.pendingBody = nil
		} else {
			var err error
			if typ, body, off, err = r.readBlock(); err != nil {
				r.err = err
				return nil, err
			}
		}
		if isEventBlock(typ) {
			if err := r.parseEvent(typ, body); err != nil {
				r.err = fmt.Errorf("scap: block at offset %d (event): %w", off, err)
				return nil, r.err
			}
			return &r.ev, nil
		}
		if err := r.absorb(typ, body, off); err != nil {
			r.err = err
			return nil, err
		}
	}
}

// readBlock reads one block and returns its type, its body (without header
// and trailer) and its offset. A clean end of input before a block returns
// io.EOF.
func (r *Reader) readBlock() (uint32, []byte, int64, error) {
	start := r.off
	n, err := io.ReadFull(r.br, r.hdr[:])
	r.off += int64(n)
	if err != nil {
		if errors.Is(err, io.EOF) && n == 0 {
			return 0, nil, start, io.EOF
		}
		return 0, nil, start, fmt.Errorf("scap: block at offset %d: truncated block header (%d of 8 bytes): %w", start, n, io.ErrUnexpectedEOF)
	}
	typ, total := u32(r.hdr[0:]), u32(r.hdr[4:])
	if total < 12 {
		return 0, nil, start, fmt.Errorf("scap: block at offset %d: length %d shorter than a block header and trailer (12 bytes)", start, total)
	}
	if total > MaxBlockLen {
		return 0, nil, start, fmt.Errorf("scap: block at offset %d: length %d exceeds the %d-byte limit", start, total, MaxBlockLen)
	}
	need := int(total) - 8
	if err := r.fill(need); err != nil {
		return 0, nil, start, fmt.Errorf("scap: block at offset %d: type 0x%x, length %d: %w", start, typ, total, err)
	}
	if trailer := u32(r.buf[need-4:]); trailer != total {
		return 0, nil, start, fmt.Errorf("scap: block at offset %d: trailer length %d does not match header length %d", start, trailer, total)
	}
	return typ, r.buf[:need-4], start, nil
}

// fill reads exactly need bytes into r.buf. The buffer grows at most
// growStep (or its own size) ahead of the data actually read, so a hostile
// length field cannot force a large allocation on a short input.
func (r *Reader) fill(need int) error {
	r.buf = r.buf[:0]
	for len(r.buf) < need {
		chunk := need - len(r.buf)
		if len(r.buf)+chunk > cap(r.buf) {
			if limit := max(cap(r.buf), growStep); chunk > limit {
				chunk = limit
			}
			grown := make([]byte, len(r.buf), len(r.buf)+chunk)
			copy(grown, r.buf)
			r.buf = grown
		}
		m, err := io.ReadFull(r.br, r.buf[len(r.buf):len(r.buf)+chunk])
		r.buf = r.buf[:len(r.buf)+m]
		r.off += int64(m)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("truncated: got %d of %d body bytes: %w", len(r.buf), need, io.ErrUnexpectedEOF)
			}
			return fmt.Errorf("reading body: %w", err)
		}
	}
	return nil
}

// isEventBlock reports whether typ is one of the event block types.
func isEventBlock(typ uint32) bool {
	switch typ {
	case blockEV, blockEVInt, blockEVv2, blockEVv2Large, blockEVF, blockEVFv2, blockEVFv2Large:
		return true
	}
	return false
}

// parseEvent decodes an event block body into r.ev.
func (r *Reader) parseEvent(typ uint32, body []byte) error {
	v2, withFlags := false, false
	switch typ {
	case blockEVv2, blockEVv2Large:
		v2 = true
	case blockEVFv2, blockEVFv2Large:
		v2, withFlags = true, true
	case blockEVF:
		withFlags = true
	}
	pre, hdrLen := 2, evHeaderV1
	if withFlags {
		pre = 6
	}
	if v2 {
		hdrLen = evHeaderV2
	}
	if len(body) < pre+hdrLen {
		return fmt.Errorf("body of %d bytes too short for an event header (%d bytes)", len(body), pre+hdrLen)
	}
	e := &r.ev
	e.CPU = u16(body)
	e.Flags = 0
	if withFlags {
		e.Flags = u32(body[2:])
	}
	ev := body[pre:]
	e.TS = u64(ev)
	e.TID = int64(u64(ev[8:]))
	elen := u32(ev[16:])
	e.Type = u16(ev[20:])
	if v1Quirk := !v2 && (e.Type == typeNotificationE || e.Type == typeInfrastructureE); v1Quirk && elen >= 3 {
		// Old writers recorded these two events with a length 3 bytes too long.
		elen -= 3
	}
	if elen < uint32(hdrLen) || uint64(elen) > uint64(len(ev)) {
		return fmt.Errorf("event type %d: length %d outside [%d, %d]", e.Type, elen, hdrLen, len(ev))
	}
	ev = ev[:elen]
	info := lookupInfo(e.Type)
	e.Params = e.Params[:0]
	if !v2 {
		n := v1ParamCount(ev, info)
		if n < 0 {
			return fmt.Errorf("event type %d: cannot determine the parameter count of a v1 event of %d bytes", e.Type, elen)
		}
		data := evHeaderV1 + 2*n
		for i := 0; i < n; i++ {
			l := int(u16(ev[evHeaderV1+2*i:]))
			e.Params = append(e.Params, ev[data:data+l:data+l])
			data += l
		}
		r.num++
		e.Num = r.num
		return nil
	}
	if err := decodeParams(ev, hdrLen, info, e); err != nil {
		return err
	}
	r.num++
	e.Num = r.num
	return nil
}

// DecodeEvent decodes one event in the v2 wire layout (the 26-byte header
// ts, tid, len, type, nparams; then the parameter lengths; then the values),
// which is what the live capture produces and what v2 event blocks hold
// after their CPU (and flags) prefix. ev.Params point into raw; Num, CPU
// and Flags are left to the caller.
func DecodeEvent(raw []byte, ev *Event) error {
	if len(raw) < evHeaderV2 {
		return fmt.Errorf("event of %d bytes shorter than its %d-byte header", len(raw), evHeaderV2)
	}
	ev.TS = u64(raw)
	ev.TID = int64(u64(raw[8:]))
	elen := u32(raw[16:])
	ev.Type = u16(raw[20:])
	if elen < evHeaderV2 || uint64(elen) > uint64(len(raw)) {
		return fmt.Errorf("event type %d: length %d outside [%d, %d]", ev.Type, elen, evHeaderV2, len(raw))
	}
	ev.Params = ev.Params[:0]
	return decodeParams(raw[:elen], evHeaderV2, lookupInfo(ev.Type), ev)
}

// decodeParams splits the parameters of a v2 event (header of hdrLen bytes)
// into e.Params.
func decodeParams(ev []byte, hdrLen int, info *Info, e *Event) error {
	nparams := u32(ev[22:])
	if nparams > MaxParams {
		return fmt.Errorf("event type %d: %d parameters exceed the limit of %d", e.Type, nparams, MaxParams)
	}
	lsz := 2
	if info != nil && info.Large {
		lsz = 4
	}
	data := hdrLen + int(nparams)*lsz
	if data > len(ev) {
		return fmt.Errorf("event type %d: %d parameter lengths do not fit in event length %d", e.Type, nparams, len(ev))
	}
	for i := 0; i < int(nparams); i++ {
		var l int
		if lsz == 4 {
			l64 := uint64(u32(ev[hdrLen+4*i:]))
			if l64 > uint64(len(ev)-data) {
				return fmt.Errorf("event type %d: parameter %d length %d exceeds event length %d", e.Type, i, l64, len(ev))
			}
			l = int(l64)
		} else {
			l = int(u16(ev[hdrLen+2*i:]))
		}
		if l > len(ev)-data {
			return fmt.Errorf("event type %d: parameter %d length %d exceeds event length %d", e.Type, i, l, len(ev))
		}
		e.Params = append(e.Params, ev[data:data+l:data+l])
		data += l
	}
	return nil
}

// v1ParamCount infers the parameter count of a v1 event (whose header has no
// nparams field): the largest n, starting from the schema's count, such that
// n u16 lengths followed by the values they describe exactly fill the event.
// It returns -1 when no count fits.
func v1ParamCount(ev []byte, info *Info) int {
	start := 32
	if info != nil {
		start = len(info.Params)
	}
	if most := (len(ev) - evHeaderV1) / 2; start > most {
		start = most
	}
	for n := start; n >= 0; n-- {
		end := evHeaderV1 + 2*n
		for i := 0; i < n && end <= len(ev); i++ {
			end += int(u16(ev[evHeaderV1+2*i:]))
		}
		if end == len(ev) {
			return n
		}
	}
	return -1
}
