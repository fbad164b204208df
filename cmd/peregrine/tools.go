package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/peregrine-sec/peregrine/internal/app"
	"github.com/peregrine-sec/peregrine/internal/source"
)

func newValidateCmd(stdout, stderr io.Writer) *cobra.Command {
	var configs, overrides []string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check rules files: errors and warnings with file, line and column",
		Long: `Validate loads the rules files in order into one engine, exactly as a run
would, and reports every error and warning with its code, file, line, column and
item. It exits non-zero when a file has an error.`,
		Example: "  peregrine validate rules/k8s_audit.yaml my-overrides.yaml\n  peregrine validate --json falco_rules.yaml",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if jsonOut {
				overrides = append(overrides, "json_output=true")
			} else {
				overrides = append(overrides, "json_output=false")
			}
			return exitCode(app.Run(cmd.Context(), app.Options{
				ConfigFiles: configs, Overrides: overrides, Validate: args, Stdout: stdout, Stderr: stderr,
			}))
		},
	}
	cmd.Flags().StringArrayVarP(&configs, "config", "c", nil, "configuration file")
	cmd.Flags().StringArrayVarP(&overrides, "option", "o", nil, "override one configuration key: key=value")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print Falco's JSON load result")
	return cmd
}

func newReplayCmd(stdout, stderr io.Writer) *cobra.Command {
	var configs, overrides, rulesFiles []string
	var src string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "replay --source SOURCE PATH",
		Short: "Run rules over recorded events (audit logs, CloudTrail files...)",
		Long: `Replay reads recorded events of one source from a file or directory and
evaluates them with the loaded rules (the built-in defaults when no -r is
given), printing alerts and the end-of-run summary. It is the tool for testing
and staging rules before production.

Sources and what PATH holds:
  k8s_audit       Kubernetes audit events: JSON lines, Event, EventList or arrays
  aws_cloudtrail  CloudTrail log files (*.json, *.json.gz), walked recursively
  github, okta, gcp_auditlog  JSON events, one per line
  syscall         .scap captures (Falco, sysdig, or peregrine run --capture), gzip too`,
		Example: "  peregrine replay --source k8s_audit /var/log/kubernetes/audit.log\n  peregrine replay --source k8s_audit -r my_rules.yaml -o json_output=true audit/",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, ok := findBuiltin(src)
			if !ok {
				return fmt.Errorf("unknown source %q (see `peregrine fields`)", src)
			}
			o := app.Options{
				ConfigFiles: configs, RulesFiles: rulesFiles, Verbose: verbose, Stdout: stdout, Stderr: stderr,
				EnableSources: []string{src},
			}
			if b.Source == source.Syscall {
				o.CaptureFile = args[0]
			} else {
				o.OpenParams = map[string]string{src: args[0]}
			}
			o.Overrides = overrides
			return exitCode(app.Run(cmd.Context(), o))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&src, "source", "k8s_audit", "event source of the recorded events")
	fl.StringArrayVarP(&rulesFiles, "rules", "r", nil, "rules file or directory (repeatable)")
	fl.StringArrayVarP(&configs, "config", "c", nil, "configuration file")
	fl.StringArrayVarP(&overrides, "option", "o", nil, "override one configuration key: key=value")
	fl.BoolVarP(&verbose, "verbose", "v", false, "verbose logging")
	return cmd
}

func newFieldsCmd(stdout, stderr io.Writer) *cobra.Command {
	var names bool
	cmd := &cobra.Command{
		Use:   "fields [SOURCE]",
		Short: "List the fields rules can use, per source",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := app.Options{ListFields: true, NamesOnly: names, Stdout: stdout, Stderr: stderr}
			if len(args) == 1 {
				o.ListSource = args[0]
			}
			return exitCode(app.Run(cmd.Context(), o))
		},
	}
	cmd.Flags().BoolVarP(&names, "names-only", "N", false, "print field names only")
	return cmd
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print peregrine, engine and built-in plugin versions",
		Args:  cobra.NoArgs,
		Run:   func(*cobra.Command, []string) { printVersion(stdout) },
	}
}

func findBuiltin(src string) (source.Builtin, bool) {
	for _, b := range source.Builtins() {
		if b.Source == src && b.Source != "" {
			return b, true
		}
	}
	return source.Builtin{}, false
}
