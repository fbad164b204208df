package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/peregrine-sec/peregrine/internal/app"
	"github.com/peregrine-sec/peregrine/internal/source"
	"github.com/peregrine-sec/peregrine/internal/source/ebpf"
	"github.com/peregrine-sec/peregrine/internal/source/k8saudit"
)

// defaultWebhook is where the audit webhook listens when nothing else is
// configured: the k8saudit plugin's default address.
const defaultWebhook = "http://:9765/k8s-audit"

func newRunCmd(stdout, stderr io.Writer) *cobra.Command {
	var configs, overrides, rulesFiles, webhooks, logs []string
	var verbose bool
	var policies, kubeconfig, syscalls, record string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the detection agent: live syscalls (eBPF) and Kubernetes audit events",
		Long: `Run captures this machine's system calls with eBPF and ingests Kubernetes
audit events live, and evaluates both with the loaded rules (the built-in
defaults when no -r is given) until it is stopped.

The syscall capture (--syscalls auto, the default) starts when the kernel and
the privileges allow it (root or CAP_BPF+CAP_PERFMON, BTF, BPF ring buffers)
and says what is missing when they do not; --syscalls on makes that an error,
off disables it. Only the system calls the rules can match, plus those the
process and fd state needs, leave the kernel. --capture FILE.scap records
every captured event in a capture sysdig and peregrine -e can read.

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
				ResponsePolicies: policies, Kubeconfig: kubeconfig, RecordFile: record}
			live, err := liveSyscalls(syscalls, stderr)
			if err != nil {
				return err
			}
			if live {
				o.LiveSyscalls = true
				o.EnableSources = append(o.EnableSources, source.Syscall)
			} else if record != "" {
				return errors.New("--capture needs the live syscall capture")
			}
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
	fl.StringVar(&syscalls, "syscalls", "auto", "live syscall capture with eBPF: auto (when available), on, off")
	fl.StringVar(&record, "capture", "", "record the captured syscall events to this .scap file")
	fl.StringArrayVarP(&rulesFiles, "rules", "r", nil, "rules file or directory (repeatable)")
	fl.StringArrayVarP(&configs, "config", "c", nil, "configuration file")
	fl.StringArrayVarP(&overrides, "option", "o", nil, "override one configuration key: key=value")
	fl.BoolVarP(&verbose, "verbose", "v", false, "verbose logging")
	return cmd
}

// liveSyscalls decides whether run captures syscalls: mode auto captures
// when the machine allows it and says why not otherwise.
func liveSyscalls(mode string, stderr io.Writer) (bool, error) {
	switch mode {
	case "off":
		return false, nil
	case "on", "auto":
	default:
		return false, fmt.Errorf("--syscalls %q: want auto, on or off", mode)
	}
	if err := ebpf.Probe(); err != nil {
		if mode == "on" {
			return false, fmt.Errorf("live syscall capture: %w", err)
		}
		fmt.Fprintf(stderr, "Live syscall capture disabled: %v\n", err)
		return false, nil
	}
	return true, nil
}
