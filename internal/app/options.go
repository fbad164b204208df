// Package app runs peregrine the way Falco runs: it reads the configuration,
// selects the event sources, loads and validates the rules, replays or captures
// events through the engine, writes alerts to the configured outputs and prints
// the end-of-run summary. The command line maps its flags onto Options.
package app

import (
	"io"
	"time"
)

// Options are the settings of one run, mostly Falco's command-line flags.
type Options struct {
	ConfigFiles    []string      // -c
	Overrides      []string      // -o key=value
	RulesFiles     []string      // -r
	Validate       []string      // -V
	CaptureFile    string        // -e: a capture file to replay
	LiveSyscalls   bool          // capture syscalls live (peregrine run, when privileged)
	RecordFile     string        // --capture: record the live syscall capture to this .scap file
	DescribeAll    bool          // -L
	DescribeRule   string        // -l
	RunTags        []string      // -t
	DisableTags    []string      // -T
	DisableRules   []string      // -D (substring of rule names)
	AllEvents      bool          // -A
	Duration       time.Duration // -M
	Verbose        bool          // -v
	EnableSources  []string      // --enable-source
	DisableSources []string      // --disable-source
	ListFields     bool          // --list
	ListSource     string        // --list=<source>
	ListPlugins    bool          // --list-plugins
	NamesOnly      bool          // -N with --list / -L
	// OpenParams sets a source's input (source name -> open_params), taking
	// precedence over the plugins section of the configuration.
	OpenParams map[string]string
	// ResponsePolicies is a response policy file (overrides response.policies_file).
	ResponsePolicies string
	// Kubeconfig is the responder's kubeconfig (overrides response.kubeconfig).
	Kubeconfig string

	Stdout io.Writer
	Stderr io.Writer
}
