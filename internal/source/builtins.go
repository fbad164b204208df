package source

import (
	"context"
	"log/slog"

	"github.com/peregrine-sec/peregrine/internal/engine"
	"github.com/peregrine-sec/peregrine/internal/event"
	"github.com/peregrine-sec/peregrine/internal/field"
	"github.com/peregrine-sec/peregrine/internal/source/cloudtrail"
	"github.com/peregrine-sec/peregrine/internal/source/gcpaudit"
	"github.com/peregrine-sec/peregrine/internal/source/github"
	"github.com/peregrine-sec/peregrine/internal/source/k8saudit"
	"github.com/peregrine-sec/peregrine/internal/source/meta"
	"github.com/peregrine-sec/peregrine/internal/source/okta"
	"github.com/peregrine-sec/peregrine/internal/source/syscall"
)

// Syscall is the syscall source name.
const Syscall = syscall.SourceName

// Builtins returns the table of built-in sources, in a fixed order.
func Builtins() []Builtin {
	return []Builtin{
		{
			Plugin: "container", Version: "0.4.0", Source: syscall.SourceName,
			Description: "Linux system calls with process, file-descriptor and container context",
			Engine: func() engine.Source {
				return engine.Source{Name: syscall.SourceName, Fields: syscall.Fields(), Index: []engine.IndexSpec{
					{Field: "evt.type", EventTypes: syscall.EventTypes(), Constant: syscall.EvtNumConstant},
				}}
			},
			Replay: syscall.ReplayFile,
			Live:   runSyscallLive,
		},
		{
			Plugin: "k8saudit", ID: 1, Version: "0.18.0", Source: k8saudit.SourceName,
			// The managed-cluster variants feed the same events and fields.
			Satisfies: map[string]string{"json": "0.7.4", "k8saudit-eks": "0.12.0", "k8saudit-gke": "0.9.0",
				"k8saudit-aks": "0.6.0", "k8saudit-ovh": "0.6.0"},
			Description: "Kubernetes audit events (Event, EventList, JSON lines) with ka.*, json.* and jevt.* fields",
			Engine: func() engine.Source {
				return engine.Source{Name: k8saudit.SourceName,
					Fields: field.NewTable(syscall.GenericFields(), k8saudit.Fields(), meta.Fields()),
					Index:  []engine.IndexSpec{{Field: "ka.verb"}, {Field: "ka.target.resource"}}}
			},
			Run: runK8sAudit,
		},
		{
			Plugin: "cloudtrail", ID: 2, Version: "0.17.1", Source: cloudtrail.SourceName,
			Description: "AWS CloudTrail logs from local files and directories (*.json, *.json.gz)",
			Engine: func() engine.Source {
				return engine.Source{Name: cloudtrail.SourceName, Fields: field.NewTable(syscall.GenericFields(), cloudtrailGeneric(), cloudtrail.Fields()),
					Index: []engine.IndexSpec{{Field: "ct.name"}}}
			},
			Replay: func(ctx context.Context, params string, emit func(event.Event)) error {
				var r cloudtrail.Reader
				return r.ReadPath(ctx, params, func(e *cloudtrail.Event) { emit(e) })
			},
		},
		{
			Plugin: "gcpaudit", ID: 12, Version: "0.8.1", Source: gcpaudit.SourceName,
			Description: "GCP audit logs (Cloud Logging LogEntry JSON lines)",
			Engine: func() engine.Source {
				return engine.Source{Name: gcpaudit.SourceName, Fields: field.NewTable(syscall.GenericFields(), gcpaudit.Fields()),
					Index: []engine.IndexSpec{{Field: "gcp.methodName"}}}
			},
			Replay: func(ctx context.Context, params string, emit func(event.Event)) error {
				var r gcpaudit.Reader
				return r.ReadPath(ctx, params, func(e *gcpaudit.Event) { emit(e) }, func(err error) {
					slog.Warn("skipping GCP audit record", "error", err)
				})
			},
		},
		{
			Plugin: "okta", ID: 7, Version: "0.12.0", Source: okta.SourceName,
			Description: "Okta System Log events (JSON lines or arrays)",
			Engine: func() engine.Source {
				return engine.Source{Name: okta.SourceName, Fields: field.NewTable(syscall.GenericFields(), okta.Fields()),
					Index: []engine.IndexSpec{{Field: "okta.evt.type"}}}
			},
			Replay: func(ctx context.Context, params string, emit func(event.Event)) error {
				var r okta.Reader
				return r.ReadPath(ctx, params, func(e *okta.Event) { emit(e) }, func(err error) {
					slog.Warn("skipping Okta record", "error", err)
				})
			},
		},
		{
			Plugin: "github", ID: 8, Version: "0.10.1", Source: github.SourceName,
			Description: "GitHub webhook events recorded as JSON lines",
			Engine: func() engine.Source {
				return engine.Source{Name: github.SourceName, Fields: field.NewTable(syscall.GenericFields(), github.Fields()),
					Index: []engine.IndexSpec{{Field: "github.type"}}}
			},
			Replay: func(ctx context.Context, params string, emit func(event.Event)) error {
				var r github.Reader
				return r.ReadPath(ctx, params, func(e *github.Event) { emit(e) }, func(err error) {
					slog.Warn("skipping GitHub record", "error", err)
				})
			},
		},
		{
			Plugin: "json", Version: "0.7.4",
			Description: "json.* and jevt.* fields over JSON events (built into the k8s_audit source)",
		},
	}
}

// cloudtrailGeneric is evt.plugininfo for CloudTrail events: the ct.info summary.
func cloudtrailGeneric() []field.Desc {
	for _, d := range cloudtrail.Fields() {
		if d.Name == "ct.info" {
			d.Name, d.Doc = "evt.plugininfo", "Summary of the event as the source renders it."
			return []field.Desc{d}
		}
	}
	return nil
}

// runK8sAudit opens the audit source: webhooks, followed logs and files
// named by open_params, configured by the k8saudit plugin's init_config.
func runK8sAudit(ctx context.Context, in Input) error {
	opts, err := k8saudit.ParseOptions(in.InitConfig)
	if err != nil {
		return err
	}
	l := &k8saudit.Live{Params: in.Params, Options: opts, Labels: in.Labels, Registry: in.Registry,
		Log: in.Log, Follow: followFiles}
	return l.Run(ctx, func() func(*k8saudit.Event) {
		emit := in.NewEmit()
		return func(e *k8saudit.Event) { emit(e) }
	})
}
