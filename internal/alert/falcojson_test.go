package alert

import (
	"strings"
	"testing"
)

func TestParseFalcoJSON(t *testing.T) {
	in := `{"hostname":"node-1","output":"10:00:43.001103000: Notice A shell was spawned in a container (user=root container=web-1)","output_fields":{"container.id":"3ad7b26ded6d","evt.time":1795341643001103000,"k8s.ns.name":"shop","k8s.pod.name":"web-1","proc.aname[2]":null,"fd.sport":8080,"evt.is_open_write":false,"ka.req.pod.containers.image":["busybox:1.36","nginx"]},"priority":"Notice","rule":"Terminal shell in container","source":"syscall","tags":["shell","container"],"time":"2026-11-22T10:00:43.001103000Z"}`
	a, err := ParseFalcoJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if a.Rule != "Terminal shell in container" || a.Priority != Notice || a.Source != "syscall" || a.Hostname != "node-1" ||
		a.Time != 1795341643001103000 || strings.Join(a.Tags, ",") != "container,shell" ||
		a.Message != "A shell was spawned in a container (user=root container=web-1)" {
		t.Errorf("alert %+v", a)
	}
	got := map[string]Field{}
	for _, f := range a.Fields {
		got[f.Key] = f
	}
	for k, want := range map[string]Field{
		"evt.time":                    {Key: "evt.time", Kind: Number, Text: "1795341643001103000"},
		"k8s.pod.name":                {Key: "k8s.pod.name", Kind: String, Text: "web-1"},
		"proc.aname[2]":               {Key: "proc.aname[2]", Kind: Null},
		"evt.is_open_write":           {Key: "evt.is_open_write", Kind: Bool, Text: "false"},
		"ka.req.pod.containers.image": {Key: "ka.req.pod.containers.image", Kind: List, Text: "(busybox:1.36,nginx)", List: []string{"busybox:1.36", "nginx"}},
	} {
		g := got[k]
		if g.Key != want.Key || g.Kind != want.Kind || g.Text != want.Text || strings.Join(g.List, ",") != strings.Join(want.List, ",") {
			t.Errorf("%s: %+v, want %+v", k, g, want)
		}
	}
	for _, bad := range []string{`{`, `{"output":"x"}`, `{"rule":"r","priority":"loud"}`, `{"rule":"r","time":"yesterday"}`} {
		if _, err := ParseFalcoJSON([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
