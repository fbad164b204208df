package app

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/testutil"
)

type loadResults struct {
	Results []struct {
		Name       string `json:"name"`
		Successful bool   `json:"successful"`
		Errors     []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
		Warnings []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"warnings"`
	} `json:"falco_load_results"`
}

func validate(t *testing.T, dir string, files ...string) (loadResults, int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join(dir, f))
	}
	code := Run(context.Background(), Options{Validate: paths, Overrides: []string{"json_output=true"}, Stdout: &out, Stderr: &errb})
	var res loadResults
	first, _, _ := strings.Cut(out.String(), "\n")
	if err := json.Unmarshal([]byte(first), &res); err != nil {
		t.Fatalf("first stdout line is not the JSON load result: %v\n%s\n%s", err, out.String(), errb.String())
	}
	return res, code, errb.String()
}

// TestUpstreamRulesValidate loads the upstream rules files alone and in the
// combinations Falco uses; every one must load without errors, and the only
// warnings allowed are the ones Falco gives too (unused lists and macros).
func TestUpstreamRulesValidate(t *testing.T) {
	dir := filepath.Join(testutil.SharedDir(t), "compat", "rules", "upstream")
	sets := [][]string{
		{"falco_rules.yaml"},
		{"falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"},
		{"k8s_audit_rules.yaml"},
		{"k8s_audit_rules.yaml", "k8s_audit_rules_gke.yaml"},
		{"aws_cloudtrail_rules.yaml"},
		{"gcp_auditlog_rules.yaml"},
		{"okta_rules.yaml"},
		{"github.yaml"},
	}
	for _, set := range sets {
		res, code, stderr := validate(t, dir, set...)
		if code != 0 {
			t.Errorf("%v: exit %d\n%s", set, code, stderr)
		}
		for _, r := range res.Results {
			if !r.Successful || len(r.Errors) > 0 {
				t.Errorf("%v: %s has errors: %+v", set, r.Name, r.Errors)
			}
			for _, w := range r.Warnings {
				if w.Code != "LOAD_UNUSED_LIST" && w.Code != "LOAD_UNUSED_MACRO" {
					t.Errorf("%v: %s: unexpected warning %s: %s", set, r.Name, w.Code, w.Message)
				}
			}
		}
	}
}

// TestLegacyValidationCases runs Falco's legacy -V cases in process and
// checks every expected error and warning code is reported for its item.
func TestLegacyValidationCases(t *testing.T) {
	legacy := filepath.Join(testutil.SharedDir(t), "compat", "legacy")
	raw, err := os.ReadFile(filepath.Join(legacy, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name     string   `json:"name"`
		Needs    []string `json:"needs"`
		Validate []string `json:"validate_rules_file"`
		Conf     string   `json:"conf_file"`
		Exit     int      `json:"exit_status"`
		Errors   []struct {
			Code string `json:"code"`
		} `json:"validate_errors"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	// The one case whose expectation Falco itself no longer meets (docs/compat.md).
	known := map[string]bool{"validate_skip_unknown_noevt": true}
	wd, _ := os.Getwd()
	if err := os.Chdir(legacy); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	ran := 0
	for _, c := range cases {
		if len(c.Validate) == 0 || len(c.Needs) != 1 || c.Needs[0] != "validate" || known[c.Name] {
			continue
		}
		ran++
		var out, errb bytes.Buffer
		code := Run(context.Background(), Options{Validate: c.Validate, ConfigFiles: []string{c.Conf},
			Overrides: []string{"json_output=true"}, Stdout: &out, Stderr: &errb})
		if code != c.Exit {
			t.Errorf("%s: exit %d, want %d\n%s", c.Name, code, c.Exit, errb.String())
			continue
		}
		for _, e := range c.Errors {
			if !strings.Contains(out.String(), `"code":"`+e.Code+`"`) {
				t.Errorf("%s: error %s missing from %s", c.Name, e.Code, out.String())
			}
		}
	}
	if ran < 30 {
		t.Fatalf("ran only %d validation cases", ran)
	}
}
