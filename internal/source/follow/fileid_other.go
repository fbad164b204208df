//go:build !unix

package follow

import "os"

// supported reports whether file identities can be determined on this platform.
const supported = false

// idOf is not implemented on this platform: files are identified by inode.
func idOf(os.FileInfo) (fileID, bool) { return fileID{}, false }
