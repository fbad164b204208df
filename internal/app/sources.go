package app

import (
	"fmt"
	"sort"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/engine"
	"github.com/peregrine-sec/peregrine/internal/source"
)

// selectPlugins decides which built-in sources this run has. A configuration
// with a `load_plugins` key gets Falco's behaviour: the syscall source plus the
// listed plugins. Without one, every built-in source is available.
func (r *runner) selectPlugins() error {
	all := source.Builtins()
	if !r.cfg.LoadPluginsSet {
		r.plugins = all
	} else {
		want := map[string]bool{}
		for _, n := range r.cfg.LoadPlugins {
			want[n] = true
		}
		for _, b := range all {
			if b.Source == source.Syscall || want[b.Plugin] {
				r.plugins = append(r.plugins, b)
				delete(want, b.Plugin)
			}
		}
		if len(want) > 0 {
			var missing []string
			for n := range want {
				missing = append(missing, n)
			}
			sort.Strings(missing)
			return fmt.Errorf("cannot load plugin(s) %s: peregrine has no built-in equivalent", strings.Join(missing, ", "))
		}
	}
	var srcs []engine.Source
	for _, b := range r.plugins {
		if b.Engine != nil {
			srcs = append(srcs, b.Engine())
		}
	}
	r.eng = engine.New(srcs...)
	return nil
}

// pluginVersions maps every plugin name the loaded built-ins stand in for to
// the version they report.
func (r *runner) pluginVersions() map[string]string {
	out := map[string]string{}
	for _, b := range r.plugins {
		out[b.Plugin] = b.Version
		for n, v := range b.Satisfies {
			out[n] = v
		}
	}
	return out
}

// builtin returns the loaded built-in feeding a source.
func (r *runner) builtin(src string) (source.Builtin, bool) {
	for _, b := range r.plugins {
		if b.Source == src {
			return b, true
		}
	}
	return source.Builtin{}, false
}

// listPlugins prints the loaded plugins the way `falco --list-plugins` does.
func (r *runner) listPlugins() {
	var b strings.Builder
	n := 0
	for _, p := range r.plugins {
		if p.Source == source.Syscall && r.cfg.LoadPluginsSet {
			continue // with load_plugins, Falco lists only the configured plugins
		}
		n++
		fmt.Fprintf(&b, "Name: %s\nDescription: %s\nContact: https://github.com/peregrine-sec/peregrine\nVersion: %s\nCapabilities: \n", p.Plugin, p.Description, p.Version)
		if p.ID != 0 {
			fmt.Fprintf(&b, "  - Event Sourcing (ID=%d, source='%s')\n", p.ID, p.Source)
		}
		if p.Engine != nil || p.Source == "" {
			b.WriteString("  - Field Extraction\n")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(r.o.Stdout, "%d Plugins Loaded:\n\n%s\n", n, b.String())
}

// listFields prints the fields of every source (or of --list=<source>).
func (r *runner) listFields() error {
	w := r.o.Stdout
	found := false
	for _, name := range r.eng.Sources() {
		if r.o.ListSource != "" && r.o.ListSource != name {
			continue
		}
		found = true
		src, _ := r.eng.Source(name)
		fmt.Fprintf(w, "Event Source: %s\n\n", name)
		for _, d := range src.Fields.Fields() {
			if r.o.NamesOnly {
				fmt.Fprintln(w, d.Name)
				continue
			}
			typ := d.Type.String()
			if d.IsList {
				typ = "list of " + typ
			}
			fmt.Fprintf(w, "%-40s %-16s %s\n", d.Name, typ, d.Doc)
		}
		fmt.Fprintln(w)
	}
	if !found {
		return fmt.Errorf("unknown event source %s", r.o.ListSource)
	}
	return errExit
}
