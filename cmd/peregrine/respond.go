package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/peregrine-sec/peregrine/internal/app"
)

func newRespondCmd(stderr io.Writer) *cobra.Command {
	var o app.HubOptions
	cmd := &cobra.Command{
		Use:   "respond -p POLICIES",
		Short: "Run the response role alone, answering alerts posted by Falco or peregrine",
		Long: `Respond runs peregrine's response engine on its own. It accepts alerts in
Falco's JSON format on POST / (point Falco's http_output or Falcosidekick's
webhook output at it), answers them in the cluster with the policies of the
file, runs its moving-target-defense schedules, and serves /healthz and
/metrics. Inside the agent, ` + "`peregrine run --response-policies`" + ` does the same
without the HTTP hop; ` + "`peregrine hub`" + ` also routes the alerts to outputs.`,
		Example: `  peregrine respond -p /etc/peregrine/policies.yaml
  peregrine respond -p policies.yaml --kubeconfig ~/.kube/config --listen 127.0.0.1:2801`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Stderr = stderr
			return app.ServeHub(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Policies, "policies", "p", "", "response policy file")
	fl.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig (default: in-cluster credentials)")
	fl.StringVar(&o.Listen, "listen", ":2801", "address accepting Falco JSON alerts")
	cmd.MarkFlagRequired("policies")
	return cmd
}

func newHubCmd(stderr io.Writer) *cobra.Command {
	var o app.HubOptions
	cmd := &cobra.Command{
		Use:   "hub -c CONFIG",
		Short: "Receive alerts from Falco or peregrine agents, route them to outputs and answer them",
		Long: `Hub accepts alerts in Falco's JSON format on POST / (what Falco's
http_output and Falcosidekick's webhook output send), delivers them to the
destinations of the configuration's destinations: section (durable queues,
retries, dedup, rate limits: see ` + "`peregrine outputs`" + `) and, with response
policies, answers them in the cluster. It replaces Falcosidekick in place:
point Falco's http_output.url at the hub (default port 2801).`,
		Example: `  peregrine hub -c /etc/peregrine/hub.yaml
  peregrine hub -c hub.yaml --response-policies policies.yaml --listen :2801
  peregrine hub -c hub.yaml --nats-url nats://nats:4222 --nats-stream PEREGRINE_ALERTS`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Stderr = stderr
			return app.ServeHub(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&o.ConfigFiles, "config", "c", nil, "configuration file (destinations:, response:)")
	fl.StringArrayVarP(&o.Overrides, "option", "o", nil, "override one configuration key: key=value")
	fl.StringVar(&o.Policies, "response-policies", "", "response policy file")
	fl.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig for the responder (default: in-cluster credentials)")
	fl.StringVar(&o.Listen, "listen", ":2801", "address accepting Falco JSON alerts")
	fl.StringVar(&o.NATS.URL, "nats-url", "", "also consume alerts from NATS JetStream (what agents publish with the nats destination)")
	fl.StringVar(&o.NATS.Stream, "nats-stream", "PEREGRINE_ALERTS", "JetStream stream holding the alerts")
	fl.StringVar(&o.NATS.Subject, "nats-subject", "", "filter subject within the stream")
	fl.StringVar(&o.NATS.Durable, "nats-durable", "peregrine-hub", "durable consumer name (the hub resumes where it stopped)")
	return cmd
}
