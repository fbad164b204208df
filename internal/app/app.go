package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/peregrine-sec/peregrine/internal/config"
	"github.com/peregrine-sec/peregrine/internal/engine"
	"github.com/peregrine-sec/peregrine/internal/rules"
	"github.com/peregrine-sec/peregrine/internal/source"
)

// errExit ends a run early with success (after -V, -L, --list...).
var errExit = errors.New("exit")

// runner carries the state of one run.
type runner struct {
	o       Options
	log     *slog.Logger
	cfg     *config.Config
	plugins []source.Builtin // loaded built-ins, in table order
	eng     *engine.Engine
	loader  *rules.Loader
	rules   []*rules.Rule
}

// Run executes one run and returns the process exit code. Errors are printed
// to Stderr as Falco does ("Error: ...").
func Run(ctx context.Context, o Options) int {
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	level := slog.LevelWarn
	if o.Verbose {
		level = slog.LevelInfo
	}
	r := &runner{o: o, log: slog.New(slog.NewTextHandler(o.Stderr, &slog.HandlerOptions{Level: level}))}
	err := r.run(ctx)
	switch {
	case err == nil, errors.Is(err, errExit):
		return 0
	default:
		fmt.Fprintf(o.Stderr, "Error: %s\n", strings.TrimRight(err.Error(), "\n"))
		return 1
	}
}

func (r *runner) run(ctx context.Context) error {
	cfg, err := config.Load(r.o.ConfigFiles, r.o.Overrides)
	if err != nil {
		return err
	}
	r.cfg = cfg
	if err := r.selectPlugins(); err != nil {
		return err
	}
	if r.o.ListPlugins {
		r.listPlugins()
		return errExit
	}
	if r.o.ListFields {
		return r.listFields()
	}
	if len(r.o.Validate) > 0 {
		return r.validate()
	}
	if len(r.o.RunTags) > 0 && (len(r.o.DisableTags) > 0 || len(r.o.DisableRules) > 0) {
		return errors.New("You can not specify both disabled (-D/-T) and enabled (-t) rules")
	}
	if err := r.loadRules(); err != nil {
		return err
	}
	if r.o.DescribeAll || r.o.DescribeRule != "" {
		return r.describe()
	}
	return r.process(ctx)
}

// newLoader returns a rules loader over the run's engine and options.
func (r *runner) newLoader() *rules.Loader {
	return rules.NewLoader(r.eng, rules.Options{AppendOutput: r.cfg.AppendOutputRules()})
}

// loadRules loads the rules files in order, then checks plugin requirements and
// applies the rule selection.
func (r *runner) loadRules() error {
	files := r.o.RulesFiles
	if len(files) == 0 {
		files = r.cfg.RulesFiles
	}
	r.loader = r.newLoader()
	if len(files) == 0 {
		if len(r.o.ConfigFiles) > 0 {
			return errors.New("You must specify at least one rules file/directory via -r or a rules_file entry in falco.yaml")
		}
		if err := r.loadEmbeddedRules(); err != nil {
			return err
		}
	}
	paths, err := rules.ExpandPaths(files)
	if err != nil {
		return err
	}
	for _, p := range paths {
		if r.o.Verbose {
			r.falcoLog("Loading rules from file " + p)
		}
		r.log.Info("loading rules", "file", p)
		res := r.loader.LoadFile(p)
		if !res.Successful {
			return errors.New(res.String())
		}
		if len(res.Warnings) > 0 {
			fmt.Fprintln(r.o.Stderr, res.String())
		}
	}
	if res := r.loader.CheckPluginRequirements(r.pluginVersions()); !res.Successful {
		return errors.New(res.String())
	}
	r.rules = r.loader.Rules()
	sel := rules.Selection{
		MinPriority:  r.cfg.Priority,
		RunTags:      r.o.RunTags,
		DisableTags:  r.o.DisableTags,
		DisableRules: r.o.DisableRules,
		Config:       r.cfg.Selection(),
	}
	sel.Apply(r.rules)
	return nil
}

// falcoLog writes a line to stderr as Falco's logger does: prefixed with the
// time, in ISO 8601 when time_format_iso_8601 is set.
func (r *runner) falcoLog(msg string) {
	now := time.Now()
	stamp := now.Format("Mon Jan _2 15:04:05 2006")
	if r.cfg.TimeFormatISO8601 {
		stamp = now.UTC().Format("2006-01-02T15:04:05-0700")
	}
	fmt.Fprintf(r.o.Stderr, "%s: %s\n", stamp, msg)
}
