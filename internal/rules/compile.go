package rules

import (
	"fmt"
	"strings"

	"github.com/peregrine-sec/peregrine/internal/condition"
)

// maxExpandedNodes bounds a condition's size after macro expansion.
const maxExpandedNodes = 1 << 20

// deprecatedFields give LOAD_DEPRECATED_ITEM when used.
var deprecatedFields = []string{"evt.dir", "evt.latency", "evt.wait_latency"}

// compile expands and compiles the whole collection, as Falco does after each
// file. On success the compiled rules replace the previous ones.
func (l *Loader) compile() error {
	// Lists: one level of expansion over raw items of lists defined earlier.
	var lists []condition.NamedList
	usedLists := map[string]bool{}
	for _, name := range l.order.lists {
		li := l.lists[name]
		nl := condition.NamedList{Name: name, Items: []string{}}
		for _, it := range li.items {
			if ref, ok := l.lists[it]; ok && ref.index < li.visibility {
				usedLists[it] = true
				nl.Items = append(nl.Items, ref.items...)
				continue
			}
			nl.Items = append(nl.Items, it)
		}
		lists = append(lists, nl)
	}
	parse := func(text string, c ctx) (condition.Expr, error) {
		sub, used := condition.SubstituteLists(text, lists)
		for _, u := range used {
			usedLists[u] = true
		}
		e, err := condition.Parse(sub)
		if err != nil {
			return nil, c.err(ErrCompileCondition, err.Error())
		}
		return e, nil
	}
	// Macros: parse each once, then resolve references with visibility.
	parsed := map[string]condition.Expr{}
	for _, name := range l.order.macros {
		mi := l.macros[name]
		e, err := parse(mi.cond, mi.condCtx)
		if err != nil {
			return err
		}
		parsed[name] = e
	}
	usedMacros := map[string]bool{}
	resolved := map[string]condition.Expr{}
	sizes := map[string]int{}
	var resolve func(name string, visibility int, stack []string) (condition.Expr, error)
	resolve = func(name string, visibility int, stack []string) (condition.Expr, error) {
		mi, ok := l.macros[name]
		if !ok || mi.index >= visibility {
			return nil, errUndefinedMacro(name)
		}
		for _, s := range stack {
			if s == name {
				return nil, errMacroLoop(stack[0])
			}
		}
		usedMacros[name] = true
		if e, ok := resolved[name]; ok {
			return e, nil
		}
		// Bound the expanded size first: macros that reference each other
		// several times grow exponentially when pasted.
		n, err := 0, error(nil)
		condition.Walk(parsed[name], func(x condition.Expr) bool {
			n++
			if ref, ok := x.(*condition.MacroRef); ok && err == nil {
				if _, err = resolve(ref.Name, mi.visibility, append(stack, name)); err == nil {
					n += sizes[ref.Name]
				}
			}
			return true
		})
		if err != nil {
			return nil, err
		}
		if n > maxExpandedNodes {
			return nil, &macroErr{fmt.Sprintf("macro '%s' expands to more than %d nodes", name, maxExpandedNodes)}
		}
		e, err := condition.ExpandMacros(parsed[name], func(ref string) (condition.Expr, error) {
			return resolve(ref, mi.visibility, append(stack, name))
		})
		if err != nil {
			return nil, err
		}
		resolved[name], sizes[name] = e, n
		return e, nil
	}
	for _, name := range l.order.macros {
		mi := l.macros[name]
		if _, err := resolve(name, int(^uint(0)>>1), nil); err != nil {
			return mi.ctx.err(ErrValidate, err.Error())
		}
		delete(usedMacros, name) // a macro does not use itself
	}
	for _, name := range l.order.macros {
		for _, ref := range condition.MacroRefs(parsed[name]) {
			usedMacros[ref] = true
		}
	}
	// Rules.
	var out []*Rule
	for _, name := range l.order.rules {
		ri := l.rules[name]
		if ri.unknownSource {
			continue
		}
		r, err := l.compileRule(ri, parse, func(ref string) (condition.Expr, error) {
			usedMacros[ref] = true
			return resolve(ref, int(^uint(0)>>1), nil)
		})
		if err != nil {
			return err
		}
		if r != nil {
			out = append(out, r)
		}
	}
	for _, name := range l.order.macros {
		if !usedMacros[name] {
			l.warn(l.macros[name].ctx, WarnUnusedMacro, "Macro not referred to by any other rule/macro")
		}
	}
	for _, name := range l.order.lists {
		if !usedLists[name] {
			l.warn(l.lists[name].ctx, WarnUnusedList, "List not referred to by any other rule/macro")
		}
	}
	l.compiled = out
	return nil
}

type macroErr struct{ msg string }

func (e *macroErr) Error() string { return e.msg }
func errUndefinedMacro(n string) error {
	return &macroErr{"Undefined macro '" + n + "' used in filter."}
}
func errMacroLoop(n string) error { return &macroErr{"reference loop in macro '" + n + "'"} }

// compileRule builds one rule: exceptions, output, condition, event types.
// It returns nil without error when skip-if-unknown-filter drops the rule.
func (l *Loader) compileRule(ri *ruleInfo, parse func(string, ctx) (condition.Expr, error),
	resolve func(string) (condition.Expr, error)) (*Rule, error) {
	r := ri.Rule
	r.Tags = append([]string(nil), ri.Tags...)
	cond := ri.cond
	if len(ri.exceptions) > 0 {
		var err error
		if cond, r.ExcFields, err = expandExceptions(cond, ri.exceptions); err != nil {
			return nil, err
		}
	}
	r.Condition = cond
	for _, ao := range l.opts.AppendOutput {
		if (ao.Source != "" && ao.Source != r.Source) || (ao.Rule != "" && ao.Rule != r.Name) || !subset(ao.Tags, r.Tags) {
			continue
		}
		r.Output += " " + ao.ExtraOutput
	}
	if strings.Contains(r.Output, "%container.info") {
		l.warn(ri.ctx, WarnDeprecatedItem, "%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message.")
		r.Output = strings.ReplaceAll(r.Output, "%container.info", "")
	}
	format, err := l.c.CompileOutput(r.Source, r.Output)
	if err != nil {
		if ri.skipUnknown && IsUnknownField(err) {
			l.warn(ri.outCtx, WarnUnknownFilter, err.Error())
			return nil, nil
		}
		return nil, ri.outCtx.err(ErrCompileOutput, err.Error())
	}
	for _, df := range deprecatedFields {
		if strings.Contains(r.Output, df) {
			l.warn(ri.outCtx, WarnDeprecatedItem, "usage of deprecated field '"+df+"' has been detected in the rule output")
		}
	}
	expr, err := parse(cond, ri.condCtx)
	if err != nil {
		return nil, err
	}
	expr, err = condition.ExpandMacros(expr, resolve)
	if err != nil {
		return nil, ri.ctx.err(ErrValidate, err.Error())
	}
	l.conditionWarnings(ri, expr)
	filter, warnings, err := l.c.CompileCondition(r.Source, expr)
	if err != nil {
		if ri.skipUnknown && IsUnknownField(err) {
			l.warn(ri.condCtx, WarnUnknownFilter, err.Error())
			return nil, nil
		}
		return nil, ri.condCtx.err(ErrCompileCondition, err.Error())
	}
	for _, w := range warnings {
		l.warn(ri.condCtx, WarnCompileCondition, w)
	}
	if n, indexed, err := l.c.EventTypes(r.Source, expr); err != nil {
		return nil, ri.condCtx.err(ErrCompileCondition, err.Error())
	} else if indexed && n > 100 && ri.WarnEvtType {
		l.warn(ri.ctx, WarnNoEvttype, "Rule matches too many evt.type values. This has a significant performance penalty.")
	}
	r.Expr, r.Filter, r.Format = expr, filter, format
	r.File = ri.ctx[0].Position.Name
	if len(ri.ctx) > 1 {
		r.Line = ri.ctx[len(ri.ctx)-1].Position.Line
	}
	return &r, nil
}

// conditionWarnings emits LOAD_UNSAFE_NA_CHECK and deprecated-field warnings.
func (l *Loader) conditionWarnings(ri *ruleInfo, e condition.Expr) {
	naOps := map[string]bool{"=": true, "==": true, "!=": true, "in": true, "intersects": true, "pmatch": true}
	warnedNA, warnedDep := false, map[string]bool{}
	condition.Walk(e, func(x condition.Expr) bool {
		c, ok := x.(*condition.Check)
		if !ok {
			return true
		}
		f, ok := c.Left.(*condition.FieldRef)
		if !ok {
			return true
		}
		for _, df := range deprecatedFields {
			if (f.Name == df || strings.HasPrefix(f.Name, df+".")) && !warnedDep[df] {
				warnedDep[df] = true
				l.warn(ri.condCtx, WarnDeprecatedItem, "usage of deprecated field '"+df+"' has been detected in the rule condition")
			}
		}
		if warnedNA || !naOps[c.Op] || !(strings.HasPrefix(f.Name, "ka.") || strings.HasPrefix(f.Name, "jevt.")) {
			return true
		}
		hasNA := false
		switch r := c.Right.(type) {
		case *condition.Value:
			hasNA = r.Text == "<NA>"
		case *condition.List:
			for _, v := range r.Values {
				hasNA = hasNA || v.Text == "<NA>"
			}
		}
		if hasNA {
			warnedNA = true
			l.warn(ri.condCtx, WarnUnsafeNACheck, "comparing a field value with <NA> is unsafe and can lead to unpredictable behavior of the rule condition. If you need to check for the existence of a field, consider using the 'exists' operator instead.")
		}
		return true
	})
}

func subset(want, have []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
