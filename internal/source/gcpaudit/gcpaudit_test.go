package gcpaudit

import (
	"testing"

	"github.com/peregrine-sec/peregrine/internal/field"
)

const entry = `{"timestamp":"2026-11-22T10:00:00.5Z","resource":{"type":"gcs_bucket","labels":{"bucket_name":"payroll","project_id":"acme","location":"europe-west1"}},
"protoPayload":{"serviceName":"storage.googleapis.com","methodName":"storage.setIamPermissions","authenticationInfo":{"principalEmail":"mallory@acme.com"},
"requestMetadata":{"callerIp":"203.0.113.9","callerSuppliedUserAgent":"gsutil"},
"serviceData":{"policyDelta":{"bindingDeltas":[{"action":"ADD","role":"roles/storage.objectViewer","member":"allUsers"}]}}}}`

func TestFields(t *testing.T) {
	var r Reader
	tbl := field.NewTable(Fields())
	got := map[string]string{}
	if err := r.Decode([]byte(entry), func(e *Event) {
		for _, n := range []string{"gcp.user", "gcp.callerIP", "gcp.methodName", "gcp.storage.bucket", "gcp.projectId", "gcp.location", "gcp.policyDelta", "gcp.serviceName"} {
			d, _, _ := tbl.Resolve(n)
			ex, _ := d.New("", false)
			if vals, ok := ex.Extract(e, nil); ok {
				got[n] = string(vals[0].B)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"gcp.user": "mallory@acme.com", "gcp.callerIP": "203.0.113.9", "gcp.methodName": "storage.setIamPermissions",
		"gcp.storage.bucket": "payroll", "gcp.projectId": "acme", "gcp.location": "europe-west1", "gcp.serviceName": "storage.googleapis.com",
		"gcp.policyDelta": `[{"action":"ADD","role":"roles/storage.objectViewer","member":"allUsers"}]`}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if err := r.Decode([]byte(`{"no":"timestamp"}`), func(*Event) { t.Error("emitted") }); err == nil {
		t.Error("entry without timestamp accepted")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(entry))
	descs := Fields()
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Reader
		r.Decode(data, func(e *Event) {
			for _, d := range descs {
				arg, has := "", d.Has(field.ArgRequired)
				if has {
					arg = "/protoPayload"
				}
				if ex, err := d.New(arg, has); err == nil {
					ex.Extract(e, nil)
				}
			}
		})
	})
}
