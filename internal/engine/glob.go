package engine

import (
	"strings"

	"github.com/peregrine-sec/peregrine/internal/condition"
)

// glob matches name against an fnmatch(3) pattern with no flags: `*` also
// matches `/` and leading dots, `?` one byte, `[...]` a class (`!` or `^`
// negates, ranges allowed), and a backslash escapes the next byte. fold makes
// the match ASCII case-insensitive (iglob).
func glob(pattern, name []byte, fold bool) bool {
	px, nx := 0, 0
	starP, starN := -1, -1
	for nx < len(name) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				starP, starN = px, nx
				px++
				continue
			case '?':
				px++
				nx++
				continue
			case '[':
				if ok, next, valid := matchClass(pattern, px, name[nx], fold); valid {
					if ok {
						px = next
						nx++
						continue
					}
				} else if eqByte('[', name[nx], fold) {
					px++
					nx++
					continue
				}
			case '\\':
				if px+1 < len(pattern) {
					if eqByte(pattern[px+1], name[nx], fold) {
						px += 2
						nx++
						continue
					}
				} else if eqByte('\\', name[nx], fold) {
					px++
					nx++
					continue
				}
			default:
				if eqByte(c, name[nx], fold) {
					px++
					nx++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starN++
		px, nx = starP+1, starN
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

func eqByte(a, b byte, fold bool) bool {
	if fold {
		return lower(a) == lower(b)
	}
	return a == b
}

// matchClass matches c against the bracket expression starting at pattern[start].
// valid is false when the bracket is not closed (then `[` is literal).
func matchClass(pattern []byte, start int, c byte, fold bool) (ok bool, next int, valid bool) {
	i := start + 1
	neg := false
	if i < len(pattern) && (pattern[i] == '!' || pattern[i] == '^') {
		neg = true
		i++
	}
	first := true
	for i < len(pattern) {
		if pattern[i] == ']' && !first {
			return ok != neg, i + 1, true
		}
		first = false
		lo := pattern[i]
		if lo == '\\' && i+1 < len(pattern) {
			i++
			lo = pattern[i]
		}
		hi := lo
		if i+2 < len(pattern) && pattern[i+1] == '-' && pattern[i+2] != ']' {
			hi = pattern[i+2]
			if hi == '\\' && i+3 < len(pattern) {
				i++
				hi = pattern[i+2]
			}
			i += 2
		}
		if (lo <= c && c <= hi) || (fold && lo <= lower(c) && lower(c) <= hi) || (fold && lower(lo) <= lower(c) && lower(c) <= lower(hi)) {
			ok = true
		}
		i++
	}
	return false, 0, false
}

// pathMatcher implements pmatch: a value matches when one of the entries is a
// path prefix of it, component by component (empty components ignored); an
// entry component with glob characters is matched with fnmatch.
type pathMatcher struct {
	entries [][]pathComp
}

type pathComp struct {
	text []byte
	glob bool
}

func newPathMatcher(vals []condition.Value) *pathMatcher {
	pm := &pathMatcher{}
	for _, v := range vals {
		var comps []pathComp
		for _, c := range strings.Split(v.Text, "/") {
			if c == "" {
				continue
			}
			comps = append(comps, pathComp{text: []byte(c), glob: strings.ContainsAny(c, "*?[")})
		}
		pm.entries = append(pm.entries, comps)
	}
	return pm
}

func (pm *pathMatcher) match(path []byte) bool {
	for _, e := range pm.entries {
		if prefixMatch(e, path) {
			return true
		}
	}
	return false
}

func prefixMatch(entry []pathComp, path []byte) bool {
	i := 0
	for _, want := range entry {
		for i < len(path) && path[i] == '/' {
			i++
		}
		if i >= len(path) {
			return false
		}
		j := i
		for j < len(path) && path[j] != '/' {
			j++
		}
		comp := path[i:j]
		if want.glob {
			if !glob(want.text, comp, false) {
				return false
			}
		} else if string(comp) != string(want.text) {
			return false
		}
		i = j
	}
	return true
}
