//go:build unix

package follow

import (
	"os"
	"syscall"
)

// supported reports whether file identities can be determined on this platform.
const supported = true

// idOf returns the (device, inode) identity of fi.
func idOf(fi os.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st == nil {
		return fileID{}, false
	}
	return fileID{Dev: uint64(st.Dev), Ino: uint64(st.Ino)}, true //nolint:unconvert // Dev is int32 on some platforms
}
