package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/alert"
	"github.com/peregrine-sec/peregrine/internal/testutil"
)

func TestDefaults(t *testing.T) {
	c := Default()
	if c.JSONOutput || !c.JSONIncludeOutputProperty || !c.JSONIncludeTagsProperty || c.Priority != alert.Debug ||
		c.RuleMatching != "first" || !c.StdoutOutput.Enabled || c.LoadPluginsSet {
		t.Errorf("unexpected defaults: %+v", c)
	}
}

func TestOverrides(t *testing.T) {
	c, err := Load(nil, []string{"json_output=true", "priority=warning", "plugins[0].name=k8saudit",
		"plugins[0].open_params=/var/log/audit.log", "load_plugins=[k8saudit, json]", "rules_files[]=a.yaml", "rules_files[]=b.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.JSONOutput || c.Priority != alert.Warning || len(c.Plugins) != 1 || c.Plugins[0].OpenParams != "/var/log/audit.log" ||
		!c.LoadPluginsSet || strings.Join(c.LoadPlugins, ",") != "k8saudit,json" || strings.Join(c.RulesFiles, ",") != "a.yaml,b.yaml" {
		t.Errorf("overrides not applied: %+v", c)
	}
	for _, bad := range []string{"novalue", "priority=loud", "rule_matching=some"} {
		if _, err := Load(nil, []string{bad}); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestLegacyConfigs(t *testing.T) {
	legacy := filepath.Join(testutil.SharedDir(t), "compat", "legacy")
	c, err := Load([]string{filepath.Join(legacy, "confs", "plugins", "k8s_audit.yaml")}, []string{"plugins[0].open_params=trace.json"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.LoadPluginsSet || len(c.Plugins) != 2 || c.Plugins[0].Name != "k8saudit" || c.Plugins[0].OpenParams != "trace.json" {
		t.Errorf("k8s_audit.yaml: %+v", c.Plugins)
	}
	c, err = Load([]string{filepath.Join(legacy, "falco.yaml")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.LoadPluginsSet || len(c.LoadPlugins) != 0 {
		t.Errorf("falco.yaml: load_plugins %v", c.LoadPlugins)
	}
}

func TestBadFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(p, []byte("json_output: [oops"), 0o644)
	if _, err := Load([]string{p}, nil); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("error does not name the file: %v", err)
	}
}
