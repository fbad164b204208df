package respond

import (
	"context"
	"os"
	"time"
)

// Watch reloads the policy file whenever it changes (checked every
// interval) until ctx ends. A change is loaded once the file has stayed the
// same for one interval, so a file caught half-written is not loaded. A file
// that fails to load is reported and the policies in force stay.
func (r *Responder) Watch(ctx context.Context, path string, interval time.Duration) {
	r.init()
	if interval <= 0 {
		interval = time.Second
	}
	last := stamp(path)
	var pending fileStamp
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s := stamp(path)
		if s == last {
			continue
		}
		if s != pending {
			pending = s // changed: wait one interval for it to settle
			continue
		}
		last = s
		f, err := ParseFile(path, r.Actions)
		if err == nil {
			err = r.Load(f)
		}
		if err != nil {
			r.Log.Error("response policies not reloaded; the previous ones stay in force", "file", path, "error", err)
			continue
		}
		r.Log.Info("response policies reloaded", "file", path, "policies", len(f.Policies))
	}
}

// fileStamp identifies a version of a file.
type fileStamp struct {
	mod  time.Time
	size int64
	ok   bool
}

func stamp(path string) fileStamp {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{mod: st.ModTime(), size: st.Size(), ok: true}
}
