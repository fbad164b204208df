// Package config reads peregrine's configuration: the falco.yaml format (so a
// Falco configuration works unchanged), Falco's `-o key=value` overrides, and
// embedded defaults when no file is given.
package config

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/rules"
)

// Plugin is one entry of the plugins: list.
type Plugin struct {
	Name        string `yaml:"name"`
	LibraryPath string `yaml:"library_path"`
	InitConfig  any    `yaml:"init_config"`
	OpenParams  string `yaml:"open_params"`
}

// Output is the common shape of Falco's stdout/file/program/syslog/http outputs.
type Output struct {
	Enabled   bool   `yaml:"enabled"`
	Filename  string `yaml:"filename"`
	Program   string `yaml:"program"`
	KeepAlive bool   `yaml:"keep_alive"`
	URL       string `yaml:"url"`
	UserAgent string `yaml:"user_agent"`
	// http_output's TLS keys.
	Insecure   bool   `yaml:"insecure"`
	CACert     string `yaml:"ca_cert"`
	CABundle   string `yaml:"ca_bundle"`
	MTLS       bool   `yaml:"mtls"`
	ClientCert string `yaml:"client_cert"`
	ClientKey  string `yaml:"client_key"`
}

// Response configures the response engine: the policy file (policies and
// moving-target-defense schedules) and the cluster credentials.
type Response struct {
	PoliciesFile string `yaml:"policies_file"`
	Kubeconfig   string `yaml:"kubeconfig"` // "" = in-cluster credentials
	Workers      int    `yaml:"workers"`
}

// Webserver is Falco's embedded web server: health and Prometheus metrics.
type Webserver struct {
	Enabled                  bool   `yaml:"enabled"`
	ListenAddress            string `yaml:"listen_address"`
	ListenPort               int    `yaml:"listen_port"`
	K8sHealthzEndpoint       string `yaml:"k8s_healthz_endpoint"`
	PrometheusMetricsEnabled bool   `yaml:"prometheus_metrics_enabled"`
}

// Engine is Falco's engine section; peregrine's live capture is the
// modern_ebpf kind.
type Engine struct {
	Kind       string `yaml:"kind"`
	ModernEBPF struct {
		// BufSizePreset sizes the ring buffer as Falco's presets do (1: 1 MiB
		// ... 10: 512 MiB per buffer); 0 keeps peregrine's default.
		BufSizePreset     int  `yaml:"buf_size_preset"`
		CPUsForEachBuffer int  `yaml:"cpus_for_each_buffer"`
		DropFailedExit    bool `yaml:"drop_failed_exit"`
	} `yaml:"modern_ebpf"`
}

// SyscallEventDrops is Falco's reporting of lost syscall events.
type SyscallEventDrops struct {
	// Threshold is the share of lost events, in percent of the events of
	// the second, above which the actions run.
	Threshold float64 `yaml:"threshold"`
	// Actions: ignore, log, alert, exit.
	Actions []string `yaml:"actions"`
	// Rate and MaxBurst bound the actions: a token bucket refilled at Rate
	// per second holding at most MaxBurst.
	Rate     float64 `yaml:"rate"`
	MaxBurst int     `yaml:"max_burst"`
	// SimulateDrops reports one lost event every second (for testing the
	// reporting path).
	SimulateDrops bool `yaml:"simulate_drops"`
}

// AppendOutput is one entry of append_output.
type AppendOutput struct {
	Match struct {
		Source string   `yaml:"source"`
		Tags   []string `yaml:"tags"`
		Rule   string   `yaml:"rule"`
	} `yaml:"match"`
	ExtraOutput string `yaml:"extra_output"`
}

// Config is the typed configuration.
type Config struct {
	RulesFiles                      []string       `yaml:"rules_files"`
	RulesFile                       []string       `yaml:"rules_file"`
	JSONOutput                      bool           `yaml:"json_output"`
	JSONIncludeOutputProperty       bool           `yaml:"json_include_output_property"`
	JSONIncludeMessageProperty      bool           `yaml:"json_include_message_property"`
	JSONIncludeOutputFieldsProperty bool           `yaml:"json_include_output_fields_property"`
	JSONIncludeTagsProperty         bool           `yaml:"json_include_tags_property"`
	TimeFormatISO8601               bool           `yaml:"time_format_iso_8601"`
	BufferedOutputs                 bool           `yaml:"buffered_outputs"`
	PriorityName                    string         `yaml:"priority"`
	RuleMatching                    string         `yaml:"rule_matching"`
	Plugins                         []Plugin       `yaml:"plugins"`
	LoadPlugins                     []string       `yaml:"load_plugins"`
	StdoutOutput                    Output         `yaml:"stdout_output"`
	FileOutput                      Output         `yaml:"file_output"`
	ProgramOutput                   Output         `yaml:"program_output"`
	SyslogOutput                    Output         `yaml:"syslog_output"`
	HTTPOutput                      Output         `yaml:"http_output"`
	AppendOutputs                   []AppendOutput `yaml:"append_output"`
	Webserver                       Webserver      `yaml:"webserver"`
	// Engine tunes the live syscall capture (Falco's engine section).
	Engine Engine `yaml:"engine"`
	// SyscallEventDrops says what lost syscall events lead to.
	SyscallEventDrops SyscallEventDrops `yaml:"syscall_event_drops"`
	// Labels are peregrine's static enrichment labels (cluster, region,
	// team...): available as meta.label[KEY] and added to every alert.
	Labels map[string]string `yaml:"labels"`
	// Response configures peregrine's response engine.
	Response Response `yaml:"response"`
	// Destinations are peregrine's routed destinations (durable queues,
	// retries), as written; the router parses them.
	Destinations yaml.Node `yaml:"destinations"`
	// DestinationsQueueDir holds the destinations' durable queues.
	DestinationsQueueDir string `yaml:"destinations_queue_dir"`
	// DestinationsDrainTimeout bounds how long a finished run waits for pending deliveries.
	DestinationsDrainTimeout string `yaml:"destinations_drain_timeout"`
	Rules                    []map[string]struct {
		Rule string `yaml:"rule"`
		Tag  string `yaml:"tag"`
	} `yaml:"rules"`

	// Priority is PriorityName parsed.
	Priority alert.Priority `yaml:"-"`
	// LoadPluginsSet is true when a load_plugins key was given.
	LoadPluginsSet bool `yaml:"-"`
}

// defaults is the configuration when no file is given: Falco's defaults,
// except that syslog is off (peregrine logs to stderr).
const defaults = `
json_output: false
json_include_output_property: true
json_include_message_property: false
json_include_output_fields_property: true
json_include_tags_property: true
time_format_iso_8601: false
buffered_outputs: false
priority: debug
rule_matching: first
stdout_output:
  enabled: true
syslog_output:
  enabled: false
file_output:
  enabled: false
  keep_alive: false
  filename: ./events.txt
program_output:
  enabled: false
  keep_alive: false
http_output:
  enabled: false
  user_agent: falcosecurity/falco
destinations_queue_dir: /var/lib/peregrine/queue
destinations_drain_timeout: 30s
syscall_event_drops:
  threshold: .1
  actions: [log, alert]
  rate: .03333
  max_burst: 1
  simulate_drops: false
engine:
  kind: modern_ebpf
webserver:
  enabled: false
  listen_address: 0.0.0.0
  listen_port: 8765
  k8s_healthz_endpoint: /healthz
  prometheus_metrics_enabled: false
`

// Default returns the embedded default configuration.
func Default() *Config {
	c, err := Load(nil, nil)
	if err != nil {
		panic(fmt.Sprintf("embedded default configuration is invalid: %v", err))
	}
	return c
}

// Load reads configuration files in order over the defaults (later keys win),
// then applies overrides of the form key=value, where key is a dotted path
// with optional [N] indexes (plugins[0].open_params) and value is YAML.
func Load(paths []string, overrides []string) (*Config, error) {
	var tree map[string]any
	if err := yaml.Unmarshal([]byte(defaults), &tree); err != nil {
		return nil, err
	}
	loadPluginsSet := false
	for _, p := range paths {
		content, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading configuration: %w", err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(content, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for k, v := range doc {
			if k == "load_plugins" {
				loadPluginsSet = true
			}
			tree[k] = v
		}
	}
	for _, o := range overrides {
		key, val, ok := strings.Cut(o, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("invalid -o option %q: expected key=value", o)
		}
		var v any
		if err := yaml.Unmarshal([]byte(val), &v); err != nil {
			v = val
		}
		if err := setPath(tree, key, v); err != nil {
			return nil, fmt.Errorf("-o %s: %w", o, err)
		}
		if strings.HasPrefix(key, "load_plugins") {
			loadPluginsSet = true
		}
	}
	raw, err := yaml.Marshal(tree)
	if err != nil {
		return nil, err
	}
	c := &Config{}
	if err := yaml.Unmarshal(raw, c); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	c.LoadPluginsSet = loadPluginsSet
	if len(c.RulesFiles) == 0 {
		c.RulesFiles = c.RulesFile
	}
	if c.Priority, err = alert.ParsePriority(c.PriorityName); err != nil {
		return nil, fmt.Errorf("configuration: priority: %w", err)
	}
	if c.RuleMatching != "first" && c.RuleMatching != "all" {
		return nil, fmt.Errorf("configuration: rule_matching: %q is not first or all", c.RuleMatching)
	}
	return c, nil
}

var segRe = regexp.MustCompile(`^([^\[\]]+)((?:\[\d*\])*)$`)

// setPath sets a dotted path with [N] indexes ([] appends) in a YAML tree.
func setPath(tree map[string]any, path string, v any) error {
	segs := strings.Split(path, ".")
	var cur any = tree
	for i, seg := range segs {
		m := segRe.FindStringSubmatch(seg)
		if m == nil {
			return fmt.Errorf("invalid key segment %q", seg)
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is not a mapping", strings.Join(segs[:i], "."))
		}
		last := i == len(segs)-1
		idxs := regexp.MustCompile(`\[(\d*)\]`).FindAllStringSubmatch(m[2], -1)
		if len(idxs) == 0 {
			if last {
				obj[m[1]] = v
				return nil
			}
			if _, ok := obj[m[1]].(map[string]any); !ok {
				obj[m[1]] = map[string]any{}
			}
			cur = obj[m[1]]
			continue
		}
		list, _ := obj[m[1]].([]any)
		n := len(list)
		if idxs[0][1] != "" {
			n, _ = strconv.Atoi(idxs[0][1])
		}
		for len(list) <= n {
			list = append(list, map[string]any{})
		}
		obj[m[1]] = list
		if last {
			list[n] = v
			return nil
		}
		if _, ok := list[n].(map[string]any); !ok {
			list[n] = map[string]any{}
		}
		cur = list[n]
	}
	return nil
}

// Selection returns the rules: entries as a rule selection list.
func (c *Config) Selection() []rules.SelectionEntry {
	var out []rules.SelectionEntry
	for _, e := range c.Rules {
		for op, target := range e {
			out = append(out, rules.SelectionEntry{Enable: op == "enable", Rule: target.Rule, Tag: target.Tag})
		}
	}
	return out
}

// AppendOutputRules converts append_output entries for the rules loader.
func (c *Config) AppendOutputRules() []rules.AppendOutput {
	var out []rules.AppendOutput
	for _, a := range c.AppendOutputs {
		if a.ExtraOutput == "" {
			continue
		}
		out = append(out, rules.AppendOutput{Source: a.Match.Source, Tags: a.Match.Tags, Rule: a.Match.Rule, ExtraOutput: a.ExtraOutput})
	}
	return out
}
