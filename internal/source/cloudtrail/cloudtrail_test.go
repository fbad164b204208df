package cloudtrail

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peregrine-sec/peregrine/internal/field"
)

const file = `{"Records":[
{"eventTime":"2026-11-22T10:00:00Z","eventType":"AwsApiCall","eventSource":"s3.amazonaws.com","eventName":"GetObject",
 "awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.9","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/exfil/x",
 "sessionContext":{"sessionIssuer":{"userName":"exfil"}}},"requestParameters":{"bucketName":"payroll","key":"2026/q4.csv"},
 "additionalEventData":{"bytesTransferredOut":1048576},"readOnly":true},
{"eventTime":"2026-11-22T10:00:01Z","eventType":"AwsCloudTrailInsight","eventName":"x"},
{"eventTime":"not a time","eventType":"AwsApiCall","eventName":"y"},
{"eventTime":"2026-11-22T10:00:02Z","eventType":"AwsApiCall","eventSource":"iam.amazonaws.com","eventName":"CreateUser",
 "userIdentity":{"type":"Root"},"errorCode":"AccessDenied","requestParameters":{"userName":"backdoor"}}]}`

func extract(t *testing.T, name string, e *Event) (string, bool) {
	t.Helper()
	d, _, ok := field.NewTable(Fields()).Resolve(name)
	if !ok {
		t.Fatalf("unknown field %s", name)
	}
	ex, err := d.New("", false)
	if err != nil {
		t.Fatal(err)
	}
	vals, ok := ex.Extract(e, nil)
	if !ok {
		return "", false
	}
	if d.Type == field.Uint64 {
		return strings.Repeat("#", int(vals[0].N%64)), true
	}
	return string(vals[0].B), true
}

func TestRecordsAndFields(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	gz, err := os.Create(filepath.Join(dir, "sub", "b.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	w := gzip.NewWriter(gz)
	w.Write([]byte(file))
	w.Close()
	gz.Close()
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(file), 0o644)
	os.WriteFile(filepath.Join(dir, "ignored.txt"), []byte("x"), 0o644)
	var r Reader
	n := 0
	first := map[string]string{}
	err = r.ReadPath(context.Background(), dir, func(e *Event) {
		n++
		if n == 1 {
			for _, f := range []string{"ct.name", "ct.src", "ct.user", "ct.region", "s3.bucket", "s3.uri", "ct.readonly", "ct.info"} {
				first[f], _ = extract(t, f, e)
			}
			if _, ok := extract(t, "ct.error", e); ok {
				t.Error("ct.error present on a successful call")
			}
		}
		if n == 2 {
			if u, _ := extract(t, "ct.user", e); u != "" {
				t.Errorf("Root without userName: ct.user = %q", u)
			}
			if e2, _ := extract(t, "ct.error", e); e2 != "AccessDenied" {
				t.Errorf("ct.error = %q", e2)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 || r.Skipped != 4 {
		t.Errorf("%d events, %d skipped; want 4 and 4", n, r.Skipped)
	}
	want := map[string]string{"ct.name": "GetObject", "ct.src": "s3", "ct.user": "exfil", "ct.region": "eu-west-1",
		"s3.bucket": "payroll", "s3.uri": "s3://payroll/2026/q4.csv", "ct.readonly": "true", "ct.info": "Size=1048576 URI=s3://payroll/2026/q4.csv"}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %q, want %q", k, first[k], v)
		}
	}
	if err := r.ReadPath(context.Background(), filepath.Join(dir, "sub", "none"), func(*Event) {}); err == nil {
		t.Error("missing path accepted")
	}
	empty := t.TempDir()
	if err := r.ReadPath(context.Background(), empty, func(*Event) {}); err == nil || !strings.Contains(err.Error(), "no json files found") {
		t.Errorf("empty dir: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(file))
	descs := Fields()
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Reader
		r.Decode(data, func(e *Event) {
			for _, d := range descs {
				arg, has := "", false
				if d.Has(field.ArgRequired) {
					arg, has = "/eventName", true
				}
				ex, err := d.New(arg, has)
				if err == nil {
					ex.Extract(e, nil)
				}
			}
		})
	})
}
