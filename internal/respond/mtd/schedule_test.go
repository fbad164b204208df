package mtd

import (
	"context"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
)

func validSchedule() Schedule {
	return Schedule{Name: "web", Namespace: "prod", Selector: "app=web,tier!=db", Action: ActionRestart, Every: Duration(time.Minute)}
}

func TestValidate(t *testing.T) {
	if err := validSchedule().Validate(); err != nil {
		t.Fatalf("valid schedule: %v", err)
	}
	cases := []struct {
		name string
		edit func(*Schedule)
		want string // substring of the error
	}{
		{"no selector", func(s *Schedule) { s.Selector = "" }, `"web": selector: is required`},
		{"bad selector", func(s *Schedule) { s.Selector = "app in (web" }, "selector: invalid label selector"},
		{"every below 1s", func(s *Schedule) { s.Every = Duration(500 * time.Millisecond) }, "every: 500ms is below the minimum of 1s"},
		{"every missing", func(s *Schedule) { s.Every = 0 }, "every: 0s is below"},
		{"maxUnavailable 150%", func(s *Schedule) { s.MaxUnavailable = "150%" }, `maxUnavailable: "150%": a percentage must be between 1% and 100%`},
		{"maxUnavailable x", func(s *Schedule) { s.MaxUnavailable = "x" }, `maxUnavailable: "x": want a positive count`},
		{"maxUnavailable 0", func(s *Schedule) { s.MaxUnavailable = "0" }, `maxUnavailable: "0"`},
		{"unknown action", func(s *Schedule) { s.Action = "reboot" }, `action: unknown action "reboot"`},
		{"no action", func(s *Schedule) { s.Action = "" }, "action: is required"},
		{"no name", func(s *Schedule) { s.Name = "" }, "name: is required"},
		{"negative jitter", func(s *Schedule) { s.Jitter = -1 }, "jitter: must not be negative"},
		{"negative batch", func(s *Schedule) { s.Batch = -2 }, "batch: must not be negative"},
		{"bad namespace", func(s *Schedule) { s.Namespace = "Prod_1" }, "namespace:"},
		{"relabel without labels", func(s *Schedule) { s.Action = ActionRelabel }, "labels: at least one label"},
		{"relabel with evict", func(s *Schedule) {
			s.Action, s.Evict, s.Labels = ActionRelabel, true, map[string]string{"a": "b"}
		}, "evict: only used with action"},
		{"relabel bad template", func(s *Schedule) {
			s.Action, s.Labels = ActionRelabel, map[string]string{"epoch": "{{.Seq"}
		}, `labels: label "epoch": parse template`},
		{"relabel unknown placeholder", func(s *Schedule) {
			s.Action, s.Labels = ActionRelabel, map[string]string{"epoch": "{{.Nope}}"}
		}, `label "epoch": render template`},
		{"relabel bad value", func(s *Schedule) {
			s.Action, s.Labels = ActionRelabel, map[string]string{"epoch": "a b {{.Seq}}"}
		}, `key "epoch" renders to "a b 1"`},
		{"relabel selector key", func(s *Schedule) {
			s.Action, s.Labels = ActionRelabel, map[string]string{"app": "x"}
		}, `key "app" is used by the selector`},
		{"restart with labels", func(s *Schedule) { s.Labels = map[string]string{"a": "b"} }, "labels: only used with action"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := validSchedule()
			c.edit(&s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, c.want)
			}
		})
	}
}

func TestScheduleYAMLAndDescribe(t *testing.T) {
	const doc = `
- name: web
  namespace: prod
  selector: app=web
  action: restart
  every: 2m
  jitter: 30s
  maxUnavailable: 25%
  evict: true
- name: tag
  selector: app=api
  action: relabel
  labels: {peregrine.dev/epoch: "{{.Seq}}"}
  every: 90s
  minAge: 10m
  batch: 2
  dryRun: true
`
	var got []Schedule
	if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Every != Duration(2*time.Minute) || got[0].Jitter != Duration(30*time.Second) || got[1].MinAge != Duration(10*time.Minute) {
		t.Fatalf("parsed %+v", got)
	}
	for _, s := range got {
		if err := s.Validate(); err != nil {
			t.Errorf("Validate(%s): %v", s.Name, err)
		}
	}
	for i, want := range []string{
		`web: restart (evict) pods "app=web" in prod every 2m0s (+<30s jitter), batch 1, maxUnavailable 25%, minAge 2m0s`,
		`tag: [dry run] relabel pods "app=api" in all namespaces every 1m30s, batch 2, maxUnavailable 1, minAge 10m0s, labels peregrine.dev/epoch={{.Seq}}`,
	} {
		if d := got[i].Describe(); d != want {
			t.Errorf("Describe:\n got %s\nwant %s", d, want)
		}
	}
	var bad []Schedule
	err := yaml.Unmarshal([]byte("- every: soon\n"), &bad)
	if err == nil || !strings.Contains(err.Error(), `invalid duration "soon"`) {
		t.Errorf("bad duration: %v", err)
	}
}

// fakePod returns a pod of ReplicaSet rs created age ago.
func fakePod(name string, rs *appsv1.ReplicaSet, age time.Duration, now time.Time, ready bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: name, Namespace: "ns", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web"},
		CreationTimestamp: metav1.NewTime(now.Add(-age)),
	}}
	if rs != nil {
		p.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(rs, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))}
	}
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
	return p
}

// TestTickDecisions checks the availability arithmetic against a fake API.
func TestTickDecisions(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	three := int32(3)
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "ns", UID: "rs-uid"}, Spec: appsv1.ReplicaSetSpec{Replicas: &three}}
	sc := Schedule{Name: "t", Namespace: "ns", Selector: "app=web", Action: ActionRestart, Every: Duration(time.Minute)}
	cases := []struct {
		name    string
		sc      func(Schedule) Schedule
		pods    []*corev1.Pod
		skipped string   // expected single skip reason
		deleted []string // expected restarted pods, in order
	}{
		{name: "oldest ready pod restarted", pods: []*corev1.Pod{
			fakePod("a", rs, 5*time.Minute, now, true), fakePod("b", rs, 9*time.Minute, now, true), fakePod("c", rs, 7*time.Minute, now, true),
		}, deleted: []string{"ns/b"}},
		{name: "one not ready", pods: []*corev1.Pod{
			fakePod("a", rs, 5*time.Minute, now, true), fakePod("b", rs, 9*time.Minute, now, false), fakePod("c", rs, 7*time.Minute, now, true),
		}, skipped: "availability: 1 unavailable, max 1"},
		{name: "replacement missing", pods: []*corev1.Pod{
			fakePod("a", rs, 5*time.Minute, now, true), fakePod("c", rs, 7*time.Minute, now, true),
		}, skipped: "availability: 1 unavailable, max 1"},
		{name: "missing and not ready", sc: func(s Schedule) Schedule { s.MaxUnavailable = "2"; return s }, pods: []*corev1.Pod{
			fakePod("a", rs, 5*time.Minute, now, false), fakePod("c", rs, 7*time.Minute, now, true),
		}, skipped: "availability: 2 unavailable, max 2"},
		{name: "batch limited by budget", sc: func(s Schedule) Schedule { s.MaxUnavailable = "2"; s.Batch = 3; return s }, pods: []*corev1.Pod{
			fakePod("a", rs, 5*time.Minute, now, true), fakePod("b", rs, 9*time.Minute, now, true), fakePod("c", rs, 7*time.Minute, now, true),
		}, deleted: []string{"ns/b", "ns/c"}},
		{name: "too young", pods: []*corev1.Pod{
			fakePod("a", rs, 5*time.Second, now, true), fakePod("b", rs, 9*time.Second, now, true), fakePod("c", rs, 7*time.Second, now, true),
		}, skipped: "no pod older than minAge 1m0s (3 matched)"},
		{name: "percentage rounds to zero", sc: func(s Schedule) Schedule { s.MaxUnavailable = "25%"; return s }, pods: []*corev1.Pod{
			fakePod("a", rs, 5*time.Minute, now, true), fakePod("b", rs, 9*time.Minute, now, true), fakePod("c", rs, 7*time.Minute, now, true),
		}, skipped: "availability: maxUnavailable 25% of 3 pods rounds down to 0"},
		{name: "bare pods", pods: []*corev1.Pod{
			fakePod("x", nil, 5*time.Minute, now, true), fakePod("y", nil, 6*time.Minute, now, true),
		}, deleted: []string{"ns/y"}},
		{name: "nothing matches", skipped: `no pods match "app=web"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs := fake.NewClientset(rs.DeepCopy())
			for _, p := range c.pods {
				if _, err := cs.CoreV1().Pods("ns").Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			s2 := sc
			if c.sc != nil {
				s2 = c.sc(sc)
			}
			if err := s2.Validate(); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			s := &Scheduler{Client: cs, Now: func() time.Time { return now }, OnRun: rec.add}
			s.tick(context.Background(), s2, 1)
			outs := rec.all()
			if c.skipped != "" {
				if len(outs) != 1 || outs[0].Skipped != c.skipped || outs[0].Err != nil {
					t.Fatalf("outcomes %+v, want one skipped %q", outs, c.skipped)
				}
				return
			}
			var got []string
			for _, o := range outs {
				if o.Err != nil || o.Skipped != "" || !o.At.Equal(now) {
					t.Errorf("outcome %+v", o)
				}
				got = append(got, o.Pod)
			}
			if strings.Join(got, ",") != strings.Join(c.deleted, ",") {
				t.Fatalf("acted on %v, want %v", got, c.deleted)
			}
			left, _ := cs.CoreV1().Pods("ns").List(context.Background(), metav1.ListOptions{})
			if len(left.Items) != len(c.pods)-len(c.deleted) {
				t.Errorf("%d pods left, want %d", len(left.Items), len(c.pods)-len(c.deleted))
			}
		})
	}
}
