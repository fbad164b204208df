// Package okta is the Okta System Log source (source okta). It stands in for
// Falco's okta plugin over recorded logs: System Log event objects, one JSON
// object per line (or JSON arrays of them, as the API returns), timestamped by
// `published`. Polling the Okta API is a separate piece of work.
package okta

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/peregrine-sec/peregrine/internal/field"
	je "github.com/peregrine-sec/peregrine/internal/source/jsonevent"
)

// SourceName is the event source name rules use.
const SourceName = "okta"

// MFA failure tracking, as the plugin does by default.
const (
	mfaWindow  = 84600 * time.Second // how long failure timestamps are kept
	mfaPerUser = 200                 // most timestamps kept per user and kind
)

// Event is one System Log event; valid only during the emit callback.
type Event struct {
	je.Event
	mfa map[string][]int64
	org string
}

// Reader decodes System Log events. It keeps the MFA failure history the
// okta.mfa.*.countlast fields count over.
type Reader struct {
	// Organization is reported by okta.org.
	Organization string
	p            fastjson.Parser
	ev           Event
	seq          uint64
	mfa          map[string][]int64
	// Skipped counts records that are not events with a valid `published` time.
	Skipped uint64
}

// Decode emits the events in one line (an object or an array of objects).
func (r *Reader) Decode(line []byte, emit func(*Event)) error {
	v, err := r.p.ParseBytes(line)
	if err != nil {
		r.Skipped++
		return fmt.Errorf("not an Okta event: %w", err)
	}
	items := []*fastjson.Value{v}
	if v.Type() == fastjson.TypeArray {
		items = v.GetArray()
	}
	for _, it := range items {
		ts, err := time.Parse(time.RFC3339Nano, string(it.GetStringBytes("published")))
		if err != nil || it.Type() != fastjson.TypeObject {
			r.Skipped++
			continue
		}
		r.seq++
		r.ev.Reset(SourceName, ts.UnixNano(), r.seq, it)
		r.ev.org = r.Organization
		r.trackMFA(it, ts.UnixNano())
		r.ev.mfa = r.mfa
		emit(&r.ev)
	}
	return nil
}

// mfaKey returns the history key of MFA failure events, or "".
func mfaKey(v *fastjson.Value) string {
	typ := string(v.GetStringBytes("eventType"))
	if typ == "user.mfa.okta_verify.deny_push" || (typ == "user.authentication.auth_via_mfa" && string(v.GetStringBytes("outcome", "result")) == "FAILURE") {
		return typ + ":" + string(v.GetStringBytes("actor", "id"))
	}
	return ""
}

func (r *Reader) trackMFA(v *fastjson.Value, ts int64) {
	key := mfaKey(v)
	if key == "" {
		return
	}
	if r.mfa == nil {
		r.mfa = map[string][]int64{}
	}
	kept := r.mfa[key][:0]
	for _, t := range r.mfa[key] {
		if t > ts-int64(mfaWindow) && t != ts {
			kept = append(kept, t)
		}
	}
	kept = append(kept, ts)
	if len(kept) > mfaPerUser {
		kept = kept[1:]
	}
	r.mfa[key] = kept
}

// ReadPath reads a file of System Log events, one JSON document per line.
func (r *Reader) ReadPath(ctx context.Context, path string, emit func(*Event), onError func(error)) error {
	return je.ReadLines(ctx, path, 16<<20, func(line []byte) error { return r.Decode(line, emit) }, onError)
}

// text is a string field that reads as "" when absent, as the plugin's
// decoded structure does.
func text(name, doc string, path ...string) field.Desc {
	return je.Desc(name, field.String, 0, doc, func(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		v := d.JSON().Get(path...)
		if v == nil || v.Type() == fastjson.TypeNull {
			return append(dst, field.Value{B: []byte{}}), true
		}
		return append(dst, field.Value{B: je.Text(d, v)}), true
	})
}

// target is an attribute of the last target of a type.
func target(name, doc, typ, key string) field.Desc {
	return je.Desc(name, field.String, 0, doc, func(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
		var found []byte
		ok := false
		for _, t := range d.JSON().GetArray("target") {
			if string(t.GetStringBytes("type")) == typ {
				found, ok = t.GetStringBytes(key), true
			}
		}
		if !ok {
			return dst, false
		}
		return append(dst, field.Value{B: found}), true
	})
}

func countLast(name, doc string) field.Desc {
	d := je.Desc(name, field.Uint64, field.ArgRequired|field.ArgIndex, doc, func(d je.Doc, dst []field.Value, arg string, _ bool) ([]field.Value, bool) {
		e, ok := d.(*Event)
		if !ok {
			return dst, false
		}
		key := mfaKey(e.JSON())
		hist, ok := e.mfa[key]
		if key == "" || !ok {
			return dst, false
		}
		secs, _ := strconv.ParseInt(arg, 10, 64)
		oldest := e.TS - secs*int64(time.Second)
		var n uint64
		for _, t := range hist {
			if t > oldest {
				n++
			}
		}
		return append(dst, field.Value{N: n}), true
	})
	return d
}

var debug = []string{"debugContext", "debugData"}

func dbg(key string) []string { return append(append([]string{}, debug...), key) }

// Fields returns the okta source's fields.
func Fields() []field.Desc {
	return []field.Desc{
		je.Desc("okta.app", field.String, 0, "Application (from a /app/<name>/ request URI)", app),
		text("okta.behaviors", "Behaviors", dbg("behaviors")...),
		je.Desc("okta.org", field.String, 0, "Organization", func(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			e, ok := d.(*Event)
			if !ok {
				return dst, false
			}
			return append(dst, field.Value{B: []byte(e.org)}), true
		}),
		text("okta.evt.type", "Event Type", "eventType"),
		text("okta.evt.legacytype", "Event Legacy Type", "legacyEventType"),
		text("okta.severity", "Severity", "severity"),
		text("okta.message", "Message", "displayMessage"),
		text("okta.published", "Event Source Timestamp", "published"),
		text("okta.logonlysecuritydata", "Log Only Security Data", dbg("logOnlySecurityData")...),
		text("okta.actor.id", "Actor ID", "actor", "id"),
		text("okta.actor.Type", "Actor Type", "actor", "type"),
		text("okta.actor.alternateid", "Actor Alternate ID", "actor", "alternateId"),
		text("okta.actor.name", "Actor Display Name", "actor", "displayName"),
		text("okta.client.zone", "Client Zone", "client", "zone"),
		text("okta.client.ip", "Client IP Address", "client", "ipAddress"),
		text("okta.client.device", "Client Device", "client", "device"),
		text("okta.client.id", "Client ID", "client", "id"),
		text("okta.client.geo.city", "Client Geographical City", "client", "geographicalContext", "city"),
		text("okta.client.geo.state", "Client Geographical State", "client", "geographicalContext", "state"),
		text("okta.client.geo.country", "Client Geographical Country", "client", "geographicalContext", "country"),
		text("okta.client.geo.postalcode", "Client Geographical Postal Code", "client", "geographicalContext", "postalCode"),
		text("okta.client.geo.lat", "Client Geographical Latitude", "client", "geographicalContext", "geolocation", "lat"),
		text("okta.client.geo.lon", "Client Geographical Longitude", "client", "geographicalContext", "geolocation", "lon"),
		text("okta.useragent.os", "Useragent OS", "client", "userAgent", "os"),
		text("okta.useragent.browser", "Useragent Browser", "client", "userAgent", "browser"),
		text("okta.useragent.raw", "Raw Useragent", "client", "userAgent", "rawUserAgent"),
		text("okta.result", "Outcome Result", "outcome", "result"),
		text("okta.reason", "Outcome Reason", "outcome", "reason"),
		text("okta.transaction.id", "Transaction ID", "transaction", "id"),
		text("okta.transaction.type", "Transaction Type", "transaction", "type"),
		text("okta.requesturi", "Request URI", dbg("requestUri")...),
		text("okta.principal.id", "Principal ID", "debugContext", "debugData", "originalPrincipal", "id"),
		text("okta.principal.alternateid", "Principal Alternate ID", "debugContext", "debugData", "originalPrincipal", "alternateId"),
		text("okta.principal.type", "Principal Type", "debugContext", "debugData", "originalPrincipal", "type"),
		text("okta.principal.name", "Principal Name", "debugContext", "debugData", "originalPrincipal", "displayName"),
		text("okta.authentication.step", "Authentication Step", "authenticationContext", "authenticationStep"),
		text("okta.authentication.sessionid", "External Session ID", "authenticationContext", "externalSessionId"),
		text("okta.authentication.provider", "Authentication Provider", "authenticationContext", "authenticationProvider"),
		text("okta.authentication.credentialprovider", "Credential Provider", "authenticationContext", "credentialProvider"),
		je.Desc("okta.security.asnumber", field.Uint64, 0, "Security AS Number", func(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
			return append(dst, field.Value{N: d.JSON().GetUint64("securityContext", "asNumber")}), true
		}),
		text("okta.security.asorg", "Security AS Org", "securityContext", "asOrg"),
		text("okta.security.isp", "Security ISP", "securityContext", "isp"),
		text("okta.security.domain", "Security Domain", "securityContext", "domain"),
		text("okta.security.isproxy", "Is Proxy", "securityContext", "isProxy"),
		target("okta.target.user.id", "Target User ID", "User", "id"),
		target("okta.target.user.alternateid", "Target User Alternate ID", "User", "alternateId"),
		target("okta.target.user.name", "Target User Name", "User", "displayName"),
		target("okta.target.group.id", "Target Group ID", "UserGroup", "id"),
		target("okta.target.group.alternateid", "Target Group Alternate ID", "UserGroup", "alternateId"),
		target("okta.target.group.name", "Target Group Name", "UserGroup", "displayName"),
		target("okta.target.app.alternateid", "Target App Alternate ID", "AppInstance", "alternateId"),
		je.Desc("okta.targets.displayName", field.String, field.ArgAllowed|field.ArgIndex, "Targets Display Names", targetNames),
		countLast("okta.mfa.failure.countlast", "Count of MFA failures in last seconds"),
		countLast("okta.mfa.deny.countlast", "Count of MFA denies in last seconds"),
	}
}

func app(d je.Doc, dst []field.Value, _ string, _ bool) ([]field.Value, bool) {
	uri := string(d.JSON().GetStringBytes(dbg("requestUri")...))
	if !strings.HasPrefix(uri, "/app/") {
		return dst, false
	}
	parts := strings.Split(uri, "/")
	return append(dst, field.Value{B: []byte(parts[2])}), true
}

func targetNames(d je.Doc, dst []field.Value, arg string, hasArg bool) ([]field.Value, bool) {
	ts := d.JSON().GetArray("target")
	if len(ts) == 0 {
		return dst, false
	}
	if hasArg {
		i, _ := strconv.Atoi(arg)
		if i >= len(ts) {
			return dst, false
		}
		return append(dst, field.Value{B: ts[i].GetStringBytes("displayName")}), true
	}
	s := d.Scratch()
	start := len(*s)
	*s = append(*s, '(')
	for i, t := range ts {
		if i > 0 {
			*s = append(*s, ',')
		}
		*s = append(*s, t.GetStringBytes("displayName")...)
	}
	*s = append(*s, ')')
	return append(dst, field.Value{B: (*s)[start:len(*s):len(*s)]}), true
}
