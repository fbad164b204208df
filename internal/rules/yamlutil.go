package rules

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// ctx is the chain of locations a diagnostic is attached to.
type ctx []Location

func (c ctx) with(itemType, itemName string, n *yaml.Node) ctx {
	out := make(ctx, len(c), len(c)+1)
	copy(out, c)
	pos := Position{}
	if len(c) > 0 {
		pos.Name = c[0].Position.Name
	}
	if n != nil {
		pos.Line, pos.Column = n.Line, n.Column
	}
	return append(out, Location{ItemType: itemType, ItemName: itemName, Position: pos})
}

func (c ctx) err(code, msg string) error {
	return &loadError{d: Diagnostic{Code: code, Message: msg, Locations: c}}
}

func (c ctx) diag(code, msg string) Diagnostic {
	return Diagnostic{Code: code, Message: msg, Locations: c}
}

// mapping is a YAML mapping node with key lookup.
type mapping struct {
	node *yaml.Node
}

func (m mapping) get(key string) (*yaml.Node, bool) {
	for i := 0; i+1 < len(m.node.Content); i += 2 {
		if m.node.Content[i].Value == key {
			return m.node.Content[i+1], true
		}
	}
	return nil, false
}

func (m mapping) has(key string) bool { _, ok := m.get(key); return ok }

func (m mapping) keys() []*yaml.Node {
	var out []*yaml.Node
	for i := 0; i+1 < len(m.node.Content); i += 2 {
		out = append(out, m.node.Content[i])
	}
	return out
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// scalar decodes a scalar key with Falco's checks. required keys must be present.
func (m mapping) scalar(c ctx, key string, required, allowEmpty bool) (string, bool, error) {
	n, ok := m.get(key)
	if !ok {
		if required {
			return "", false, c.err(ErrYAMLValidate, "Item has no mapping for key '"+key+"'")
		}
		return "", false, nil
	}
	if isNull(n) {
		return "", false, c.err(ErrYAMLValidate, "Mapping for key '"+key+"' is empty")
	}
	if n.Kind != yaml.ScalarNode {
		return "", false, c.err(ErrYAMLValidate, "Value is not a scalar value")
	}
	if n.Value == "" && !allowEmpty {
		return "", false, c.err(ErrYAMLValidate, "Value must be non-empty")
	}
	return n.Value, true, nil
}

// boolean decodes an optional boolean the way yaml-cpp does.
func (m mapping) boolean(c ctx, key string) (bool, bool, error) {
	v, ok, err := m.scalar(c, key, false, false)
	if err != nil || !ok {
		return false, ok, err
	}
	switch strings.ToLower(v) {
	case "true", "yes", "on", "y":
		return true, true, nil
	case "false", "no", "off", "n":
		return false, true, nil
	}
	return false, false, c.err(ErrYAMLValidate, "Can't decode YAML scalar value")
}

// stringSeq decodes a sequence of scalars (items, tags).
func (m mapping) stringSeq(c ctx, key string, required bool) ([]string, bool, error) {
	n, ok := m.get(key)
	if !ok {
		if required {
			return nil, false, c.err(ErrYAMLValidate, "Item has no mapping for key '"+key+"'")
		}
		return nil, false, nil
	}
	if isNull(n) {
		return nil, false, c.err(ErrYAMLValidate, "Mapping for key '"+key+"' is empty")
	}
	if n.Kind != yaml.SequenceNode {
		return nil, false, c.err(ErrYAMLValidate, "Value is not a sequence")
	}
	out := make([]string, 0, len(n.Content))
	for _, it := range n.Content {
		if it.Kind != yaml.ScalarNode {
			return nil, false, c.err(ErrYAMLValidate, "Value is not a scalar value")
		}
		out = append(out, it.Value)
	}
	return out, true, nil
}
