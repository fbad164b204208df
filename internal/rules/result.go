// Package rules loads Falco rules files: YAML items (lists, macros, rules,
// engine and plugin requirements), redefinition, `override` and legacy
// `append`, exceptions, and validation with Falco's error and warning codes,
// each located by file, line and column. Compiling conditions and outputs is
// delegated to a Compiler (the engine).
package rules

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Error codes (loading stops).
const (
	ErrFileRead         = "LOAD_ERR_FILE_READ"
	ErrYAMLParse        = "LOAD_ERR_YAML_PARSE"
	ErrYAMLValidate     = "LOAD_ERR_YAML_VALIDATE"
	ErrCompileCondition = "LOAD_ERR_COMPILE_CONDITION"
	ErrCompileOutput    = "LOAD_ERR_COMPILE_OUTPUT"
	ErrValidate         = "LOAD_ERR_VALIDATE"
)

// Warning codes (loading goes on).
const (
	WarnUnknownSource    = "LOAD_UNKNOWN_SOURCE"
	WarnUnsafeNACheck    = "LOAD_UNSAFE_NA_CHECK"
	WarnNoEvttype        = "LOAD_NO_EVTTYPE"
	WarnUnknownFilter    = "LOAD_UNKNOWN_FILTER"
	WarnUnusedMacro      = "LOAD_UNUSED_MACRO"
	WarnUnusedList       = "LOAD_UNUSED_LIST"
	WarnUnknownItem      = "LOAD_UNKNOWN_ITEM"
	WarnDeprecatedItem   = "LOAD_DEPRECATED_ITEM"
	WarnAppendNoValues   = "LOAD_APPEND_NO_VALUES"
	WarnExceptionNotUniq = "LOAD_EXCEPTION_NAME_NOT_UNIQUE"
	WarnInvalidMacroName = "LOAD_INVALID_MACRO_NAME"
	WarnInvalidListName  = "LOAD_INVALID_LIST_NAME"
	WarnCompileCondition = "LOAD_COMPILE_CONDITION"
	WarnUnknownKey       = "LOAD_UNKNOWN_KEY"
)

var codeText = map[string]string{
	ErrFileRead:          "File read error",
	ErrYAMLParse:         "YAML parse error",
	ErrYAMLValidate:      "Error validating internal structure of YAML file",
	ErrCompileCondition:  "Error compiling condition",
	ErrCompileOutput:     "Error compiling output",
	ErrValidate:          "Error validating rule/macro/list/exception objects",
	WarnUnknownSource:    "Unknown event source",
	WarnUnsafeNACheck:    "Unsafe <NA> comparison in condition",
	WarnNoEvttype:        "Condition has no event-type restriction",
	WarnUnknownFilter:    "Unknown field or event-type in condition or output",
	WarnUnusedMacro:      "Unused macro",
	WarnUnusedList:       "Unused list",
	WarnUnknownItem:      "Unknown rules file item",
	WarnDeprecatedItem:   "Used deprecated item",
	WarnAppendNoValues:   "Overriding/appending with no values",
	WarnExceptionNotUniq: "Multiple exceptions defined with the same name",
	WarnInvalidMacroName: "Invalid macro name",
	WarnInvalidListName:  "Invalid list name",
	WarnCompileCondition: "Warning in rule condition",
	WarnUnknownKey:       "Unknown key in item definition",
}

// Location is one step of a diagnostic's context: the item (and sub-item)
// where it was found.
type Location struct {
	ItemType string   `json:"item_type"`
	ItemName string   `json:"item_name"`
	Position Position `json:"position"`
}

// Position is a place in a file: 1-based line and column, 0-based byte offset.
type Position struct {
	Name   string `json:"name"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Offset int    `json:"offset"`
}

// Diagnostic is one error or warning.
type Diagnostic struct {
	Code      string
	Message   string
	Locations []Location
}

// String formats the diagnostic for people: "file:line:col: rule 'x': message (CODE)".
func (d Diagnostic) String() string {
	var b strings.Builder
	if n := len(d.Locations); n > 0 {
		last := d.Locations[n-1]
		for _, l := range d.Locations {
			if l.Position.Line > 0 {
				last.Position = l.Position
			}
		}
		fmt.Fprintf(&b, "%s:%d:%d: ", d.Locations[0].Position.Name, last.Position.Line, last.Position.Column)
		for _, l := range d.Locations[1:] {
			if l.ItemName != "" {
				fmt.Fprintf(&b, "%s '%s': ", l.ItemType, l.ItemName)
			}
		}
	}
	fmt.Fprintf(&b, "%s (%s)", d.Message, d.Code)
	return b.String()
}

// Result is the outcome of loading one rules file.
type Result struct {
	Name       string
	Successful bool
	Errors     []Diagnostic
	Warnings   []Diagnostic
}

// String is the human summary: "name: Ok", "name: Invalid", then each
// diagnostic on its own line with its place.
func (r *Result) String() string {
	var b strings.Builder
	if r.Name != "" {
		b.WriteString(r.Name + ": ")
	}
	if r.Successful {
		b.WriteString("Ok")
		if len(r.Warnings) > 0 {
			b.WriteString(", with warnings")
		}
	} else {
		b.WriteString("Invalid")
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(&b, "\n%d Errors:", len(r.Errors))
		for _, d := range r.Errors {
			b.WriteString("\n  " + d.String())
		}
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintf(&b, "\n%d Warnings:", len(r.Warnings))
		for _, d := range r.Warnings {
			b.WriteString("\n  " + d.String())
		}
	}
	return b.String()
}

// JSON renders the result in the shape of Falco's load result
// (name, successful, errors, warnings with code, codedesc, message, context).
func (r *Result) JSON() ([]byte, error) {
	type ctx struct {
		Locations []Location `json:"locations"`
	}
	type entry struct {
		Code     string `json:"code"`
		Codedesc string `json:"codedesc"`
		Context  ctx    `json:"context"`
		Message  string `json:"message"`
	}
	conv := func(ds []Diagnostic) []entry {
		out := make([]entry, 0, len(ds))
		for _, d := range ds {
			locs := d.Locations
			if locs == nil {
				locs = []Location{}
			}
			out = append(out, entry{Code: d.Code, Codedesc: codeText[d.Code], Context: ctx{Locations: locs}, Message: d.Message})
		}
		return out
	}
	return json.Marshal(struct {
		Errors     []entry `json:"errors"`
		Name       string  `json:"name"`
		Successful bool    `json:"successful"`
		Warnings   []entry `json:"warnings"`
	}{conv(r.Errors), r.Name, r.Successful, conv(r.Warnings)})
}

// loadError is a diagnostic raised as an error while loading.
type loadError struct{ d Diagnostic }

func (e *loadError) Error() string { return e.d.String() }
