package actions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/peregrine-sec/peregrine/internal/respond/action"
)

// maxOutput bounds the stdout and stderr kept in the result.
const maxOutput = 4 << 10

// execAction runs a command in the target container through pods/exec.
type execAction struct{ *base }

// Describe implements action.Action.
func (a *execAction) Describe() action.Description {
	return action.Description{
		Name:    "exec",
		Summary: "Run a command in the pod's container (pods/exec) and keep its output.",
		Doc: "Runs command in the container through the API server's pods/exec (WebSocket, falling back to SPDY " +
			"for older servers), without a TTY or stdin, and returns its stdout and stderr (each truncated to 4 KiB) " +
			"in the result's details, e.g. to collect evidence (ps, netstat) or to stop a process. " +
			"A non-zero exit status is an error. The container defaults to the target's, else the pod's first.",
		Params: []action.ParamDesc{
			{Name: "command", Type: "list", Required: true, Doc: "the command and its arguments (argv; no shell unless you run one)"},
			{Name: "container", Type: "string", Default: "the target's container, else the first", Doc: "container to run in"},
			{Name: "timeout", Type: "duration", Default: "10s", Doc: "how long the command may run"},
		},
		RBAC: []action.Rule{
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}},
			// WebSocket exec is a GET (and, since Kubernetes 1.31, also needs create); SPDY is a POST (create).
			{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"create", "get"}},
		},
		Example: `- name: snapshot-processes
  match:
    rules: ["Terminal shell in container"]
  actions:
    - action: exec
      params:
        command: ["ps", "-ef"]
        timeout: 5s
`,
	}
}

// Run implements action.Action.
func (a *execAction) Run(ctx context.Context, req action.Request) (action.Result, error) {
	const act = "exec"
	ref := podRef(req.Target)
	cmd, err := stringList(req.Params, "command")
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: %w", act, ref, err)
	}
	if len(cmd) == 0 {
		return action.Result{}, fmt.Errorf("%s %s: parameter command is required", act, ref)
	}
	timeout, err := req.Params.Duration("timeout", 10*time.Second)
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: %w", act, ref, err)
	}
	pod, err := a.getPod(ctx, act, req.Target)
	if err != nil {
		return action.Result{}, err
	}
	container, err := pickContainer(pod, req.Params.String("container", req.Target.Container))
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: %w", act, ref, err)
	}
	details := map[string]string{"container": container, "command": strings.Join(cmd, " ")}
	if req.DryRun {
		return action.Result{Message: fmt.Sprintf("would run %q in container %s of %s", strings.Join(cmd, " "), container, ref), Details: details}, nil
	}
	if a.rest == nil {
		return action.Result{}, fmt.Errorf("%s %s: no REST config for streaming (Options.RESTConfig is nil)", act, ref)
	}
	rc := a.client.CoreV1().RESTClient()
	if rc == nil {
		return action.Result{}, fmt.Errorf("%s %s: the Kubernetes client has no REST client", act, ref)
	}
	u := rc.Post().Resource("pods").Namespace(pod.Namespace).Name(pod.Name).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: container, Command: cmd, Stdout: true, Stderr: true}, scheme.ParameterCodec).URL()
	ws, err := remotecommand.NewWebSocketExecutor(a.rest, http.MethodGet, u.String())
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: websocket executor: %w", act, ref, err)
	}
	spdy, err := remotecommand.NewSPDYExecutor(a.rest, http.MethodPost, u)
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: spdy executor: %w", act, ref, err)
	}
	ex, err := remotecommand.NewFallbackExecutor(ws, spdy, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return action.Result{}, fmt.Errorf("%s %s: executor: %w", act, ref, err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stdout, stderr := &capped{max: maxOutput}, &capped{max: maxOutput}
	start := time.Now()
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: stdout, Stderr: stderr})
	details["stdout"], details["stderr"] = stdout.String(), stderr.String()
	details["duration"] = time.Since(start).Round(time.Millisecond).String()
	var exit utilexec.CodeExitError
	switch {
	case errors.As(err, &exit):
		details["exitCode"] = strconv.Itoa(exit.Code)
		return action.Result{Details: details, Changed: true},
			fmt.Errorf("%s %s: command %q in container %s exited with status %d: %s", act, ref, strings.Join(cmd, " "), container, exit.Code, stderr.String())
	case err != nil && ctx.Err() != nil:
		return action.Result{Details: details}, fmt.Errorf("%s %s: command %q in container %s: timed out after %s: %w", act, ref, strings.Join(cmd, " "), container, timeout, err)
	case err != nil:
		return action.Result{Details: details}, fmt.Errorf("%s %s: command %q in container %s: %w", act, ref, strings.Join(cmd, " "), container, err)
	}
	details["exitCode"] = "0"
	a.log.Debug("exec done", "pod", ref, "container", container, "command", cmd)
	return action.Result{Message: fmt.Sprintf("ran %q in container %s of %s", strings.Join(cmd, " "), container, ref), Changed: true, Details: details}, nil
}

// pickContainer returns want if the pod has such a (regular, init or
// ephemeral) container, or the first container when want is empty.
func pickContainer(pod *corev1.Pod, want string) (string, error) {
	if want == "" {
		if len(pod.Spec.Containers) == 0 {
			return "", errors.New("the pod has no containers")
		}
		return pod.Spec.Containers[0].Name, nil
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == want {
			return want, nil
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if c.Name == want {
			return want, nil
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == want {
			return want, nil
		}
	}
	return "", fmt.Errorf("the pod has no container %q", want)
}

// capped is a writer keeping at most max bytes and noting the rest was cut.
type capped struct {
	buf       bytes.Buffer
	max       int
	truncated bool
}

// Write implements io.Writer; it never fails, so the stream is drained.
func (c *capped) Write(p []byte) (int, error) {
	room := max(c.max-c.buf.Len(), 0)
	if len(p) > room {
		c.truncated = true
		c.buf.Write(p[:room])
	} else {
		c.buf.Write(p)
	}
	return len(p), nil
}

// String returns what was kept, marked when truncated.
func (c *capped) String() string {
	if c.truncated {
		return c.buf.String() + "\n[truncated]"
	}
	return c.buf.String()
}
