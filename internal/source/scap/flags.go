package scap

// FlagName is one named value of a flag or enum parameter.
type FlagName struct {
	Name  string
	Value uint64
}

// flagParam names the table of one event parameter.
type flagParam struct {
	table string
	enum  bool
}

// AppendFlagNames appends the names of value v of parameter param of event
// name as libsinsp renders them, joined by '|': for an enumeration every
// name equal to v; for flags, in table order, each named value whose bits
// are all still set in v (its bits then cleared), stopping at a name equal
// to the whole value; a zero value only matches a name for zero. ok is
// false when the parameter has no table or no name matches.
func AppendFlagNames(dst []byte, event, param string, v uint64) ([]byte, bool) {
	fp, found := flagParams[[2]string{event, param}]
	if !found {
		return dst, false
	}
	start, rest := len(dst), v
	for _, f := range flagTables[fp.table] {
		match := f.Value == v
		if !fp.enum {
			match = (f.Value == 0 && v == 0) || (f.Value != 0 && rest != 0 && rest&f.Value == f.Value)
		}
		if !match {
			continue
		}
		if len(dst) > start {
			dst = append(dst, '|')
		}
		dst = append(dst, f.Name...)
		if !fp.enum {
			rest &^= f.Value
			if f.Value == v {
				break
			}
		}
	}
	return dst, len(dst) > start
}

// HasFlagNames reports whether a parameter's values have names.
func HasFlagNames(event, param string) bool {
	_, ok := flagParams[[2]string{event, param}]
	return ok
}
