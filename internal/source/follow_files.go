package source

import (
	"context"
	"log/slog"

	"github.com/peregrine-sec/peregrine/internal/source/follow"
)

// followFiles follows log files for the sources that read growing logs.
func followFiles(ctx context.Context, patterns []string, fromStart bool, offsetsFile string,
	log *slog.Logger, onLine func(path string, line []byte)) error {
	f := &follow.Follower{Patterns: patterns, FromStart: fromStart, OffsetsFile: offsetsFile, Log: log,
		OnError: func(err error) { log.Warn("following audit log", "error", err) }}
	log.Info("following audit logs", "patterns", patterns, "from_start", fromStart, "offsets_file", offsetsFile)
	return f.Run(ctx, onLine)
}
