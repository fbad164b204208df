package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/peregrine-sec/peregrine/internal/app"
	"github.com/peregrine-sec/peregrine/internal/rules"
	"github.com/peregrine-sec/peregrine/internal/source"
)

// Version is the peregrine release, set at build time with -ldflags.
var Version = "0.1.0-dev"

// exitCode carries a run's exit status through cobra.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// execute runs the command line and returns the process exit code.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	var code exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	default:
		fmt.Fprintf(stderr, "Error: %s\n", err)
		return 1
	}
}

// falcoFlags are Falco's command-line options.
type falcoFlags struct {
	configs, overrides, rulesFiles, validate []string
	runTags, disableTags, disableRules       []string
	enableSources, disableSources            []string
	capture, describeRule, list              string
	describeAll, allEvents, verbose, names   bool
	listPlugins, version, unbuffered         bool
	duration                                 int
}

const listAll = "\x00all"

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	var f falcoFlags
	root := &cobra.Command{
		Use:   "peregrine",
		Short: "Runtime threat detection that speaks the Falco rules language",
		Long: `peregrine detects threats on Linux hosts and in Kubernetes with Falco rules.

Invoked with Falco's flags (or through a symlink named falco) it behaves like
Falco: -r loads rules files, -c reads a falco.yaml-style configuration, -o
overrides one setting, -V validates rules files, and plugin sources replay
their open_params. The subcommands below are peregrine's own tools.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.version {
				printVersion(stdout)
				return nil
			}
			o := app.Options{
				ConfigFiles: f.configs, Overrides: f.overrides, RulesFiles: f.rulesFiles,
				Validate: f.validate, CaptureFile: f.capture, DescribeAll: f.describeAll,
				DescribeRule: f.describeRule, RunTags: f.runTags, DisableTags: f.disableTags,
				DisableRules: f.disableRules, AllEvents: f.allEvents, Verbose: f.verbose,
				Duration: time.Duration(f.duration) * time.Second, EnableSources: f.enableSources,
				DisableSources: f.disableSources, ListPlugins: f.listPlugins, NamesOnly: f.names,
				Stdout: stdout, Stderr: stderr,
			}
			if cmd.Flags().Changed("list") {
				o.ListFields = true
				if f.list != listAll {
					o.ListSource = f.list
				}
			}
			return exitCode(app.Run(cmd.Context(), o))
		},
	}
	fl := root.Flags()
	fl.StringArrayVarP(&f.configs, "config", "c", nil, "configuration file (falco.yaml format)")
	fl.StringArrayVarP(&f.overrides, "option", "o", nil, "override one configuration key: key=value (repeatable; paths like plugins[0].open_params)")
	fl.StringArrayVarP(&f.rulesFiles, "rules", "r", nil, "rules file or directory (repeatable; loaded in order)")
	fl.StringArrayVarP(&f.validate, "validate", "V", nil, "validate a rules file and exit (repeatable)")
	fl.StringVarP(&f.capture, "events", "e", "", "replay events from a capture file")
	fl.BoolVarP(&f.describeAll, "describe-all", "L", false, "list the loaded rules with their descriptions and exit")
	fl.StringVarP(&f.describeRule, "describe", "l", "", "show one rule's description and exit")
	fl.StringArrayVarP(&f.runTags, "tag", "t", nil, "only run rules with this tag (repeatable)")
	fl.StringArrayVarP(&f.disableTags, "disable-tag", "T", nil, "disable rules with this tag (repeatable)")
	fl.StringArrayVarP(&f.disableRules, "disable", "D", nil, "disable rules whose name contains this text (repeatable)")
	fl.BoolVarP(&f.allEvents, "all-events", "A", false, "also evaluate events that are ignored by default")
	fl.IntVarP(&f.duration, "duration", "M", 0, "stop after this many seconds")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "verbose logging")
	fl.BoolVarP(&f.names, "names-only", "N", false, "with --list or -L, print names only")
	fl.StringArrayVar(&f.enableSources, "enable-source", nil, "enable only this event source (repeatable)")
	fl.StringArrayVar(&f.disableSources, "disable-source", nil, "disable this event source (repeatable)")
	fl.StringVar(&f.list, "list", "", "list the fields of every source, or of the named one, and exit")
	fl.Lookup("list").NoOptDefVal = listAll
	fl.BoolVar(&f.listPlugins, "list-plugins", false, "list the loaded plugins (built-in sources) and exit")
	fl.BoolVar(&f.version, "version", false, "print version information and exit")
	fl.BoolVarP(&f.unbuffered, "unbuffered", "U", false, "accepted for compatibility: outputs are flushed per alert unless buffered_outputs is set")
	root.AddCommand(newValidateCmd(stdout, stderr), newReplayCmd(stdout, stderr), newRunCmd(stdout, stderr), newActionsCmd(stdout), newRespondCmd(stderr), newHubCmd(stderr), newOutputsCmd(stdout, stderr), newFieldsCmd(stdout, stderr), newVersionCmd(stdout))
	return root
}

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "peregrine version: %s\nEngine version: %s\n", Version, rules.EngineVersion)
	for _, b := range source.Builtins() {
		fmt.Fprintf(w, "Built-in plugin %s: %s\n", b.Plugin, b.Version)
	}
}
