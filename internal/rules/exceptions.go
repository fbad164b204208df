package rules

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// exception is one entry of a rule's exceptions.
type exception struct {
	name      string
	fields    []string
	fieldList bool // fields written as a sequence
	comps     []string
	values    []excTuple
	ctx       ctx
}

// excTuple is one line of values: a tuple (list form) or a scalar (single form).
type excTuple []excValue

type excValue struct {
	text  string
	list  []string
	isSeq bool
}

var listComps = map[string]bool{"in": true, "intersects": true, "pmatch": true}
var scalarComps = map[string]bool{"=": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true,
	"contains": true, "icontains": true, "bcontains": true, "startswith": true, "bstartswith": true,
	"endswith": true, "glob": true, "iglob": true, "regex": true, "in": true, "intersects": true, "pmatch": true}
var modComps = map[string]bool{"=": true, "==": true, "!=": true, "contains": true, "icontains": true,
	"bcontains": true, "startswith": true, "bstartswith": true, "endswith": true, "glob": true, "iglob": true, "regex": true}

// isListComp reports whether a comparison takes a parenthesised list:
// in, intersects, pmatch, or a string operator with a modifier.
func isListComp(comp string) bool {
	if listComps[comp] {
		return true
	}
	f := strings.Fields(comp)
	return len(f) == 2 && modComps[f[0]] && (f[1] == "oneof" || f[1] == "anyof" || f[1] == "allof")
}

func validComp(comp string) bool { return scalarComps[comp] || isListComp(comp) }

// exceptions decodes a rule's exceptions: key. forAppend relaxes the checks
// for entries that only add values to an existing exception.
func (l *Loader) exceptions(c ctx, m mapping, source string, forAppend bool) ([]exception, error) {
	n, ok := m.get("exceptions")
	if !ok || isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, c.with("exceptions", "", n).err(ErrYAMLValidate, "Value is not a sequence")
	}
	var out []exception
	seen := map[string]bool{}
	for _, e := range n.Content {
		ec := c.with("exception", "", e)
		if e.Kind != yaml.MappingNode {
			return nil, ec.err(ErrYAMLValidate, "Value is not a map")
		}
		em := mapping{e}
		name, _, err := em.scalar(ec, "name", true, false)
		if err != nil {
			return nil, err
		}
		ec[len(ec)-1].ItemName = name
		if seen[name] {
			l.warn(ec, WarnExceptionNotUniq, "Multiple definitions of exception '"+name+"' in the same rule")
		}
		seen[name] = true
		ex := exception{name: name, ctx: ec}
		if fn, ok := em.get("fields"); ok && !isNull(fn) {
			if fn.Kind == yaml.SequenceNode {
				ex.fieldList = true
				for _, f := range fn.Content {
					ex.fields = append(ex.fields, f.Value)
				}
			} else {
				ex.fields = []string{fn.Value}
			}
		} else if !forAppend {
			return nil, ec.err(ErrYAMLValidate, "Item has no mapping for key 'fields'")
		}
		if cn, ok := em.get("comps"); ok && !isNull(cn) {
			if cn.Kind == yaml.SequenceNode {
				for _, x := range cn.Content {
					ex.comps = append(ex.comps, strings.TrimSpace(x.Value))
				}
			} else {
				ex.comps = []string{strings.TrimSpace(cn.Value)}
			}
		}
		if vn, ok := em.get("values"); ok && !isNull(vn) {
			if vn.Kind != yaml.SequenceNode {
				return nil, ec.err(ErrYAMLValidate, "Value is not a sequence")
			}
			for _, row := range vn.Content {
				ex.values = append(ex.values, decodeTuple(row))
			}
		} else if forAppend {
			l.warn(ec, WarnAppendNoValues, "Overriding/appending exception with no values")
		}
		if len(ex.fields) > 0 {
			if err := l.validateException(&ex, source); err != nil {
				return nil, err
			}
		}
		out = append(out, ex)
	}
	return out, nil
}

func decodeTuple(row *yaml.Node) excTuple {
	if row.Kind != yaml.SequenceNode {
		return excTuple{{text: row.Value}}
	}
	var t excTuple
	for _, v := range row.Content {
		if v.Kind == yaml.SequenceNode {
			ev := excValue{isSeq: true}
			for _, x := range v.Content {
				ev.list = append(ev.list, x.Value)
			}
			t = append(t, ev)
		} else {
			t = append(t, excValue{text: v.Value})
		}
	}
	return t
}

// validateException checks fields and comps and fills in default comps.
func (l *Loader) validateException(ex *exception, source string) error {
	if ex.fieldList {
		if len(ex.comps) == 0 {
			for range ex.fields {
				ex.comps = append(ex.comps, "=")
			}
		}
		if len(ex.comps) != len(ex.fields) {
			return ex.ctx.err(ErrValidate, "Fields and comps lists must have equal length")
		}
	} else {
		if len(ex.comps) == 0 {
			ex.comps = []string{"in"}
		}
		if len(ex.comps) != 1 || !(listComps[ex.comps[0]] || isListComp(ex.comps[0])) {
			return ex.ctx.err(ErrValidate, "'"+strings.Join(ex.comps, ", ")+"' is not a supported comparison operator")
		}
	}
	for _, comp := range ex.comps {
		if !validComp(comp) {
			return ex.ctx.err(ErrValidate, "'"+comp+"' is not a supported comparison operator")
		}
	}
	if !l.c.HasSource(source) {
		return nil
	}
	for _, f := range ex.fields {
		if err := l.c.CheckField(source, f); err != nil {
			return ex.ctx.err(ErrValidate, "'"+f+"' is not a supported filter field")
		}
	}
	return nil
}

// mergeExceptions appends exceptions to a rule: new names are added (they
// must define fields), existing ones only take more values.
func mergeExceptions(c ctx, r *ruleInfo, add []exception) error {
	for _, ex := range add {
		found := false
		for i := range r.exceptions {
			if r.exceptions[i].name != ex.name {
				continue
			}
			found = true
			if len(ex.fields) > 0 || len(ex.comps) > 0 && ex.fieldList {
				return ex.ctx.err(ErrValidate, "Can not append exception fields/comps to existing exception, only values")
			}
			r.exceptions[i].values = append(r.exceptions[i].values, ex.values...)
		}
		if !found {
			if len(ex.fields) == 0 {
				return ex.ctx.err(ErrValidate, "Rule exception must have fields property with a list of fields")
			}
			r.exceptions = append(r.exceptions, ex)
		}
	}
	return nil
}

// quoteItem wraps a value with a space in double quotes unless it is quoted.
func quoteItem(s string) string {
	if strings.Contains(s, " ") && !strings.HasPrefix(s, "\"") && !strings.HasPrefix(s, "'") {
		return "\"" + s + "\""
	}
	return s
}

// expandExceptions builds the rule condition with its exceptions, exactly as
// Falco writes it before list substitution.
func expandExceptions(cond string, excs []exception) (string, []string, error) {
	out := "(" + cond + ")"
	var fields []string
	seen := map[string]bool{}
	addField := func(f string) {
		if !seen[f] {
			seen[f] = true
			fields = append(fields, f)
		}
	}
	for _, ex := range excs {
		var ic string
		if !ex.fieldList {
			for _, t := range ex.values {
				if len(t) != 1 || t[0].isSeq {
					return "", nil, ex.ctx.err(ErrValidate, "Expected values array to contain a list of strings")
				}
				if ic == "" {
					ic = "(" + ex.fields[0] + " " + ex.comps[0] + " ("
				} else {
					ic += ", "
				}
				addField(ex.fields[0])
				ic += quoteItem(t[0].text)
			}
			if ic != "" {
				ic += "))"
			}
		} else {
			ic = "("
			for _, t := range ex.values {
				if len(t) != len(ex.fields) {
					return "", nil, ex.ctx.err(ErrValidate, "Fields and values lists must have equal length")
				}
				if ic != "(" {
					ic += " or "
				}
				ic += "("
				for k, f := range ex.fields {
					if k > 0 {
						ic += " and "
					}
					var v string
					if t[k].isSeq {
						v = "("
						for i, x := range t[k].list {
							if i > 0 {
								v += ", "
							}
							v += quoteItem(x)
						}
						v += ")"
					} else {
						v = t[k].text
						if isListComp(ex.comps[k]) {
							if !strings.HasPrefix(v, "(") {
								v = "(" + v + ")"
							}
						} else {
							v = quoteItem(v)
						}
					}
					ic += " " + f + " " + ex.comps[k] + " " + v
					addField(f)
				}
				ic += ")"
			}
			ic += ")"
			if ic == "()" {
				ic = ""
			}
		}
		if ic != "" {
			out += " and not " + ic
		}
	}
	return out, fields, nil
}
