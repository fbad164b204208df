package engine

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/condition"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
)

// opKind is a comparison operator.
type opKind uint8

const (
	opExists opKind = iota
	opEq
	opNe
	opLt
	opLe
	opGt
	opGe
	opContains
	opIContains
	opBContains
	opStartsWith
	opBStartsWith
	opEndsWith
	opGlob
	opIGlob
	opRegex
	opIn
	opIntersects
	opPmatch
)

var opsByName = map[string]opKind{
	"exists": opExists, "=": opEq, "==": opEq, "!=": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe,
	"contains": opContains, "icontains": opIContains, "bcontains": opBContains,
	"startswith": opStartsWith, "bstartswith": opBStartsWith, "endswith": opEndsWith,
	"glob": opGlob, "iglob": opIGlob, "regex": opRegex,
	"in": opIn, "intersects": opIntersects, "pmatch": opPmatch,
}

var opNames = func() map[opKind]string {
	m := map[opKind]string{}
	for k, v := range opsByName {
		if k != "==" {
			m[v] = k
		}
	}
	return m
}()

func (o opKind) String() string { return opNames[o] }
func (o opKind) isList() bool   { return o == opIn || o == opIntersects || o == opPmatch }
func (o opKind) takesModifier() bool {
	switch o {
	case opEq, opNe, opContains, opIContains, opBContains, opStartsWith, opBStartsWith, opEndsWith, opGlob, opIGlob, opRegex:
		return true
	}
	return false
}

// modKind is a list modifier: oneof, anyof, allof.
type modKind uint8

const (
	modNone modKind = iota
	modOneOf
	modAnyOf
	modAllOf
)

var modifiers = map[string]modKind{"": modNone, "oneof": modOneOf, "anyof": modAnyOf, "allof": modAllOf}

// typeClass names a field type family in operator errors, as Falco does.
func typeClass(o *operand) string {
	switch {
	case o.list:
		return "list"
	case o.typ.Numeric():
		return "numeric"
	case o.typ == field.Bool:
		return "boolean"
	case o.typ == field.IPAddr:
		return "IP address"
	case o.typ == field.IPNet:
		return "IP network"
	case o.typ == field.Bytes:
		return "buffer"
	}
	return "string"
}

// checkOperator rejects operators a field type does not support.
func checkOperator(left *operand, op opKind, hasMod bool) error {
	if hasMod && !op.takesModifier() {
		return fmt.Errorf("'%s' operator does not support list modifiers", op)
	}
	allowed := true
	switch {
	case op == opExists:
	case left.list:
		allowed = op == opIn || op == opIntersects
	case left.typ.Numeric():
		allowed = op <= opGe || op == opIn || op == opIntersects
	case left.typ == field.Bool, left.typ == field.IPAddr, left.typ == field.IPNet:
		allowed = op == opEq || op == opNe || op == opIn || op == opIntersects
	case left.typ == field.Bytes:
		switch op {
		case opEq, opNe, opContains, opBContains, opStartsWith, opBStartsWith, opEndsWith, opIn, opIntersects:
		default:
			allowed = false
		}
	default: // strings
		allowed = op != opBContains && op != opBStartsWith
	}
	if !allowed {
		return fmt.Errorf("'%s' operator not supported for %s filters", op, typeClass(left))
	}
	return nil
}

// checkNode is a compiled comparison.
type checkNode struct {
	left   *operand
	op     opKind
	mod    modKind
	right  *operand      // field on the right, or nil
	consts []field.Value // parsed constants
	strSet map[string]struct{}
	numSet map[uint64]struct{}
	res    []*regexp.Regexp
	pm     *pathMatcher
}

// setConstants parses the right-hand constants into the left field's type.
func (k *checkNode) setConstants(left *operand, vals []condition.Value) error {
	if !k.op.isList() && k.mod == modNone && len(vals) != 1 {
		return fmt.Errorf("operator '%s' takes a single value", k.op)
	}
	switch k.op {
	case opPmatch:
		k.pm = newPathMatcher(vals)
		return nil
	case opRegex:
		for _, v := range vals {
			re, err := regexp.Compile("^(?:" + v.Text + ")$")
			if err != nil {
				return fmt.Errorf("invalid regular expression '%s': %v", v.Text, err)
			}
			k.res = append(k.res, re)
		}
	}
	typ := left.typ
	if left.list && typ == field.IPNet {
		typ = field.IPAddr
	}
	for _, v := range vals {
		cv, err := parseConst(typ, k.op, v.Text)
		if err != nil {
			return err
		}
		k.consts = append(k.consts, cv)
	}
	if (k.op == opIn || k.op == opIntersects) && len(k.consts) > 6 && typ != field.IPNet {
		if typ.Numeric() || typ == field.Bool {
			k.numSet = make(map[uint64]struct{}, len(k.consts))
			for _, c := range k.consts {
				k.numSet[c.N] = struct{}{}
			}
		} else {
			k.strSet = make(map[string]struct{}, len(k.consts))
			for _, c := range k.consts {
				k.strSet[string(c.B)] = struct{}{}
			}
		}
	}
	if k.op == opIContains {
		for i := range k.consts {
			k.consts[i].B = bytes.ToLower(k.consts[i].B)
		}
	}
	return nil
}

// parseConst parses one constant for a field type.
func parseConst(t field.Type, op opKind, s string) (field.Value, error) {
	if op == opBContains || op == opBStartsWith {
		b, err := hex.DecodeString(s)
		if err != nil {
			return field.Value{}, fmt.Errorf("bcontains/bstartswith value is not a hex string: %s", s)
		}
		return field.Value{B: b}, nil
	}
	switch t {
	case field.String, field.Bytes:
		return field.Value{B: []byte(s)}, nil
	case field.Bool:
		switch s {
		case "true":
			return field.Value{N: 1}, nil
		case "false":
			return field.Value{N: 0}, nil
		}
		return field.Value{}, fmt.Errorf("'%s' is not a valid boolean value (true or false)", s)
	case field.Int64:
		n, err := parseInt(s)
		if err != nil {
			return field.Value{}, fmt.Errorf("'%s' is not a valid number", s)
		}
		return field.Value{N: uint64(n)}, nil
	case field.Double:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return field.Value{}, fmt.Errorf("'%s' is not a valid number", s)
		}
		return field.Value{N: math.Float64bits(f)}, nil
	case field.Uint64, field.Uint32, field.Port, field.RelTime, field.AbsTime:
		n, err := parseUint(s)
		if err != nil {
			return field.Value{}, fmt.Errorf("'%s' is not a valid number", s)
		}
		if (t == field.Port && n > math.MaxUint16) || (t == field.Uint32 && n > math.MaxUint32) {
			return field.Value{}, fmt.Errorf("'%s' is out of range for a %s field", s, t)
		}
		return field.Value{N: n}, nil
	case field.IPAddr:
		ip := net.ParseIP(s)
		if ip == nil {
			return field.Value{}, fmt.Errorf("'%s' is not a valid IP address", s)
		}
		if v4 := ip.To4(); v4 != nil && !strings.Contains(s, ":") {
			ip = v4
		}
		return field.Value{B: ip}, nil
	case field.IPNet:
		if !strings.Contains(s, "/") {
			if strings.Contains(s, ":") {
				s += "/128"
			} else {
				s += "/32"
			}
		}
		_, nw, err := net.ParseCIDR(s)
		if err != nil {
			return field.Value{}, fmt.Errorf("'%s' is not a valid network", s)
		}
		return field.Value{B: append(append([]byte{}, nw.IP...), nw.Mask...)}, nil
	}
	return field.Value{}, fmt.Errorf("unsupported field type %s", t)
}

func parseInt(s string) (int64, error) {
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		u, err := strconv.ParseUint(h, 16, 64)
		return int64(u), err
	}
	return strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, 64)
}

func parseUint(s string) (uint64, error) {
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		return strconv.ParseUint(h, 16, 64)
	}
	return strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, 64)
}

func (k *checkNode) eval(m *Matcher, ev event.Event) bool {
	vals, ok := m.values(k.left, ev)
	if !ok {
		return false
	}
	if k.op == opExists {
		return true
	}
	rv := k.consts
	if k.right != nil {
		if rv, ok = m.values(k.right, ev); !ok {
			return false
		}
	}
	if k.left.list {
		if k.op == opIn {
			for i := range vals {
				if !k.member(vals[i], rv) {
					return false
				}
			}
			return true
		}
		for i := range vals {
			if k.member(vals[i], rv) {
				return true
			}
		}
		return false
	}
	for i := range vals {
		if k.one(vals[i], rv) {
			return true
		}
		if !k.left.any {
			break
		}
	}
	return false
}

// one compares a single left value with the right side.
func (k *checkNode) one(v field.Value, rv []field.Value) bool {
	switch k.mod {
	case modAnyOf:
		for i := range rv {
			if k.cmp(v, rv[i], i) {
				return true
			}
		}
		return false
	case modAllOf:
		for i := range rv {
			if !k.cmp(v, rv[i], i) {
				return false
			}
		}
		return true
	case modOneOf:
		n := 0
		for i := range rv {
			if k.cmp(v, rv[i], i) {
				n++
			}
		}
		return n == 1
	}
	switch k.op {
	case opIn, opIntersects:
		return k.member(v, rv)
	case opPmatch:
		return k.pm.match(v.B)
	}
	return k.cmp(v, rv[0], 0)
}

// member reports whether v equals one of rv.
func (k *checkNode) member(v field.Value, rv []field.Value) bool {
	if k.right == nil {
		if k.strSet != nil {
			_, ok := k.strSet[string(v.B)]
			return ok
		}
		if k.numSet != nil {
			_, ok := k.numSet[v.N]
			return ok
		}
	}
	for i := range rv {
		if k.equal(v, rv[i]) {
			return true
		}
	}
	return false
}

func (k *checkNode) equal(a, b field.Value) bool {
	switch t := k.left.typ; {
	case t == field.IPNet:
		return inNet(a.B, b.B)
	case t.Numeric() && t != field.Double, t == field.Bool:
		return a.N == b.N
	case t == field.Double:
		return math.Float64frombits(a.N) == math.Float64frombits(b.N)
	}
	return bytes.Equal(a.B, b.B)
}

// cmp applies a scalar operator; i indexes per-constant compiled state (regexes).
func (k *checkNode) cmp(l, r field.Value, i int) bool {
	switch k.op {
	case opEq:
		return k.equal(l, r)
	case opNe:
		return !k.equal(l, r)
	case opLt, opLe, opGt, opGe:
		c := k.order(l, r)
		switch k.op {
		case opLt:
			return c < 0
		case opLe:
			return c <= 0
		case opGt:
			return c > 0
		}
		return c >= 0
	case opContains, opBContains:
		return bytes.Contains(l.B, r.B)
	case opIContains:
		return containsFold(l.B, r.B)
	case opStartsWith, opBStartsWith:
		return bytes.HasPrefix(l.B, r.B)
	case opEndsWith:
		return bytes.HasSuffix(l.B, r.B)
	case opGlob:
		return glob(r.B, l.B, false)
	case opIGlob:
		return glob(r.B, l.B, true)
	case opRegex:
		return k.res[i].Match(l.B)
	case opIn, opIntersects:
		return k.equal(l, r)
	}
	return false
}

// order compares two values of the left field's type.
func (k *checkNode) order(a, b field.Value) int {
	switch t := k.left.typ; {
	case t == field.Int64:
		x, y := int64(a.N), int64(b.N)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case t == field.Double:
		x, y := math.Float64frombits(a.N), math.Float64frombits(b.N)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case t.Numeric():
		switch {
		case a.N < b.N:
			return -1
		case a.N > b.N:
			return 1
		}
		return 0
	}
	return bytes.Compare(a.B, b.B)
}

// inNet reports whether address ip lies in network nw (address bytes then mask bytes).
func inNet(ip, nw []byte) bool {
	n := len(nw) / 2
	if n == 0 {
		return false
	}
	if len(ip) != n {
		if n == 4 && len(ip) == 16 {
			if v4 := net.IP(ip).To4(); v4 != nil {
				ip = v4
			} else {
				return false
			}
		} else {
			return false
		}
	}
	addr, mask := nw[:n], nw[n:]
	for i := 0; i < n; i++ {
		if ip[i]&mask[i] != addr[i]&mask[i] {
			return false
		}
	}
	return true
}

// containsFold is an ASCII case-insensitive substring test; needle may be any case.
func containsFold(hay, needle []byte) bool {
	if len(needle) == 0 {
		return true
	}
	for i := 0; i+len(needle) <= len(hay); i++ {
		j := 0
		for ; j < len(needle); j++ {
			if lower(hay[i+j]) != lower(needle[j]) {
				break
			}
		}
		if j == len(needle) {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
