package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/config"
	"github.com/peregrine-sec/peregrine/internal/output/registry"
	"github.com/peregrine-sec/peregrine/internal/output/route"
	"github.com/peregrine-sec/peregrine/internal/output/sink"
)

func newOutputsCmd(stdout, stderr io.Writer) *cobra.Command {
	var markdown bool
	cmd := &cobra.Command{
		Use:   "outputs [TYPE...]",
		Short: "List the alert destination types: parameters and examples",
		Long: `Outputs lists the destination types the destinations: section of the
configuration can use, with their parameters and an example. Every
destination also takes the common keys: name, type, min_priority, match,
custom_fields, timeout, headers, tls, queue, retry, rate_limit and dedup
(see docs/outputs.md). --markdown renders the reference documentation.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			want := map[string]bool{}
			for _, a := range args {
				want[a] = true
			}
			filter := len(want) > 0
			for _, k := range registry.Kinds() {
				if filter && !want[k.Name] {
					continue
				}
				delete(want, k.Name)
				writeKind(stdout, k, markdown)
			}
			for n := range want {
				return fmt.Errorf("unknown destination type %q", n)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&markdown, "markdown", false, "render as Markdown reference documentation")
	cmd.AddCommand(newOutputsTestCmd(stdout, stderr))
	return cmd
}

func writeKind(w io.Writer, k sink.Kind, markdown bool) {
	if !markdown {
		fmt.Fprintf(w, "%s (batch %d)\n  %s\n", k.Name, k.MaxBatch, k.Summary)
		for _, p := range k.Params {
			extra := ""
			if p.Required {
				extra = " required"
			} else if p.Default != "" {
				extra = " (default " + p.Default + ")"
			}
			fmt.Fprintf(w, "  param %s %s%s: %s\n", p.Name, p.Type, extra, p.Doc)
		}
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "## %s\n\n%s Up to %d alerts per request.\n\n", k.Name, k.Summary, k.MaxBatch)
	if len(k.Params) > 0 {
		fmt.Fprintf(w, "| parameter | type | default | description |\n|---|---|---|---|\n")
		for _, p := range k.Params {
			def := p.Default
			if p.Required {
				def = "required"
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", p.Name, p.Type, def, strings.ReplaceAll(p.Doc, "|", "\\|"))
		}
		fmt.Fprintln(w)
	}
	if k.Example != "" {
		fmt.Fprintf(w, "```yaml\n%s\n```\n\n", strings.TrimRight(k.Example, "\n"))
	}
}

func newOutputsTestCmd(stdout, stderr io.Writer) *cobra.Command {
	var configs, overrides []string
	var name string
	cmd := &cobra.Command{
		Use:   "test --name DESTINATION -c CONFIG",
		Short: "Send a test alert through one configured destination",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(configs, overrides)
			if err != nil {
				return err
			}
			dests, err := route.ParseDestinations(&cfg.Destinations)
			if err != nil {
				return err
			}
			var d *route.Destination
			for i := range dests {
				if dests[i].Name == name {
					d = &dests[i]
				}
			}
			if d == nil {
				return fmt.Errorf("no destination named %q in the destinations: section", name)
			}
			s, err := route.Open(*d, registry.Kinds(), os.Environ())
			if err != nil {
				return err
			}
			defer s.Close()
			host, _ := os.Hostname()
			a := &alert.Alert{Time: time.Now().UnixNano(), Rule: "Test rule", Priority: alert.Debug, Source: "internal",
				Hostname: host, Message: "This is a test alert from peregrine", Tags: []string{"test"},
				Fields: []alert.Field{{Key: "test", Kind: alert.String, Text: "true"}}}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			if err := s.Send(ctx, []*alert.Alert{a}); err != nil {
				return fmt.Errorf("destination %s: %w", name, err)
			}
			fmt.Fprintf(stdout, "test alert delivered to %s (%s)\n", name, d.Type)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "destination name")
	fl.StringArrayVarP(&configs, "config", "c", nil, "configuration file")
	fl.StringArrayVarP(&overrides, "option", "o", nil, "override one configuration key: key=value")
	cmd.MarkFlagRequired("name")
	return cmd
}
