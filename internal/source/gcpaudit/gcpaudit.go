// Package gcpaudit is the GCP audit log source (source gcp_auditlog). It
// stands in for Falco's gcpaudit plugin over recorded logs: Cloud Logging
// LogEntry objects, one JSON object per line, timestamped by their
// `timestamp`. Reading from Pub/Sub is a separate piece of work.
package gcpaudit

import (
	"context"
	"fmt"
	"time"

	"github.com/valyala/fastjson"

	"github.com/peregrine-sec/peregrine/internal/field"
	je "github.com/peregrine-sec/peregrine/internal/source/jsonevent"
)

// SourceName is the event source name rules use.
const SourceName = "gcp_auditlog"

// Event is one record; valid only during the emit callback.
type Event struct{ je.Event }

// Reader reads LogEntry JSON lines; it reuses its parser and event.
type Reader struct {
	p   fastjson.Parser
	ev  Event
	seq uint64
	// Skipped counts lines that are not JSON objects with a valid timestamp.
	Skipped uint64
}

// Decode emits the log entry in one line.
func (r *Reader) Decode(line []byte, emit func(*Event)) error {
	v, err := r.p.ParseBytes(line)
	if err != nil || v.Type() != fastjson.TypeObject {
		r.Skipped++
		return fmt.Errorf("not a GCP audit log entry: %v", err)
	}
	ts, err := time.Parse(time.RFC3339Nano, string(v.GetStringBytes("timestamp")))
	if err != nil {
		r.Skipped++
		return fmt.Errorf("GCP audit log entry without a valid timestamp: %w", err)
	}
	r.seq++
	r.ev.Reset(SourceName, ts.UnixNano(), r.seq, v)
	emit(&r.ev)
	return nil
}

// ReadPath reads a file of LogEntry JSON lines.
func (r *Reader) ReadPath(ctx context.Context, path string, emit func(*Event), onError func(error)) error {
	return je.ReadLines(ctx, path, 1<<20, func(line []byte) error { return r.Decode(line, emit) }, onError)
}

func at(name, doc string, path ...string) field.Desc {
	return je.Desc(name, field.String, 0, doc, je.JSONAt(path...))
}

func label(name, doc, key string) field.Desc {
	return at(name, doc, "resource", "labels", key)
}

// Fields returns the gcp_auditlog source's fields. Values that are JSON
// objects or arrays (authorizationInfo, request, policyDelta) are rendered as
// compact JSON text.
func Fields() []field.Desc {
	return append([]field.Desc{
		at("gcp.user", "GCP principal, actor of the action", "protoPayload", "authenticationInfo", "principalEmail"),
		at("gcp.callerIP", "Actor's IP", "protoPayload", "requestMetadata", "callerIp"),
		at("gcp.userAgent", "Actor's User Agent", "protoPayload", "requestMetadata", "callerSuppliedUserAgent"),
		at("gcp.authorizationInfo", "GCP authorization (JSON)", "protoPayload", "authorizationInfo"),
		at("gcp.serviceName", "GCP API service name", "protoPayload", "serviceName"),
		je.Desc("gcp.policyDelta", field.String, 0, "GCP service resource access policy delta", policyDelta),
		at("gcp.request", "GCP API raw request (JSON)", "protoPayload", "request"),
		at("gcp.methodName", "GCP API service method executed", "protoPayload", "methodName"),
		label("gcp.cloudfunctions.function", "GCF name", "function_name"),
		label("gcp.cloudsql.databaseId", "GCP SQL database ID", "database_id"),
		label("gcp.compute.instanceId", "GCE instance ID", "instance_id"),
		label("gcp.compute.networkId", "GCP network ID", "network_id"),
		label("gcp.compute.subnetwork", "GCP subnetwork name", "subnetwork_name"),
		label("gcp.compute.subnetworkId", "GCP subnetwork ID", "subnetwork_id"),
		label("gcp.dns.zone", "GCP DNS zone", "zone_name"),
		label("gcp.iam.serviceAccount", "GCP service account", "email_id"),
		label("gcp.iam.serviceAccountId", "GCP IAM unique ID", "unique_id"),
		je.Desc("gcp.location", field.String, 0, "GCP region: the location label, else region, else the zone without its suffix", location),
		je.Desc("gcp.logging.sink", field.String, 0, "GCP logging sink", sink),
		label("gcp.projectId", "GCP project ID", "project_id"),
		at("gcp.resourceName", "GCP resource name", "protoPayload", "resourceName"),
		at("gcp.resourceType", "GCP resource type", "resource", "type"),
		at("gcp.resourceLabels", "GCP resource labels (JSON)", "resource", "labels"),
		label("gcp.storage.bucket", "GCP bucket name", "bucket_name"),
		at("gcp.time", "Timestamp of the event in RFC3339 format", "timestamp"),
	}, je.Fields()...)
}

func policyDelta(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	path := []string{"protoPayload", "metadata", "datasetChange", "bindingDeltas"}
	if string(d.JSON().GetStringBytes("resource", "type")) == "gcs_bucket" {
		path = []string{"protoPayload", "serviceData", "policyDelta", "bindingDeltas"}
	}
	return je.JSONAt(path...)(d, dst, "", false)
}

func location(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	labels := d.JSON().Get("resource", "labels")
	if labels == nil {
		return dst, false
	}
	for _, k := range []string{"location", "region"} {
		if v := labels.GetStringBytes(k); v != nil {
			return append(dst, field.Value{B: v}), true
		}
	}
	zone := labels.GetStringBytes("zone")
	switch {
	case len(zone) > 2:
		return append(dst, field.Value{B: zone[:len(zone)-2]}), true
	case len(zone) > 0:
		return append(dst, field.Value{B: zone}), true
	}
	return dst, false
}

func sink(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	if string(d.JSON().GetStringBytes("resource", "type")) != "logging_sink" {
		return dst, false
	}
	return je.JSONAt("resource", "labels", "name")(d, dst, "", false)
}
