package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/peregrine-sec/peregrine/internal/respond"
	"github.com/peregrine-sec/peregrine/internal/respond/action"
	"github.com/peregrine-sec/peregrine/internal/respond/actions"
)

func newActionsCmd(stdout io.Writer) *cobra.Command {
	var markdown bool
	cmd := &cobra.Command{
		Use:   "actions [NAME...]",
		Short: "List the response actions: parameters, RBAC, examples",
		Long: `Actions lists the actions response policies can run, each with its
parameters, the Kubernetes permissions it needs and an example. With names,
only those actions are shown. --markdown renders the reference documentation.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			all := actions.New(nil, actions.Options{})
			want := map[string]bool{}
			for _, a := range args {
				want[a] = true
			}
			filter := len(want) > 0
			for _, a := range all {
				d := a.Describe()
				if filter && !want[d.Name] {
					continue
				}
				delete(want, d.Name)
				if markdown {
					writeActionMarkdown(stdout, d)
				} else {
					writeActionText(stdout, d)
				}
			}
			for n := range want {
				return fmt.Errorf("unknown action %q", n)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&markdown, "markdown", false, "render as Markdown reference documentation")
	cmd.AddCommand(newActionsRBACCmd(stdout))
	return cmd
}

func writeActionText(w io.Writer, d action.Description) {
	fmt.Fprintf(w, "%s\n  %s\n", d.Name, d.Summary)
	for _, p := range d.Params {
		def := ""
		if p.Default != "" {
			def = " (default " + p.Default + ")"
		}
		req := ""
		if p.Required {
			req = " required"
		}
		fmt.Fprintf(w, "  param %s %s%s%s: %s\n", p.Name, p.Type, req, def, p.Doc)
	}
	for _, r := range d.RBAC {
		fmt.Fprintf(w, "  rbac  %s %s/%s\n", strings.Join(r.Verbs, ","), groups(r.APIGroups), strings.Join(r.Resources, ","))
	}
	fmt.Fprintln(w)
}

func groups(g []string) string {
	out := make([]string, len(g))
	for i, x := range g {
		if x == "" {
			x = "core"
		}
		out[i] = x
	}
	return strings.Join(out, ",")
}

func writeActionMarkdown(w io.Writer, d action.Description) {
	fmt.Fprintf(w, "## %s\n\n%s\n\n", d.Name, d.Summary)
	if d.Doc != "" {
		fmt.Fprintf(w, "%s\n\n", d.Doc)
	}
	if len(d.Params) > 0 {
		fmt.Fprintf(w, "| parameter | type | default | description |\n|---|---|---|---|\n")
		for _, p := range d.Params {
			def := p.Default
			if p.Required {
				def = "required"
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s |\n", p.Name, p.Type, def, p.Doc)
		}
		fmt.Fprintln(w)
	}
	if len(d.RBAC) > 0 {
		fmt.Fprintf(w, "Permissions:\n\n")
		for _, r := range d.RBAC {
			fmt.Fprintf(w, "- `%s` on `%s` (API group %s)\n", strings.Join(r.Verbs, ", "), strings.Join(r.Resources, ", "), groups(r.APIGroups))
		}
		fmt.Fprintln(w)
	}
	if d.Example != "" {
		fmt.Fprintf(w, "```yaml\n%s\n```\n\n", strings.TrimRight(d.Example, "\n"))
	}
}

func newActionsRBACCmd(stdout io.Writer) *cobra.Command {
	var policies, namespace, name string
	cmd := &cobra.Command{
		Use:   "rbac -p POLICIES",
		Short: "Print the minimal RBAC manifest for the actions a policy file uses",
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := actions.New(nil, actions.Options{})
			known := map[string]action.Action{}
			for _, a := range all {
				known[a.Describe().Name] = a
			}
			f, err := respond.ParseFile(policies, known)
			if err != nil {
				return err
			}
			used := map[string]bool{}
			for _, p := range f.Policies {
				for _, s := range p.Actions {
					used[s.Action] = true
				}
			}
			var names []string
			for n := range used {
				names = append(names, n)
			}
			sort.Strings(names)
			rules := actions.RBACRules(all, names)
			// The audit trail records Kubernetes Events on targets; schedules
			// list, delete, evict or patch the pods they rotate.
			rules = append(rules, action.Rule{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create"}})
			if len(f.Schedules) > 0 {
				rules = append(rules,
					action.Rule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list", "get", "delete", "patch"}},
					action.Rule{APIGroups: []string{""}, Resources: []string{"pods/eviction"}, Verbs: []string{"create"}},
					action.Rule{APIGroups: []string{"apps"}, Resources: []string{"replicasets"}, Verbs: []string{"get"}})
			}
			writeRBAC(stdout, name, namespace, names, rules)
			return nil
		},
	}
	cmd.Flags().StringVarP(&policies, "policies", "p", "", "response policy file")
	cmd.Flags().StringVar(&namespace, "namespace", "peregrine", "namespace of peregrine's service account")
	cmd.Flags().StringVar(&name, "name", "peregrine-responder", "name of the ClusterRole, ServiceAccount and binding")
	cmd.MarkFlagRequired("policies")
	return cmd
}

func writeRBAC(w io.Writer, name, ns string, used []string, rules []action.Rule) {
	quote := func(list []string) string {
		q := make([]string, len(list))
		for i, s := range list {
			q[i] = fmt.Sprintf("%q", s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	fmt.Fprintf(w, "# Minimal RBAC for the response actions used: %s\n", strings.Join(used, ", "))
	fmt.Fprintf(w, "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: %s\n  namespace: %s\n---\n", name, ns)
	fmt.Fprintf(w, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: %s\nrules:\n", name)
	for _, r := range rules {
		fmt.Fprintf(w, "  - apiGroups: %s\n    resources: %s\n    verbs: %s\n", quote(r.APIGroups), quote(r.Resources), quote(r.Verbs))
	}
	fmt.Fprintf(w, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: %s\n", name)
	fmt.Fprintf(w, "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: %s\n", name)
	fmt.Fprintf(w, "subjects:\n  - kind: ServiceAccount\n    name: %s\n    namespace: %s\n", name, ns)
}
