package mtd

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// tick is one run of sc: list, check availability, pick pods, act, report.
func (s *Scheduler) tick(ctx context.Context, sc Schedule, seq uint64) {
	at := s.now()
	base := Outcome{Schedule: sc.Name, Action: sc.Action, DryRun: sc.DryRun, At: at}
	skip := func(reason string, err error) {
		if ctx.Err() != nil {
			return // shutting down: not a decision
		}
		o := base
		o.Skipped, o.Err = reason, err
		s.report(ctx, o)
	}

	list, err := s.Client.CoreV1().Pods(sc.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sc.Selector})
	if err != nil {
		skip("cannot list pods", fmt.Errorf("mtd schedule %q: list pods %q in %q: %w", sc.Name, sc.Selector, sc.Namespace, err))
		return
	}
	av, err := s.availability(ctx, list.Items)
	if err != nil {
		skip("cannot determine availability", fmt.Errorf("mtd schedule %q: %w", sc.Name, err))
		return
	}
	if av.total == 0 {
		skip(fmt.Sprintf("no pods match %q", sc.Selector), nil)
		return
	}
	maxU, err := sc.resolveMaxUnavailable(av.total)
	if err != nil {
		skip("invalid maxUnavailable", err)
		return
	}
	if maxU == 0 {
		skip(fmt.Sprintf("availability: maxUnavailable %s of %d pods rounds down to 0", sc.MaxUnavailable, av.total), nil)
		return
	}
	if av.unavailable >= maxU {
		skip(fmt.Sprintf("availability: %d unavailable, max %d", av.unavailable, maxU), nil)
		return
	}
	candidates := oldestFirst(list.Items, at, sc.minAge())
	if len(candidates) == 0 {
		skip(fmt.Sprintf("no pod older than minAge %s (%d matched)", sc.minAge(), av.total), nil)
		return
	}
	n := min(sc.batch(), maxU-av.unavailable, len(candidates))
	data := templateData{Time: at.UTC().Format(timeLabelFormat), Seq: seq}
	for _, p := range candidates[:n] {
		o := base
		o.Pod = p.Namespace + "/" + p.Name
		o.At = s.now()
		o.Skipped, o.Err = s.act(ctx, sc, p, data, o.At)
		if o.Err != nil && ctx.Err() != nil {
			return
		}
		s.report(ctx, o)
	}
}

// availabilityCount summarises the pods matched by a schedule.
type availabilityCount struct {
	total       int // pods that should exist (desired replicas where known)
	unavailable int // total minus Ready, non-terminating pods
}

// podGroup is the matched pods of one controller.
type podGroup struct {
	namespace    string
	ref          metav1.OwnerReference
	all, nonTerm int
	readyNonTerm int
}

// availability counts how many matched pods are unavailable: not Ready,
// terminating, or desired by their controller (ReplicaSet, StatefulSet,
// ReplicationController .spec.replicas) but missing, e.g. a just-deleted pod
// whose replacement does not exist yet.
//
// For pods of a controller whose replica count is known, expected =
// max(spec.replicas, non-terminating pods); terminating pods are not counted
// again since the controller already counts them as missing. For other pods
// (no controller, or one without replicas such as a DaemonSet or Job)
// terminating pods count as unavailable.
func (s *Scheduler) availability(ctx context.Context, pods []corev1.Pod) (availabilityCount, error) {
	groups := map[types.UID]*podGroup{}
	var order []types.UID
	var av availabilityCount
	for i := range pods {
		p := &pods[i]
		if terminal(p) {
			continue // Succeeded/Failed pods are not part of the live workload
		}
		term := p.DeletionTimestamp != nil
		ready := !term && podReady(p)
		ref := metav1.GetControllerOf(p)
		if ref == nil {
			av.total++
			if !ready {
				av.unavailable++
			}
			continue
		}
		g := groups[ref.UID]
		if g == nil {
			g = &podGroup{namespace: p.Namespace, ref: *ref}
			groups[ref.UID] = g
			order = append(order, ref.UID)
		}
		g.all++
		if !term {
			g.nonTerm++
		}
		if ready {
			g.readyNonTerm++
		}
	}
	for _, uid := range order {
		g := groups[uid]
		desired, known, err := s.desiredReplicas(ctx, g.namespace, g.ref)
		if err != nil {
			return av, err
		}
		expected := g.all
		if known {
			expected = max(desired, g.nonTerm)
		}
		av.total += expected
		av.unavailable += expected - g.readyNonTerm
	}
	return av, nil
}

// desiredReplicas returns .spec.replicas of a pod's controller when it is a
// ReplicaSet, StatefulSet or ReplicationController that still exists with the
// referenced UID; known is false otherwise.
func (s *Scheduler) desiredReplicas(ctx context.Context, ns string, ref metav1.OwnerReference) (desired int, known bool, err error) {
	var (
		replicas *int32
		uid      types.UID
	)
	switch {
	case ref.Kind == "ReplicaSet" && isGroup(ref.APIVersion, "apps"):
		rs, e := s.Client.AppsV1().ReplicaSets(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if e == nil {
			replicas, uid = rs.Spec.Replicas, rs.UID
		}
		err = e
	case ref.Kind == "StatefulSet" && isGroup(ref.APIVersion, "apps"):
		ss, e := s.Client.AppsV1().StatefulSets(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if e == nil {
			replicas, uid = ss.Spec.Replicas, ss.UID
		}
		err = e
	case ref.Kind == "ReplicationController" && ref.APIVersion == "v1":
		rc, e := s.Client.CoreV1().ReplicationControllers(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if e == nil {
			replicas, uid = rc.Spec.Replicas, rc.UID
		}
		err = e
	default:
		return 0, false, nil
	}
	if apierrors.IsNotFound(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("get %s %s/%s (owner of matched pods): %w", ref.Kind, ns, ref.Name, err)
	}
	if uid != ref.UID {
		return 0, false, nil // replaced by a namesake: not these pods' owner
	}
	if replicas == nil {
		return 1, true, nil // API default
	}
	return int(*replicas), true, nil
}

// isGroup reports whether apiVersion ("apps/v1") is in group.
func isGroup(apiVersion, group string) bool {
	gv, err := schema.ParseGroupVersion(apiVersion)
	return err == nil && gv.Group == group
}

// oldestFirst returns the non-terminating, non-terminal pods created at
// least minAge before now, oldest first (ties by namespace/name).
func oldestFirst(pods []corev1.Pod, now time.Time, minAge time.Duration) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp != nil || terminal(&p) {
			continue
		}
		if now.Sub(p.CreationTimestamp.Time) < minAge {
			continue
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b corev1.Pod) int {
		if c := a.CreationTimestamp.Time.Compare(b.CreationTimestamp.Time); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// act restarts or relabels p. It returns a skip reason when the cluster
// refused in an expected way (PodDisruptionBudget, pod already gone).
func (s *Scheduler) act(ctx context.Context, sc Schedule, p corev1.Pod, data templateData, at time.Time) (skipped string, err error) {
	var dryRun []string
	if sc.DryRun {
		dryRun = []string{metav1.DryRunAll}
	}
	uid := p.UID
	switch sc.Action {
	case ActionRestart:
		opts := metav1.DeleteOptions{DryRun: dryRun, Preconditions: &metav1.Preconditions{UID: &uid}}
		verb := "delete"
		if sc.Evict {
			verb = "evict"
			err = s.Client.PolicyV1().Evictions(p.Namespace).Evict(ctx, &policyv1.Eviction{
				ObjectMeta:    metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
				DeleteOptions: &opts,
			})
		} else {
			err = s.Client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, opts)
		}
		switch {
		case err == nil:
			return "", nil
		case sc.Evict && apierrors.IsTooManyRequests(err):
			return "blocked by PodDisruptionBudget: " + errMessage(err), nil
		case apierrors.IsNotFound(err):
			return "pod already gone", nil
		case apierrors.IsConflict(err):
			return "pod replaced before it could be restarted", nil
		}
		return "", fmt.Errorf("mtd schedule %q: %s pod %s/%s: %w", sc.Name, verb, p.Namespace, p.Name, err)
	case ActionRelabel:
		set := make(map[string]string, len(sc.Labels))
		for k, v := range sc.Labels {
			out, err := renderLabel(k, v, data)
			if err != nil {
				return "", fmt.Errorf("mtd schedule %q: %w", sc.Name, err)
			}
			set[k] = out
		}
		patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
			"uid":         uid, // precondition: never relabel a namesake
			"labels":      set,
			"annotations": map[string]string{RelabelledAtAnnotation: at.UTC().Format(time.RFC3339)},
		}})
		if err != nil {
			return "", fmt.Errorf("mtd schedule %q: encode patch: %w", sc.Name, err)
		}
		_, err = s.Client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.MergePatchType, patch, metav1.PatchOptions{DryRun: dryRun})
		if apierrors.IsNotFound(err) {
			return "pod already gone", nil
		}
		if err != nil {
			return "", fmt.Errorf("mtd schedule %q: relabel pod %s/%s: %w", sc.Name, p.Namespace, p.Name, err)
		}
		return "", nil
	}
	return "", fmt.Errorf("mtd schedule %q: unknown action %q", sc.Name, sc.Action)
}

// errMessage returns the API status message of err (or err's text).
func errMessage(err error) string {
	if st, ok := err.(apierrors.APIStatus); ok && st.Status().Message != "" {
		return st.Status().Message
	}
	return err.Error()
}
