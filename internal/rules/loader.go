package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/peregrine-sec/peregrine/internal/alert"
)

// EngineVersion is the rules engine version peregrine reports to
// required_engine_version checks.
const EngineVersion = "0.63.0"

// AppendOutput adds text to the outputs of matching rules (Falco's
// append_output): by source, by tags (all of them), by rule name.
type AppendOutput struct {
	Source      string
	Tags        []string
	Rule        string
	ExtraOutput string
}

// Options configure a loader.
type Options struct {
	AppendOutput []AppendOutput
}

// Loader accumulates rules files into one collection, as Falco does: files
// load in order, later files append to or override earlier items, and after
// each file the whole collection is compiled again.
type Loader struct {
	c        Compiler
	opts     Options
	counter  int
	lists    map[string]*listInfo
	macros   map[string]*macroInfo
	rules    map[string]*ruleInfo
	order    struct{ lists, macros, rules []string }
	reqs     []pluginReq
	compiled []*Rule
	res      *Result
	file     string
}

type listInfo struct {
	name              string
	items             []string
	index, visibility int
	ctx               ctx
}

type macroInfo struct {
	name              string
	cond              string
	index, visibility int
	ctx, condCtx      ctx
}

type ruleInfo struct {
	Rule
	cond          string
	exceptions    []exception
	skipUnknown   bool
	unknownSource bool
	ctx, condCtx  ctx
	outCtx        ctx
}

type pluginReq struct {
	alternatives []struct{ name, version string }
	ctx          ctx
}

// NewLoader returns an empty loader compiling with c.
func NewLoader(c Compiler, opts Options) *Loader {
	return &Loader{c: c, opts: opts, lists: map[string]*listInfo{}, macros: map[string]*macroInfo{}, rules: map[string]*ruleInfo{}}
}

// Rules returns the rules of the last successful compilation, in load order.
func (l *Loader) Rules() []*Rule { return l.compiled }

// ExpandPaths turns rules file and directory arguments into the files Falco
// would read: a directory contributes its regular *.yaml/*.yml files sorted by
// name; other extensions are skipped.
func ExpandPaths(paths []string) ([]string, error) {
	var out []string
	yamlName := func(n string) bool { return strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") }
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("could not read rules path %s: %w", p, err)
		}
		if !st.IsDir() {
			if yamlName(p) {
				out = append(out, p)
			}
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("could not read rules directory %s: %w", p, err)
		}
		var names []string
		for _, e := range entries {
			if e.Type().IsRegular() && yamlName(e.Name()) {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, filepath.Join(p, n))
		}
	}
	return out, nil
}

// LoadFile reads and loads one rules file.
func (l *Loader) LoadFile(path string) *Result {
	content, err := os.ReadFile(path)
	if err != nil {
		res := &Result{Name: path}
		c := ctx{{ItemType: "rules content", Position: Position{Name: path}}}
		res.Errors = append(res.Errors, c.diag(ErrFileRead, "Could not read file: "+err.Error()))
		return res
	}
	return l.LoadContent(path, content)
}

// LoadContent loads one rules file's content, then compiles the collection.
func (l *Loader) LoadContent(name string, content []byte) *Result {
	l.res = &Result{Name: name}
	l.file = name
	err := l.read(name, content)
	if err == nil {
		err = l.compile()
	}
	if err != nil {
		var le *loadError
		if errors.As(err, &le) {
			l.res.Errors = append(l.res.Errors, le.d)
		} else {
			l.res.Errors = append(l.res.Errors, Diagnostic{Code: ErrValidate, Message: err.Error(),
				Locations: []Location{{ItemType: "rules content", Position: Position{Name: name}}}})
		}
	}
	l.res.Successful = len(l.res.Errors) == 0
	return l.res
}

func (l *Loader) warn(c ctx, code, msg string) {
	l.res.Warnings = append(l.res.Warnings, c.diag(code, msg))
}

// read parses the YAML documents and feeds every item to the collection.
func (l *Loader) read(name string, content []byte) error {
	root := ctx{{ItemType: "rules content", Position: Position{Name: name, Line: 1, Column: 1}}}
	dec := yaml.NewDecoder(bytes.NewReader(content))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return root.err(ErrYAMLParse, err.Error())
		}
		if len(doc.Content) == 0 || isNull(doc.Content[0]) {
			continue
		}
		top := doc.Content[0]
		switch top.Kind {
		case yaml.SequenceNode:
		case yaml.MappingNode:
			return root.err(ErrYAMLValidate, "Rules content is not yaml array of objects")
		default:
			return root.err(ErrYAMLValidate, "Rules content is not yaml")
		}
		for _, it := range top.Content {
			if isNull(it) {
				continue
			}
			if it.Kind != yaml.MappingNode {
				return root.with("rules content item", "", it).err(ErrYAMLValidate, "Unexpected element type. Each element should be a yaml associative array.")
			}
			if err := l.item(root, mapping{it}); err != nil {
				return err
			}
		}
	}
}

var allowedKeys = map[string]map[string]bool{
	"required_engine_version":  {"required_engine_version": true},
	"required_plugin_versions": {"required_plugin_versions": true},
	"list":                     {"list": true, "items": true, "append": true, "override": true},
	"macro":                    {"macro": true, "condition": true, "append": true, "override": true},
	"rule": {"rule": true, "condition": true, "output": true, "desc": true, "priority": true, "source": true,
		"enabled": true, "tags": true, "exceptions": true, "capture": true, "capture_duration": true,
		"warn_evttypes": true, "skip-if-unknown-filter": true, "append": true, "override": true},
}

func (l *Loader) item(root ctx, m mapping) error {
	kind := ""
	for _, k := range []string{"required_engine_version", "required_plugin_versions", "list", "macro", "rule"} {
		if m.has(k) {
			kind = k
			break
		}
	}
	if kind == "" {
		l.warn(root.with("rules content item", "", m.node), WarnUnknownItem, "Unknown top level item")
		return nil
	}
	name := ""
	if n, ok := m.get(kind); ok && n.Kind == yaml.ScalarNode && (kind == "list" || kind == "macro" || kind == "rule") {
		name = n.Value
	}
	itype := kind
	if kind == "required_plugin_versions" {
		itype = "required plugin versions"
	}
	c := root.with(itype, name, m.node)
	for _, k := range m.keys() {
		if !allowedKeys[kind][k.Value] {
			l.warn(c, WarnUnknownKey, "Unknown key '"+k.Value+"'. The key will be ignored.")
		}
	}
	switch kind {
	case "required_engine_version":
		return l.engineVersion(c, m)
	case "required_plugin_versions":
		return l.pluginVersions(c, m)
	case "list":
		return l.list(c, m)
	case "macro":
		return l.macro(c, m)
	}
	return l.rule(c, m)
}

func (l *Loader) engineVersion(c ctx, m mapping) error {
	v, _, err := m.scalar(c, "required_engine_version", true, false)
	if err != nil {
		return err
	}
	req, ok := parseSemver(v)
	if !ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c.err(ErrYAMLValidate, "Can't decode YAML scalar value")
		}
		req = [3]int{0, n, 0}
	}
	have, _ := parseSemver(EngineVersion)
	if req[0] != have[0] || compareSemver(have, req) < 0 {
		return c.err(ErrValidate, fmt.Sprintf("Rules require engine version %s, but engine version is %s", v, EngineVersion))
	}
	return nil
}

func (l *Loader) pluginVersions(c ctx, m mapping) error {
	n, _ := m.get("required_plugin_versions")
	if isNull(n) {
		return c.err(ErrYAMLValidate, "Mapping for key 'required_plugin_versions' is empty")
	}
	if n.Kind != yaml.SequenceNode {
		return c.err(ErrYAMLValidate, "Value is not a sequence")
	}
	for _, e := range n.Content {
		ec := c.with("required plugin versions entry", "", e)
		if e.Kind != yaml.MappingNode {
			return ec.err(ErrYAMLValidate, "Value is not a map")
		}
		em := mapping{e}
		name, _, err := em.scalar(ec, "name", true, false)
		if err != nil {
			return err
		}
		ec[len(ec)-1].ItemName = name
		req := pluginReq{ctx: ec}
		seen := map[string]bool{}
		add := func(c ctx, mm mapping, nm string) error {
			ver, _, err := mm.scalar(c, "version", true, false)
			if err != nil {
				return err
			}
			if _, ok := parseSemver(ver); !ok {
				return c.err(ErrValidate, "Plugin version string "+ver+" not valid")
			}
			if seen[nm] {
				return c.err(ErrValidate, "Defined multiple alternative version requirements for plugin '"+nm+"'")
			}
			seen[nm] = true
			req.alternatives = append(req.alternatives, struct{ name, version string }{nm, ver})
			return nil
		}
		if err := add(ec, em, name); err != nil {
			return err
		}
		if alts, ok := em.get("alternatives"); ok {
			if alts.Kind != yaml.SequenceNode {
				return ec.err(ErrYAMLValidate, "Value is not a sequence")
			}
			for _, a := range alts.Content {
				ac := ec.with("required plugin versions alternative", "", a)
				if a.Kind != yaml.MappingNode {
					return ac.err(ErrYAMLValidate, "Value is not a map")
				}
				am := mapping{a}
				an, _, err := am.scalar(ac, "name", true, false)
				if err != nil {
					return err
				}
				ac[len(ac)-1].ItemName = an
				if err := add(ac, am, an); err != nil {
					return err
				}
			}
		}
		l.reqs = append(l.reqs, req)
	}
	return nil
}

// CheckPluginRequirements checks every required_plugin_versions entry seen so
// far against the available plugins (name -> version).
func (l *Loader) CheckPluginRequirements(available map[string]string) *Result {
	res := &Result{Name: l.file, Successful: true}
	for _, r := range l.reqs {
		satisfied := false
		var wanted []string
		for _, alt := range r.alternatives {
			wanted = append(wanted, alt.name+" (>= "+alt.version+")")
			have, ok := available[alt.name]
			if !ok {
				continue
			}
			hv, _ := parseSemver(have)
			rv, _ := parseSemver(alt.version)
			if hv[0] != rv[0] || compareSemver(hv, rv) < 0 {
				res.Errors = append(res.Errors, r.ctx.diag(ErrValidate, fmt.Sprintf("Plugin '%s' version '%s' is not compatible with required plugin version '%s'", alt.name, have, alt.version)))
				continue
			}
			satisfied = true
		}
		if !satisfied && len(res.Errors) == 0 {
			res.Errors = append(res.Errors, r.ctx.diag(ErrValidate, "Plugin requirement not satisfied, must load one of: "+strings.Join(wanted, ", ")))
		}
		if !satisfied {
			res.Successful = false
			return res
		}
		res.Errors = nil
	}
	return res
}

var semverRe = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$`)

func parseSemver(s string) ([3]int, bool) {
	m := semverRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return [3]int{}, false
	}
	var v [3]int
	for i := 0; i < 3; i++ {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	return v, true
}

func compareSemver(a, b [3]int) int {
	for i := 0; i < 3; i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// parsePriority maps a priority string to a Priority with Falco's error.
func parsePriority(c ctx, s string) (alert.Priority, error) {
	p, err := alert.ParsePriority(s)
	if err != nil {
		return 0, c.err(ErrYAMLValidate, "Invalid priority")
	}
	return p, nil
}
