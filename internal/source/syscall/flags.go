package syscall

// flagName is one named bit (or bit combination) of a flags parameter.
type flagName struct {
	mask uint32
	name string
}

// openFlags are the driver's PPM_O_* open flags, in the order libsinsp
// prints them (O_RDWR is the combination of its two bits).
var openFlags = []flagName{
	{3, "O_RDWR"}, {1, "O_RDONLY"}, {2, "O_WRONLY"}, {1 << 2, "O_CREAT"}, {1 << 3, "O_APPEND"},
	{1 << 4, "O_DSYNC"}, {1 << 5, "O_EXCL"}, {1 << 6, "O_NONBLOCK"}, {1 << 7, "O_SYNC"},
	{1 << 8, "O_TRUNC"}, {1 << 9, "O_DIRECT"}, {1 << 10, "O_DIRECTORY"}, {1 << 11, "O_LARGEFILE"},
	{1 << 12, "O_CLOEXEC"}, {1 << 13, "O_TMPFILE"},
}

// flagTable returns the names of the flags parameters libsinsp prints by name.
func flagTable(event, param string) []flagName {
	if param != "flags" {
		return nil
	}
	switch event {
	case "open", "openat", "openat2", "open_by_handle_at":
		return openFlags
	}
	return nil
}

// flagText renders the set flags of v by name, joined with '|'.
func flagText(table []flagName, v uint32) string { return string(appendFlagText(nil, table, v)) }

// appendFlagText appends the names of the set flags of v, joined with '|'.
func appendFlagText(dst []byte, table []flagName, v uint32) []byte {
	start := len(dst)
	for _, f := range table {
		if v&f.mask != f.mask || f.mask == 0 {
			continue
		}
		if f.mask == 1 && v&3 == 3 || f.mask == 2 && v&3 == 3 {
			continue // printed as O_RDWR
		}
		if len(dst) > start {
			dst = append(dst, '|')
		}
		dst = append(dst, f.name...)
	}
	return dst
}
