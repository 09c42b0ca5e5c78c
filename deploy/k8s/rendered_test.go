package k8s

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// renderedSeparator splits kustomize's output into documents.
var renderedSeparator = regexp.MustCompile(`(?m)^---\n`)

// rendered is kustomize's output for the base, decoded strictly.
type rendered struct {
	manifests
	configMaps map[string]*corev1.ConfigMap
}

// renderKustomization runs kubectl kustomize on dir (kubectl's built-in
// kustomize, the one kubectl apply -k uses), skipping without kubectl.
func renderKustomization(t *testing.T, dir string) rendered {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed: kustomize's output is not checked here (the manifests themselves are, by the other tests)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectl, "kustomize", dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, stderr.String())
	}
	r := rendered{configMaps: map[string]*corev1.ConfigMap{}}
	for i, doc := range renderedSeparator.Split(string(out), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		name := "kubectl kustomize document " + strconv.Itoa(i+1)
		obj, err := decodeObject(name, []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if cm, ok := obj.(*corev1.ConfigMap); ok {
			r.configMaps[cm.Name] = cm
			continue
		}
		r.add(t, name, obj)
	}
	if r.coordinator == nil || r.worker == nil || r.service == nil {
		t.Fatalf("kubectl kustomize: want Jobs %s and %s and Service %s", coordinatorJobName, workerJobName, serviceName)
	}
	return r
}

func TestKustomizeOutputKeepsTheContract(t *testing.T) {
	k := loadKustomization(t, ".")
	r := renderKustomization(t, ".")
	source := loadManifests(t, ".")

	want, ok := k.image(container(t, source.coordinator, coordinatorName).Image)
	if !ok {
		t.Fatalf("%s: no images entry for the pushbench image", kustomizationFile)
	}
	for _, c := range []*corev1.Container{container(t, r.coordinator, coordinatorName), container(t, r.worker, workerName)} {
		if c.Image != want.reference() {
			t.Errorf("rendered container %s: image %q, want %q from %s", c.Name, c.Image, want.reference(), kustomizationFile)
		}
	}

	// The generated ConfigMaps get a content hash in their name; the
	// references to them must follow.
	scenario := volume(t, r.coordinator, "scenario").ConfigMap
	cm, ok := r.configMaps[scenario.Name]
	if !ok {
		t.Fatalf("rendered scenario volume names ConfigMap %q, which kustomize did not generate", scenario.Name)
	}
	file, _ := k.generator(t, scenarioGenerator).fileForKey("scenario.yaml")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["scenario.yaml"] != string(b) {
		t.Errorf("rendered ConfigMap %s: scenario.yaml differs from %s", cm.Name, file)
	}
	for _, e := range container(t, r.coordinator, coordinatorName).Env {
		if ref := e.ValueFrom; ref != nil && ref.ConfigMapKeyRef != nil {
			cm, ok := r.configMaps[ref.ConfigMapKeyRef.Name]
			if !ok || cm.Data[ref.ConfigMapKeyRef.Key] == "" {
				t.Errorf("rendered env %s: ConfigMap %s key %s not generated", e.Name, ref.ConfigMapKeyRef.Name, ref.ConfigMapKeyRef.Key)
			}
		}
	}

	// Common labels land on the pod templates but not in the Service's
	// selector, which still picks the coordinator pod alone.
	for _, job := range []*batchv1.Job{r.coordinator, r.worker} {
		for _, l := range k.Labels {
			for key, v := range l.Pairs {
				if job.Spec.Template.Labels[key] != v || job.Labels[key] != v {
					t.Errorf("rendered Job %s: label %s=%s missing on the Job or its pods", job.Name, key, v)
				}
			}
		}
	}
	if sel := r.service.Spec.Selector; !selects(sel, r.coordinator.Spec.Template.Labels) || selects(sel, r.worker.Spec.Template.Labels) {
		t.Errorf("rendered Service selector %v: want the coordinator pod %v and not the workers %v", sel, r.coordinator.Spec.Template.Labels, r.worker.Spec.Template.Labels)
	}
	if got, want := r.worker.Spec, source.worker.Spec; *got.Completions != *want.Completions || *got.Parallelism != *want.Parallelism {
		t.Errorf("rendered worker Job: completions/parallelism changed by kustomize")
	}
	if got, want := container(t, r.coordinator, coordinatorName).Args, container(t, source.coordinator, coordinatorName).Args; strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("rendered coordinator args %q differ from the manifest's %q", got, want)
	}
}
