package syscall

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// ReplayFile reads a .scap capture, keeps the thread and fd state it
// implies, and calls emit for every event in order (the event is reused
// after the call). Internal metaevents are applied to the state but not
// emitted.
func ReplayFile(ctx context.Context, path string, emit func(event.Event)) error {
	r, closer, err := scap.Open(path)
	if err != nil {
		return fmt.Errorf("reading capture %s: %w", path, err)
	}
	defer closer.Close()
	st := NewState(0)
	loaded := 0
	ev := &Event{State: st}
	for n := uint64(0); ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		raw, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading capture %s: %w", path, err)
		}
		if len(r.Threads()) != loaded { // process-list blocks read so far
			st.Load(r)
			loaded = len(r.Threads())
		}
		info, ok := scap.EventInfo(raw.Type)
		if !ok {
			continue
		}
		// Events change state before they are evaluated (the fd an open
		// returned is already named), as libsinsp does; closes after.
		t := st.Update(raw)
		if info.Internal || info.Name == "container" {
			st.After(raw, &info, t)
			continue // metaevents: state only, as Falco does
		}
		ev.Base = event.Base{Src: SourceName, TS: int64(raw.TS), Seq: raw.Num}
		ev.Raw, ev.Info, ev.Thread = raw, info, t
		ev.scratch = ev.scratch[:0]
		emit(ev)
		st.After(raw, &info, t)
	}
}
