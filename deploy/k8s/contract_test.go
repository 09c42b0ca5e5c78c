package k8s

import (
	"net"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pushbench/pushbench/scenarios"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// indexEnv is the variable Kubernetes sets in every pod of an Indexed Job to
// the pod's completion index; pushbench worker reads it without --index.
const indexEnv = "JOB_COMPLETION_INDEX"

// scenarioGenerator and settingsGenerator are the ConfigMaps of the base.
const (
	scenarioGenerator = "pushbench-scenario"
	settingsGenerator = "pushbench-settings"
)

// safeSysctls are the sysctls every kubelet since 1.22 counts as safe
// (pkg/kubelet/sysctl/safe_sysctls.go; newer ones add a few): allowed without
// --allowed-unsafe-sysctls, and by Pod Security baseline and restricted.
// net.ipv4.ip_local_port_range has been in the set since sysctls came in 1.4.
var safeSysctls = []string{
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
}

// args returns a container's arguments as pushbench sees them: the container
// leaves command to the image's entrypoint (the pushbench binary).
func args(t *testing.T, c *corev1.Container) commandLine {
	t.Helper()
	if len(c.Command) > 0 {
		t.Fatalf("container %s: command %q replaces the image's entrypoint (/pushbench); give args only", c.Name, c.Command)
	}
	if len(c.Args) == 0 {
		t.Fatalf("container %s: no args", c.Name)
	}
	return commandLine{args: c.Args}
}

// coordinatorWorkers returns the coordinator's --workers N.
func coordinatorWorkers(t *testing.T, coordinator commandLine) int32 {
	t.Helper()
	v, ok := coordinator.value("--workers")
	n, err := strconv.ParseInt(v, 10, 32)
	if !ok || err != nil || n < 1 {
		t.Fatalf("coordinator %q: want --workers N with N >= 1", coordinator.args)
	}
	return int32(n)
}

// listenPort returns the port of the coordinator's --listen HOST:PORT.
func listenPort(t *testing.T, coordinator commandLine) string {
	t.Helper()
	v, ok := coordinator.value("--listen")
	_, port, err := net.SplitHostPort(v)
	if !ok || err != nil || port == "" {
		t.Fatalf("coordinator %q: want --listen HOST:PORT (%v)", coordinator.args, err)
	}
	return port
}

// scenarioArg returns the coordinator's one positional argument, the scenario
// file, and its index in the arguments.
func scenarioArg(t *testing.T, coordinator commandLine) (string, int) {
	t.Helper()
	at := coordinator.positional()
	if len(at) != 1 {
		t.Fatalf("coordinator %q: want exactly one scenario file argument", coordinator.args)
	}
	return coordinator.args[at[0]], at[0]
}

// mountedFile maps an absolute path inside c to the volume and the path
// within it, through c's volume mounts.
func mountedFile(c *corev1.Container, file string) (corev1.VolumeMount, string, bool) {
	for _, m := range c.VolumeMounts {
		if rel, ok := pathWithin(m.MountPath, file); ok {
			return m, rel, true
		}
	}
	return corev1.VolumeMount{}, "", false
}

// pathWithin returns file relative to dir when file lies under dir.
func pathWithin(dir, file string) (string, bool) {
	dir, file = path.Clean(dir), path.Clean(file)
	if len(file) <= len(dir) || file[:len(dir)] != dir || file[len(dir)] != '/' {
		return "", false
	}
	return file[len(dir)+1:], true
}

// configMapKey returns the ConfigMap key a file of a configMap volume shows.
func configMapKey(v corev1.Volume, rel string) (string, bool) {
	if len(v.ConfigMap.Items) == 0 {
		return rel, !strings.Contains(rel, "/")
	}
	for _, item := range v.ConfigMap.Items {
		if item.Path == rel {
			return item.Key, true
		}
	}
	return "", false
}

func TestWorkerJobIsIndexedAndMatchesWorkers(t *testing.T) {
	m := loadManifests(t, ".")
	n := coordinatorWorkers(t, args(t, container(t, m.coordinator, coordinatorName)))
	spec := m.worker.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		got := "unset (NonIndexed)"
		if spec.CompletionMode != nil {
			got = string(*spec.CompletionMode)
		}
		t.Errorf("worker Job: completionMode %s, want Indexed (Kubernetes then sets %s)", got, indexEnv)
	}
	if spec.Parallelism == nil || spec.Completions == nil || *spec.Parallelism != n || *spec.Completions != n {
		t.Errorf("worker Job: parallelism %v, completions %v; want both = the coordinator's --workers %d", ptrValue(spec.Parallelism), ptrValue(spec.Completions), n)
	}
	if spec.BackoffLimit == nil {
		t.Error("worker Job: backoffLimit unset (the default 6 is not a choice written down)")
	}
	if !failsJobOnExit(spec.PodFailurePolicy, "worker", 1) {
		t.Error("worker Job: no podFailurePolicy rule failing the Job on the worker's exit 1 (the coordinator ended the run as failed): replacement pods would wait for a coordinator that has gone")
	}
	if b := m.coordinator.Spec.BackoffLimit; b == nil || *b != 0 {
		t.Errorf("coordinator Job: backoffLimit %v, want 0: a failed run is a result, not to be re-run", ptrValue(b))
	}
	for _, job := range []*batchv1.Job{m.coordinator, m.worker} {
		if p := job.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever {
			t.Errorf("Job %s: restartPolicy %q, want Never (a failed pod's log stays readable)", job.Name, p)
		}
	}
}

// failsJobOnExit reports whether policy fails the Job when container exits
// with code.
func failsJobOnExit(policy *batchv1.PodFailurePolicy, container string, code int32) bool {
	if policy == nil {
		return false
	}
	for _, r := range policy.Rules {
		e := r.OnExitCodes
		if r.Action == batchv1.PodFailurePolicyActionFailJob && e != nil && e.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn &&
			(e.ContainerName == nil || *e.ContainerName == container) && slices.Contains(e.Values, code) {
			return true
		}
	}
	return false
}

// ptrValue shows a pointer's value, or nil.
func ptrValue(p *int32) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestWorkerIndexComesFromKubernetes(t *testing.T) {
	m := loadManifests(t, ".")
	w := container(t, m.worker, workerName)
	cl := args(t, w)
	if cl.args[0] != "worker" {
		t.Errorf("worker args %q: want the worker subcommand first", cl.args)
	}
	if cl.has("--index") {
		t.Errorf("worker args %q: --index would override %s, and every pod would get the same index", cl.args, indexEnv)
	}
	for _, e := range w.Env {
		if e.Name == indexEnv {
			t.Errorf("worker env sets %s: Kubernetes sets it per pod of an Indexed Job", indexEnv)
		}
	}
	if len(w.EnvFrom) > 0 {
		t.Error("worker envFrom: could set " + indexEnv + "; the base has none")
	}
}

func TestWorkersReachTheCoordinatorService(t *testing.T) {
	m := loadManifests(t, ".")
	k := loadKustomization(t, ".")
	coord := container(t, m.coordinator, coordinatorName)
	w := container(t, m.worker, workerName)
	env, err := containerEnv(k, w)
	if err != nil {
		t.Fatal(err)
	}
	dial, ok := commandLine{args: expandArgs(args(t, w).args, env)}.value("--coordinator")
	if !ok {
		t.Fatalf("worker args %q: want --coordinator HOST:PORT", w.Args)
	}
	host, port, err := net.SplitHostPort(dial)
	if err != nil {
		t.Fatalf("worker --coordinator %q (after $(VAR) expansion): %v", dial, err)
	}
	if host != m.service.Name {
		t.Errorf("worker dials host %q, want the Service name %q", host, m.service.Name)
	}
	if want := listenPort(t, args(t, coord)); port != want {
		t.Errorf("worker dials port %s, coordinator --listen port is %s", port, want)
	}
	svc := m.service.Spec
	if svc.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("Service clusterIP %q, want None (headless: the name is the coordinator pod's IP)", svc.ClusterIP)
	}
	if len(svc.Ports) != 1 {
		t.Fatalf("Service ports %v: want one", svc.Ports)
	}
	sp := svc.Ports[0]
	if strconv.Itoa(int(sp.Port)) != port {
		t.Errorf("Service port %d, workers dial %s", sp.Port, port)
	}
	if target := containerPort(coord, sp.TargetPort); strconv.Itoa(int(target)) != port {
		t.Errorf("Service targetPort %s is container port %d of the coordinator, which listens on %s", sp.TargetPort.String(), target, port)
	}
	podLabels := m.coordinator.Spec.Template.Labels
	if len(svc.Selector) == 0 || !selects(svc.Selector, podLabels) {
		t.Errorf("Service selector %v does not select the coordinator pod %v", svc.Selector, podLabels)
	}
	if selects(svc.Selector, m.worker.Spec.Template.Labels) {
		t.Errorf("Service selector %v also selects worker pods %v", svc.Selector, m.worker.Spec.Template.Labels)
	}
}

// containerPort resolves a Service targetPort (number or name) against c's
// ports; 0 when it names none.
func containerPort(c *corev1.Container, target intstr.IntOrString) int32 {
	if target.Type == intstr.Int {
		return target.IntVal
	}
	for _, p := range c.Ports {
		if p.Name == target.StrVal {
			return p.ContainerPort
		}
	}
	return 0
}

// selects reports whether every selector label is among labels.
func selects(selector, labels map[string]string) bool {
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func TestJobsRunOneImage(t *testing.T) {
	m := loadManifests(t, ".")
	k := loadKustomization(t, ".")
	coord := container(t, m.coordinator, coordinatorName)
	w := container(t, m.worker, workerName)
	if coord.Image == "" || coord.Image != w.Image {
		t.Errorf("coordinator image %q, worker image %q: want one image", coord.Image, w.Image)
	}
	if _, ok := k.image(coord.Image); !ok {
		t.Errorf("%s images: no entry for %q, so users cannot set the image in one place", kustomizationFile, coord.Image)
	}
	if coord.ImagePullPolicy != w.ImagePullPolicy {
		t.Errorf("imagePullPolicy %q vs %q: want the same", coord.ImagePullPolicy, w.ImagePullPolicy)
	}
	// Both run the image's entrypoint (args checks there is no command).
	args(t, coord)
	args(t, w)
}

// scenarioSource follows the coordinator's scenario argument through its
// volume mount to the ConfigMap key and the generator file kustomize makes it
// from, and returns that file.
func scenarioSource(t *testing.T, m manifests, k kustomization) string {
	t.Helper()
	coord := container(t, m.coordinator, coordinatorName)
	file, _ := scenarioArg(t, args(t, coord))
	mount, rel, ok := mountedFile(coord, file)
	if !ok {
		t.Fatalf("coordinator reads %s, which no volume mount of its container holds", file)
	}
	v := volume(t, m.coordinator, mount.Name)
	if v.ConfigMap == nil || v.ConfigMap.Name != scenarioGenerator {
		t.Fatalf("%s is on volume %s, want ConfigMap %s", file, v.Name, scenarioGenerator)
	}
	key, ok := configMapKey(v, rel)
	if !ok {
		t.Fatalf("%s: volume %s shows no ConfigMap key at %s", file, v.Name, rel)
	}
	local, ok := k.generator(t, scenarioGenerator).fileForKey(key)
	if !ok {
		t.Fatalf("configMapGenerator %s has no file for key %s", scenarioGenerator, key)
	}
	return local
}

func TestCoordinatorRunsTheGeneratedScenario(t *testing.T) {
	m := loadManifests(t, ".")
	local := scenarioSource(t, m, loadKustomization(t, "."))
	sc, err := scenarios.Load(local)
	if err != nil {
		t.Fatalf("the scenario ConfigMap does not load as a pushbench scenario: %v", err)
	}
	if !sc.WithDefaults().Target.Builtin {
		t.Errorf("%s names a target; the coordinator's --target $(TARGET_URL) does", local)
	}
}

func TestCoordinatorTargetAndResults(t *testing.T) {
	m := loadManifests(t, ".")
	k := loadKustomization(t, ".")
	coord := container(t, m.coordinator, coordinatorName)
	cl := args(t, coord)
	if cl.args[0] != "coordinate" {
		t.Errorf("coordinator args %q: want the coordinate subcommand first", cl.args)
	}
	env, err := containerEnv(k, coord)
	if err != nil {
		t.Fatal(err)
	}
	target, _ := commandLine{args: expandArgs(cl.args, env)}.value("--target")
	if raw, _ := cl.value("--target"); target == "" || target == raw {
		t.Errorf("coordinator --target %q: want $(TARGET_URL) from the %s ConfigMap", raw, settingsGenerator)
	}
	if !cl.has("--allow-remote") {
		t.Error("coordinator: --allow-remote missing (the target and workers are other pods)")
	}
	out, ok := cl.value("--out")
	if !ok {
		t.Fatal("coordinator: no --out")
	}
	mount, _, ok := mountedFile(coord, out+"/run")
	if !ok || volume(t, m.coordinator, mount.Name).EmptyDir == nil {
		t.Fatalf("coordinator --out %s: want it on an emptyDir volume", out)
	}
	// The results container keeps the pod, and so the emptyDir, for kubectl cp.
	holder := container(t, m.coordinator, holderName)
	if _, _, ok := mountedFile(holder, out+"/run"); !ok {
		t.Errorf("results container does not mount %s, so kubectl cp cannot reach the run directory", out)
	}
	if m.coordinator.Spec.Template.Annotations["kubectl.kubernetes.io/default-container"] != coordinatorName {
		t.Error("coordinator pod: kubectl.kubernetes.io/default-container should name the coordinator, so kubectl logs job/... shows the table")
	}
}

func TestEveryContainerRequestsResources(t *testing.T) {
	m := loadManifests(t, ".")
	for _, job := range []*batchv1.Job{m.coordinator, m.worker} {
		spec := job.Spec.Template.Spec
		for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
			r := c.Resources
			for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if q, ok := r.Requests[name]; !ok || q.IsZero() {
					t.Errorf("Job %s container %s: no %s request", job.Name, c.Name, name)
				}
			}
			if q, ok := r.Limits[corev1.ResourceMemory]; !ok || q.Cmp(r.Requests[corev1.ResourceMemory]) < 0 {
				t.Errorf("Job %s container %s: want a memory limit of at least the request", job.Name, c.Name)
			}
			if _, ok := r.Limits[corev1.ResourceCPU]; ok && c.Name != holderName {
				t.Errorf("Job %s container %s: a CPU limit throttles the generator and shows as latency", job.Name, c.Name)
			}
		}
		if sc := spec.SecurityContext; sc != nil {
			for _, s := range sc.Sysctls {
				if !slices.Contains(safeSysctls, s.Name) {
					t.Errorf("Job %s: sysctl %s is not in the kubelet's safe set %v", job.Name, s.Name, safeSysctls)
				}
			}
		}
	}
}

func TestManifestLabelsAreConsistent(t *testing.T) {
	m := loadManifests(t, ".")
	k := loadKustomization(t, ".")
	for _, job := range []*batchv1.Job{m.coordinator, m.worker} {
		labels := job.Spec.Template.Labels
		for _, l := range k.Labels {
			for key, v := range l.Pairs {
				if got, ok := labels[key]; ok && got != v {
					t.Errorf("Job %s pod label %s=%s, kustomization sets %s", job.Name, key, got, v)
				}
			}
		}
		if len(labels) == 0 {
			t.Errorf("Job %s: pod template without labels", job.Name)
		}
	}
}
