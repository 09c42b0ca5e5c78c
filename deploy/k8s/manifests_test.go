package k8s

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Names the README's commands use (kubectl logs job/pushbench-coordinator)
// and the workers dial (the Service).
const (
	coordinatorJobName = "pushbench-coordinator"
	workerJobName      = "pushbench-worker"
	serviceName        = "pushbench-coordinator"
	coordinatorName    = "coordinator" // container of the coordinator Job
	workerName         = "worker"      // container of the worker Job
)

// manifests are the resources of the base, each decoded strictly.
type manifests struct {
	coordinator *batchv1.Job
	worker      *batchv1.Job
	service     *corev1.Service
}

// documentSeparator finds a second YAML document, which a strict decoder of
// one object would silently ignore.
var documentSeparator = regexp.MustCompile(`(?m)^---`)

// decodeStrict decodes one Kubernetes object: unknown or duplicate fields are
// errors, and apiVersion and kind must be the ones its Go type is for.
func decodeStrict(name string, b []byte, apiVersion, kind string, into any) error {
	var meta metav1.TypeMeta
	if err := yaml.Unmarshal(b, &meta); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if meta.APIVersion != apiVersion || meta.Kind != kind {
		return fmt.Errorf("%s: apiVersion %q kind %q, want %s %s", name, meta.APIVersion, meta.Kind, apiVersion, kind)
	}
	if err := yaml.UnmarshalStrict(b, into); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// decodeObject decodes one manifest into the k8s.io/api type of its kind.
func decodeObject(name string, b []byte) (any, error) {
	var meta metav1.TypeMeta
	if err := yaml.Unmarshal(b, &meta); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	switch meta.Kind {
	case "Job":
		var job batchv1.Job
		return &job, decodeStrict(name, b, "batch/v1", "Job", &job)
	case "Service":
		var svc corev1.Service
		return &svc, decodeStrict(name, b, "v1", "Service", &svc)
	case "ConfigMap":
		var cm corev1.ConfigMap
		return &cm, decodeStrict(name, b, "v1", "ConfigMap", &cm)
	}
	return nil, fmt.Errorf("%s: kind %q: the tests know Job, Service and ConfigMap", name, meta.Kind)
}

// loadManifests decodes every resource kustomization.yaml lists (one object
// per file) and picks out the coordinator Job, the worker Job and the Service.
func loadManifests(t *testing.T, dir string) manifests {
	t.Helper()
	var m manifests
	for _, name := range loadKustomization(t, dir).Resources {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if documentSeparator.Match(bytes.TrimPrefix(b, []byte("---\n"))) {
			t.Fatalf("%s: one object per file, so each is decoded strictly", name)
		}
		obj, err := decodeObject(name, b)
		if err != nil {
			t.Fatal(err)
		}
		m.add(t, name, obj)
	}
	if m.coordinator == nil || m.worker == nil || m.service == nil {
		t.Fatalf("resources: want Jobs %s and %s and Service %s", coordinatorJobName, workerJobName, serviceName)
	}
	return m
}

// add files obj under its role, by name.
func (m *manifests) add(t *testing.T, file string, obj any) {
	t.Helper()
	switch o := obj.(type) {
	case *batchv1.Job:
		switch o.Name {
		case coordinatorJobName:
			m.coordinator = o
		case workerJobName:
			m.worker = o
		default:
			t.Fatalf("%s: Job %q: want %s or %s", file, o.Name, coordinatorJobName, workerJobName)
		}
	case *corev1.Service:
		if o.Name != serviceName {
			t.Fatalf("%s: Service %q: want %s", file, o.Name, serviceName)
		}
		m.service = o
	default:
		t.Fatalf("%s: %T is not a resource of this base", file, obj)
	}
}

// container returns the container named name of a Job's pod.
func container(t *testing.T, job *batchv1.Job, name string) *corev1.Container {
	t.Helper()
	for i := range job.Spec.Template.Spec.Containers {
		if c := &job.Spec.Template.Spec.Containers[i]; c.Name == name {
			return c
		}
	}
	t.Fatalf("Job %s: no container %q", job.Name, name)
	return nil
}

// volume returns the pod volume named name of a Job.
func volume(t *testing.T, job *batchv1.Job, name string) corev1.Volume {
	t.Helper()
	for _, v := range job.Spec.Template.Spec.Volumes {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("Job %s: no volume %q", job.Name, name)
	return corev1.Volume{}
}

func TestManifestsDecodeStrictly(t *testing.T) {
	m := loadManifests(t, ".")
	for _, job := range []*batchv1.Job{m.coordinator, m.worker} {
		if job.Namespace != "" {
			t.Errorf("Job %s: namespace %q: the base applies to any namespace", job.Name, job.Namespace)
		}
	}
	if m.service.Namespace != "" {
		t.Errorf("Service %s: namespace %q: the base applies to any namespace", m.service.Name, m.service.Namespace)
	}
}

func TestStrictDecodingRefusesUnknownFields(t *testing.T) {
	tests := []struct {
		name string
		yaml string
	}{
		{"misspelt field", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec: {paralelism: 3}\n"},
		{"duplicate field", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec: {parallelism: 3, parallelism: 2}\n"},
		{"field of another kind", "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {completions: 3}\n"},
		{"wrong apiVersion", "apiVersion: batch/v2\nkind: Job\nmetadata: {name: x}\n"},
		{"unknown kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeObject("test.yaml", []byte(tt.yaml)); err == nil {
				t.Fatalf("decoded without error:\n%s", tt.yaml)
			}
		})
	}
}
