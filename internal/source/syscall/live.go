package syscall

import (
	"context"
	"fmt"

	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/source/scap"
)

// Capture is a live source of syscall events, each handed over in the
// scap v2 wire layout (see scap.DecodeEvent) and valid only during the call.
type Capture interface {
	Run(ctx context.Context, emit func(raw []byte)) error
}

// Recorder receives every captured event, e.g. a scap.Writer.
type Recorder interface {
	WriteEvent(cpu uint16, raw []byte) error
}

// Live keeps the thread and fd state of a live capture and hands each
// event, with its state, to the rules.
type Live struct {
	Capture Capture
	// Initial is the state when the capture starts (a scan of /proc).
	Initial Tables
	// Resolve describes threads the events name but the state does not know.
	Resolve func(tid int64) (*scap.Thread, []scap.FD, bool)
	// Containers gives container.* and k8s.* values (may be nil).
	Containers ContainerLookup
	// Accounts names users and groups inside containers (may be nil).
	Accounts ContainerAccounts
	// Names names socket addresses for fd.*.name (may be nil).
	Names HostNames
	// Record, when set, receives every event (--capture).
	Record Recorder
	// MaxThreads bounds the thread table (0: 100,000).
	MaxThreads int

	state *State
}

// State returns the live state (valid once Run has started).
func (l *Live) State() *State { return l.state }

// Run captures until ctx ends or the capture fails. Events change the state
// before they are evaluated (closes after), as for a replayed capture;
// metaevents change the state only.
func (l *Live) Run(ctx context.Context, emit func(event.Event)) error {
	st := NewState(l.MaxThreads)
	if l.Initial != nil {
		st.Load(l.Initial)
	}
	st.Resolve, st.Containers, st.Accounts, st.Names = l.Resolve, l.Containers, l.Accounts, l.Names
	l.state = st
	var raw scap.Event
	ev := &Event{State: st}
	var num uint64
	var recErr error
	err := l.Capture.Run(ctx, func(b []byte) {
		if l.Record != nil && recErr == nil {
			recErr = l.Record.WriteEvent(0, b)
		}
		if scap.DecodeEvent(b, &raw) != nil {
			return // counted by the capture's own error accounting
		}
		num++
		raw.Num = num
		info, ok := scap.EventInfo(raw.Type)
		if !ok {
			return
		}
		t := st.Update(&raw)
		if info.Internal {
			st.After(&raw, &info, t)
			return
		}
		ev.Base = event.Base{Src: SourceName, TS: int64(raw.TS), Seq: num}
		ev.Raw, ev.Info, ev.Thread = &raw, info, t
		ev.scratch = ev.scratch[:0]
		emit(ev)
		st.After(&raw, &info, t)
	})
	if recErr != nil && err == nil {
		err = fmt.Errorf("recording the capture: %w", recErr)
	}
	return err
}
