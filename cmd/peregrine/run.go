package main

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/peregrine-sec/peregrine/internal/app"
	"github.com/peregrine-sec/peregrine/internal/source/k8saudit"
)

// defaultWebhook is where the audit webhook listens when nothing else is
// configured: the k8saudit plugin's default address.
const defaultWebhook = "http://:9765/k8s-audit"

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var configs, overrides, rulesFiles, webhooks, logs []string
	var verbose bool
	var policies, kubeconfig string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the detection agent on live Kubernetes audit events",
		Long: `Run ingests Kubernetes audit events live and evaluates them with the loaded
rules (the built-in defaults when no -r is given) until it is stopped.

Inputs come from --audit-webhook and --audit-log, or from the k8saudit
plugin's open_params in the configuration; with neither, the webhook listens
on ` + defaultWebhook + ` (point the kube-apiserver's
--audit-webhook-config-file at it). Webhook settings (TLS, mutual TLS, bearer
token, size limits, workers) and log-following settings (followFrom,
offsetsFile) are the k8saudit plugin's init_config keys; static labels
(cluster, region, team) are the top-level labels: map. The webhook also serves
/healthz and Prometheus /metrics.

With --response-policies, alerts are also answered in the cluster by the
policies of that file (label, isolate, disable, delete... see
` + "`peregrine actions`" + `), and its moving-target-defense schedules run.`,
		Example: `  peregrine run
  peregrine run --audit-log '/var/log/kubernetes/audit/audit*.log' -o 'labels.cluster=prod-eu-1'
  peregrine run -c /etc/peregrine/peregrine.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := app.Options{ConfigFiles: configs, RulesFiles: rulesFiles, Overrides: overrides, Verbose: verbose,
				Stdout: stdout, Stderr: stderr, EnableSources: []string{k8saudit.SourceName},
				ResponsePolicies: policies, Kubeconfig: kubeconfig}
			var inputs []string
			inputs = append(inputs, webhooks...)
			for _, l := range logs {
				inputs = append(inputs, "follow:"+l)
			}
			if len(inputs) == 0 && len(configs) == 0 {
				inputs = []string{defaultWebhook}
			}
			if len(inputs) > 0 {
				o.OpenParams = map[string]string{k8saudit.SourceName: strings.Join(inputs, ",")}
			}
			return exitCode(app.Run(cmd.Context(), o))
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&webhooks, "audit-webhook", nil, "audit webhook address to listen on, e.g. http://:9765/k8s-audit or https://... (repeatable)")
	fl.StringArrayVar(&logs, "audit-log", nil, "audit log file or glob to follow through rotation (repeatable)")
	fl.StringVar(&policies, "response-policies", "", "response policy file: policies answering alerts in Kubernetes and moving-target-defense schedules (see `peregrine actions`)")
	fl.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig for the responder (default: in-cluster credentials)")
	fl.StringArrayVarP(&rulesFiles, "rules", "r", nil, "rules file or directory (repeatable)")
	fl.StringArrayVarP(&configs, "config", "c", nil, "configuration file")
	fl.StringArrayVarP(&overrides, "option", "o", nil, "override one configuration key: key=value")
	fl.BoolVarP(&verbose, "verbose", "v", false, "verbose logging")
	return cmd
}
