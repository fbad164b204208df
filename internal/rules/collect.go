package rules

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	listNameRe  = regexp.MustCompile(`^[^()"'\s=,]+$`)
	macroNameRe = regexp.MustCompile(`^[a-zA-Z]+[a-zA-Z0-9_]*$`)
)

// overrides decodes the override: mapping (key -> append|replace).
func overrides(c ctx, m mapping, appendAllowed, replaceAllowed []string) (map[string]string, bool, error) {
	n, ok := m.get("override")
	if !ok {
		return nil, false, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, false, c.err(ErrYAMLValidate, "Value is not a map")
	}
	oc := c.with("overrides", "", n)
	out := map[string]string{}
	in := func(list []string, k string) bool {
		for _, x := range list {
			if x == k {
				return true
			}
		}
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, op := n.Content[i].Value, n.Content[i+1].Value
		switch op {
		case "append":
			if !in(appendAllowed, k) {
				if in(replaceAllowed, k) {
					return nil, false, oc.err(ErrYAMLValidate, "Key '"+k+"' cannot be appended to, use 'replace' instead")
				}
				return nil, false, oc.err(ErrYAMLValidate, "Unexpected key '"+k+"': no corresponding entry under 'override' is defined.")
			}
		case "replace":
			if !in(replaceAllowed, k) {
				if in(appendAllowed, k) {
					return nil, false, oc.err(ErrYAMLValidate, "Key '"+k+"' cannot be replaced")
				}
				return nil, false, oc.err(ErrYAMLValidate, "Unexpected key '"+k+"': no corresponding entry under 'override' is defined.")
			}
		default:
			return nil, false, oc.err(ErrYAMLValidate, "Invalid override operation for key '"+k+"': '"+op+"'. Allowed values are: append, replace")
		}
		if !m.has(k) {
			return nil, false, oc.err(ErrYAMLValidate, "An "+op+" override for '"+k+"' was specified but '"+k+"' is not defined")
		}
		out[k] = op
	}
	return out, true, nil
}

func (l *Loader) next() int { l.counter++; return l.counter }

func (l *Loader) list(c ctx, m mapping) error {
	name, _, err := m.scalar(c, "list", true, false)
	if err != nil {
		return err
	}
	if !listNameRe.MatchString(name) {
		l.warn(c, WarnInvalidListName, "List has an invalid name. List names should match a regular expression: "+listNameRe.String())
	}
	items, _, err := m.stringSeq(c, "items", true)
	if err != nil {
		return err
	}
	app, err := l.legacyAppend(c, m)
	if err != nil {
		return err
	}
	ov, hasOv, err := overrides(c, m, []string{"items"}, []string{"items"})
	if err != nil {
		return err
	}
	if app && hasOv {
		return c.err(ErrYAMLValidate, "Keys 'override' and 'append: true' cannot be used together.")
	}
	old := l.lists[name]
	if app || ov["items"] == "append" {
		if old == nil {
			return c.err(ErrValidate, "List has 'append' key but no list by that name already exists")
		}
		old.items = append(old.items, items...)
		old.visibility = l.next()
		return nil
	}
	if hasOv && old == nil {
		return c.err(ErrValidate, "An replace to a list was requested but no list by that name already exists")
	}
	if old != nil {
		old.items, old.visibility, old.ctx = items, l.next(), c
		return nil
	}
	idx := l.next()
	l.lists[name] = &listInfo{name: name, items: items, index: idx, visibility: idx, ctx: c}
	l.order.lists = append(l.order.lists, name)
	return nil
}

// legacyAppend decodes `append:` and warns that it is deprecated.
func (l *Loader) legacyAppend(c ctx, m mapping) (bool, error) {
	app, has, err := m.boolean(c, "append")
	if err != nil {
		return false, err
	}
	if has {
		l.warn(c, WarnDeprecatedItem, "The 'append' key is deprecated. Use 'override' instead.")
	}
	return app, nil
}

func (l *Loader) macro(c ctx, m mapping) error {
	name, _, err := m.scalar(c, "macro", true, false)
	if err != nil {
		return err
	}
	if !macroNameRe.MatchString(name) {
		l.warn(c, WarnInvalidMacroName, "Macro has an invalid name. Macro names should match a regular expression: "+macroNameRe.String())
	}
	cond, _, err := m.scalar(c, "condition", true, false)
	if err != nil {
		return err
	}
	cn, _ := m.get("condition")
	condCtx := c.with("macro condition", "", cn)
	app, err := l.legacyAppend(c, m)
	if err != nil {
		return err
	}
	ov, hasOv, err := overrides(c, m, []string{"condition"}, []string{"condition"})
	if err != nil {
		return err
	}
	if app && hasOv {
		return c.err(ErrYAMLValidate, "Keys 'override' and 'append: true' cannot be used together.")
	}
	old := l.macros[name]
	if app || ov["condition"] == "append" {
		if old == nil {
			return c.err(ErrValidate, "Macro has 'append' key but no macro by that name already exists")
		}
		old.cond = old.cond + " " + cond
		old.visibility = l.next()
		return nil
	}
	if hasOv && old == nil {
		return c.err(ErrValidate, "An replace to a macro was requested but no macro by that name already exists")
	}
	if old != nil {
		old.cond, old.visibility, old.ctx, old.condCtx = cond, l.next(), c, condCtx
		return nil
	}
	idx := l.next()
	l.macros[name] = &macroInfo{name: name, cond: cond, index: idx, visibility: idx, ctx: c, condCtx: condCtx}
	l.order.macros = append(l.order.macros, name)
	return nil
}

var (
	ruleAppendKeys  = []string{"condition", "output", "desc", "tags", "exceptions"}
	ruleReplaceKeys = []string{"condition", "output", "desc", "priority", "tags", "exceptions", "enabled",
		"warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration"}
)

func (l *Loader) rule(c ctx, m mapping) error {
	name, _, err := m.scalar(c, "rule", true, false)
	if err != nil {
		return err
	}
	app, err := l.legacyAppend(c, m)
	if err != nil {
		return err
	}
	ov, hasOv, err := overrides(c, m, ruleAppendKeys, ruleReplaceKeys)
	if err != nil {
		return err
	}
	if app && hasOv {
		return c.err(ErrYAMLValidate, "Keys 'override' and 'append: true' cannot be used together.")
	}
	src, hasSrc, err := m.scalar(c, "source", false, true)
	if err != nil {
		return err
	}
	old := l.rules[name]
	if hasSrc && src != "" && old != nil && old.Source != "" && old.Source != src {
		return c.err(ErrValidate, "Rule has been re-defined with a different source")
	}
	switch {
	case app:
		return l.appendRule(c, m, name, old)
	case hasOv:
		return l.overrideRule(c, m, name, old, ov)
	}
	full := m.has("condition") || m.has("output") || m.has("desc") || m.has("priority")
	if !full {
		// Legacy "enable-only" item.
		en, has, err := m.boolean(c, "enabled")
		if err != nil {
			return err
		}
		if !has {
			return c.err(ErrYAMLValidate, "Item has no mapping for key 'condition'")
		}
		if old == nil {
			return c.err(ErrValidate, "Rule has 'enabled' key but no rule by that name already exists")
		}
		l.warn(c, WarnDeprecatedItem, "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry in the 'override' key (i.e. 'override: { enabled: replace }').")
		old.Enabled = en
		return nil
	}
	r := &ruleInfo{ctx: c}
	r.Name, r.Enabled, r.WarnEvtType, r.Source = name, true, true, "syscall"
	if hasSrc && src != "" {
		r.Source = src
	}
	if r.cond, _, err = m.scalar(c, "condition", true, false); err != nil {
		return err
	}
	cn, _ := m.get("condition")
	r.condCtx = c.with("rule condition", "", cn)
	if r.Output, _, err = m.scalar(c, "output", true, false); err != nil {
		return err
	}
	r.Output = strings.TrimSpace(r.Output)
	on, _ := m.get("output")
	r.outCtx = c.with("rule output", "", on)
	if r.Desc, _, err = m.scalar(c, "desc", true, false); err != nil {
		return err
	}
	pr, _, err := m.scalar(c, "priority", true, false)
	if err != nil {
		return err
	}
	if r.Priority, err = parsePriority(c, pr); err != nil {
		return err
	}
	if err := l.ruleOptions(c, m, r); err != nil {
		return err
	}
	if r.exceptions, err = l.exceptions(c, m, r.Source, false); err != nil {
		return err
	}
	if !l.c.HasSource(r.Source) {
		r.unknownSource = true
		l.warn(c, WarnUnknownSource, "Unknown source "+r.Source+", skipping")
	}
	l.counterRule(name, r, old)
	return nil
}

// counterRule stores a full rule definition, keeping the first definition's position.
func (l *Loader) counterRule(name string, r *ruleInfo, old *ruleInfo) {
	idx := l.next()
	if old != nil {
		r.Index = old.Index
		*old = *r
		return
	}
	r.Index = idx
	l.rules[name] = r
	l.order.rules = append(l.order.rules, name)
}

// ruleOptions decodes the optional scalar keys of a rule.
func (l *Loader) ruleOptions(c ctx, m mapping, r *ruleInfo) error {
	var err error
	set := func(key string, dst *bool) {
		if err != nil {
			return
		}
		var v, has bool
		if v, has, err = m.boolean(c, key); has {
			*dst = v
		}
	}
	set("enabled", &r.Enabled)
	set("warn_evttypes", &r.WarnEvtType)
	set("skip-if-unknown-filter", &r.skipUnknown)
	set("capture", &r.Capture)
	if err != nil {
		return err
	}
	if d, has, err := m.scalar(c, "capture_duration", false, false); err != nil {
		return err
	} else if has {
		ms, perr := strconv.ParseUint(d, 10, 32)
		if perr != nil {
			return c.err(ErrYAMLValidate, "Can't decode YAML scalar value")
		}
		r.CaptureNS = int64(ms) * 1_000_000
	}
	if tags, has, err := m.stringSeq(c, "tags", false); err != nil {
		return err
	} else if has {
		r.Tags = tagSet(nil, tags)
	}
	return nil
}

func tagSet(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range append(append([]string{}, a...), b...) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// appendRule applies a legacy `append: true` rule item.
func (l *Loader) appendRule(c ctx, m mapping, name string, old *ruleInfo) error {
	if !m.has("condition") && !m.has("exceptions") {
		return c.err(ErrValidate, "Appended rule must have exceptions or condition property")
	}
	if old == nil {
		return c.err(ErrValidate, "Rule has 'append' key but no rule by that name already exists")
	}
	if cond, has, err := m.scalar(c, "condition", false, true); err != nil {
		return err
	} else if has && cond != "" {
		old.cond = old.cond + " " + cond
	}
	exc, err := l.exceptions(c, m, old.Source, true)
	if err != nil {
		return err
	}
	if err := mergeExceptions(c, old, exc); err != nil {
		return err
	}
	l.next()
	return nil
}

// overrideRule applies an `override:` rule item.
func (l *Loader) overrideRule(c ctx, m mapping, name string, old *ruleInfo, ov map[string]string) error {
	for _, k := range ruleReplaceKeys {
		if m.has(k) && ov[k] == "" {
			return c.err(ErrYAMLValidate, "Unexpected key '"+k+"': no corresponding entry under 'override' is defined.")
		}
	}
	if old == nil {
		for _, op := range ov {
			if op == "append" {
				return c.err(ErrValidate, "Rule has 'append' key or an append override but no rule by that name already exists")
			}
		}
		return c.err(ErrValidate, "An replace to a rule was requested but no rule by that name already exists")
	}
	for k, op := range ov {
		switch k {
		case "condition", "output", "desc":
			v, _, err := m.scalar(c, k, false, true)
			if err != nil {
				return err
			}
			dst := map[string]*string{"condition": &old.cond, "output": &old.Output, "desc": &old.Desc}[k]
			if k == "output" {
				v = strings.TrimSpace(v)
			}
			if op == "append" {
				if v != "" {
					*dst = *dst + " " + v
				}
			} else {
				*dst = v
			}
		case "tags":
			tags, _, err := m.stringSeq(c, "tags", false)
			if err != nil {
				return err
			}
			if op == "append" {
				old.Tags = tagSet(old.Tags, tags)
			} else {
				old.Tags = tagSet(nil, tags)
			}
		case "exceptions":
			exc, err := l.exceptions(c, m, old.Source, op == "append")
			if err != nil {
				return err
			}
			if op == "append" {
				if err := mergeExceptions(c, old, exc); err != nil {
					return err
				}
			} else {
				old.exceptions = exc
			}
		case "priority":
			pr, _, err := m.scalar(c, "priority", false, false)
			if err != nil {
				return err
			}
			if old.Priority, err = parsePriority(c, pr); err != nil {
				return err
			}
		case "capture_duration":
			d, _, err := m.scalar(c, k, false, false)
			if err != nil {
				return err
			}
			ms, perr := strconv.ParseUint(d, 10, 32)
			if perr != nil {
				return c.err(ErrYAMLValidate, "Can't decode YAML scalar value")
			}
			old.CaptureNS = int64(ms) * 1_000_000
		default: // boolean keys
			v, _, err := m.boolean(c, k)
			if err != nil {
				return err
			}
			*map[string]*bool{"enabled": &old.Enabled, "warn_evttypes": &old.WarnEvtType,
				"skip-if-unknown-filter": &old.skipUnknown, "capture": &old.Capture}[k] = v
		}
	}
	l.next()
	return nil
}
