package okta

import (
	"testing"

	"github.com/peregrine-sec/peregrine/internal/field"
)

func mfaFail(ts string) string {
	return `{"published":"` + ts + `","eventType":"user.authentication.auth_via_mfa","outcome":{"result":"FAILURE"},
"actor":{"id":"u1","displayName":"Alice","alternateId":"alice@acme.com"},"client":{"ipAddress":"203.0.113.9"},
"target":[{"type":"User","id":"u1","displayName":"Alice"},{"type":"AppInstance","alternateId":"Salesforce","displayName":"SF"}],
"debugContext":{"debugData":{"requestUri":"/app/salesforce/sso"}}}`
}

func get(t *testing.T, e *Event, name, arg string) (string, uint64, bool) {
	t.Helper()
	d, _, ok := field.NewTable(Fields()).Resolve(name)
	if !ok {
		t.Fatalf("unknown %s", name)
	}
	ex, err := d.New(arg, arg != "")
	if err != nil {
		t.Fatal(err)
	}
	vals, ok := ex.Extract(e, nil)
	if !ok {
		return "", 0, false
	}
	return string(vals[0].B), vals[0].N, true
}

func TestFieldsAndMFACounts(t *testing.T) {
	r := Reader{Organization: "acme"}
	var counts []uint64
	for _, ts := range []string{"2026-11-22T10:00:00Z", "2026-11-22T10:00:30Z", "2026-11-22T10:02:00Z"} {
		if err := r.Decode([]byte(mfaFail(ts)), func(e *Event) {
			_, n, _ := get(t, e, "okta.mfa.failure.countlast", "60")
			counts = append(counts, n)
			if ts == "2026-11-22T10:00:00Z" {
				for name, want := range map[string]string{"okta.actor.name": "Alice", "okta.client.ip": "203.0.113.9", "okta.app": "salesforce",
					"okta.target.user.name": "Alice", "okta.target.app.alternateid": "Salesforce", "okta.targets.displayName": "(Alice,SF)",
					"okta.org": "acme", "okta.result": "FAILURE", "okta.severity": ""} {
					if got, _, ok := get(t, e, name, ""); !ok || got != want {
						t.Errorf("%s = %q (%v), want %q", name, got, ok, want)
					}
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(counts) != 3 || counts[0] != 1 || counts[1] != 2 || counts[2] != 1 {
		t.Errorf("MFA failure counts in the last 60 s: %v, want [1 2 1]", counts)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(mfaFail("2026-11-22T10:00:00Z")))
	descs := Fields()
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Reader
		r.Decode(data, func(e *Event) {
			for _, d := range descs {
				arg, has := "", d.Has(field.ArgRequired)
				if has {
					arg = "30"
				}
				if ex, err := d.New(arg, has); err == nil {
					ex.Extract(e, nil)
				}
			}
		})
	})
}
