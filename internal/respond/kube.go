package respond

import (
	"context"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/peregrine-sec/peregrine/internal/respond/action"
)

// NewClient returns a Kubernetes client (and its configuration, which
// streaming actions need) from a kubeconfig file, or from the in-cluster
// service account when kubeconfig is "".
func NewClient(kubeconfig string) (*rest.Config, kubernetes.Interface, error) {
	var cfg *rest.Config
	var err error
	if kubeconfig == "" {
		cfg, err = rest.InClusterConfig()
		if err != nil {
			return nil, nil, fmt.Errorf("no kubeconfig given and not running in a cluster: %w", err)
		}
	} else if cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig); err != nil {
		return nil, nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
	}
	cfg.UserAgent = "peregrine-responder"
	// Responses must not queue behind client-side throttling in an alert burst.
	cfg.QPS, cfg.Burst = 50, 100
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return cfg, client, nil
}

// EventRecorder records decisions as Kubernetes Events on the target pod.
type EventRecorder struct {
	Client kubernetes.Interface
	// Instance names this peregrine in the events (default: the host name).
	Instance string
}

// Record creates an Event about the pod.
func (e *EventRecorder) Record(ctx context.Context, t action.Target, reason, message string, warning bool) error {
	typ := corev1.EventTypeNormal
	if warning {
		typ = corev1.EventTypeWarning
	}
	inst := e.Instance
	if inst == "" {
		inst, _ = os.Hostname()
	}
	now := metav1.NewTime(time.Now())
	if len(message) > 1024 {
		message = message[:1024]
	}
	ev := &corev1.Event{
		ObjectMeta:          metav1.ObjectMeta{GenerateName: t.Pod + ".peregrine-", Namespace: t.Namespace},
		InvolvedObject:      corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: t.Namespace, Name: t.Pod},
		Reason:              reason,
		Message:             message,
		Type:                typ,
		Source:              corev1.EventSource{Component: "peregrine"},
		FirstTimestamp:      now,
		LastTimestamp:       now,
		Count:               1,
		ReportingController: "peregrine.dev/responder",
		ReportingInstance:   inst,
	}
	_, err := e.Client.CoreV1().Events(t.Namespace).Create(ctx, ev, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("event on pod %s: %w", t, err)
	}
	return nil
}
