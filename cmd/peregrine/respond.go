package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/peregrine-sec/peregrine/internal/app"
)

func newRespondCmd(stderr io.Writer) *cobra.Command {
	var o app.RespondOptions
	cmd := &cobra.Command{
		Use:   "respond -p POLICIES",
		Short: "Run the response role alone, answering alerts posted by Falco or peregrine",
		Long: `Respond runs peregrine's response engine on its own. It accepts alerts in
Falco's JSON format on POST / (point Falco's http_output or Falcosidekick's
webhook output at it), answers them in the cluster with the policies of the
file, runs its moving-target-defense schedules, and serves /healthz and
/metrics. Inside the agent, ` + "`peregrine run --response-policies`" + ` does the same
without the HTTP hop.`,
		Example: `  peregrine respond -p /etc/peregrine/policies.yaml
  peregrine respond -p policies.yaml --kubeconfig ~/.kube/config --listen 127.0.0.1:2801`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Stderr = stderr
			return app.ServeResponse(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Policies, "policies", "p", "", "response policy file")
	fl.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig (default: in-cluster credentials)")
	fl.StringVar(&o.Listen, "listen", ":2801", "address accepting Falco JSON alerts")
	fl.IntVar(&o.Workers, "workers", 4, "goroutines running policies")
	cmd.MarkFlagRequired("policies")
	return cmd
}
