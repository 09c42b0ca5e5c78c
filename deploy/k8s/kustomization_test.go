package k8s

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// kustomizationFile is the kustomize entry point of the base.
const kustomizationFile = "kustomization.yaml"

// kustomization holds the keys of kustomization.yaml this base uses. Decoded
// strictly, so a key kustomize would read but these tests would not (a
// namePrefix that renames the Service workers dial, a patch that changes a
// command line) fails here until the tests learn about it.
type kustomization struct {
	APIVersion         string               `json:"apiVersion"`
	Kind               string               `json:"kind"`
	Labels             []kustomizeLabels    `json:"labels"`
	Resources          []string             `json:"resources"`
	ConfigMapGenerator []configMapGenerator `json:"configMapGenerator"`
	Images             []kustomizeImage     `json:"images"`
}

// kustomizeLabels is one entry of labels: added to every resource, and to pod
// templates and selectors when asked.
type kustomizeLabels struct {
	Pairs            map[string]string `json:"pairs"`
	IncludeSelectors bool              `json:"includeSelectors"`
	IncludeTemplates bool              `json:"includeTemplates"`
}

// configMapGenerator is one generated ConfigMap: each file becomes a key named
// after its base name, each literal a KEY=VALUE pair.
type configMapGenerator struct {
	Name     string   `json:"name"`
	Files    []string `json:"files"`
	Literals []string `json:"literals"`
}

// kustomizeImage rewrites every container image named Name.
type kustomizeImage struct {
	Name    string `json:"name"`
	NewName string `json:"newName"`
	NewTag  string `json:"newTag"`
}

// reference is the image kustomize puts in place of Name.
func (i kustomizeImage) reference() string {
	name := i.NewName
	if name == "" {
		name = i.Name
	}
	if i.NewTag == "" {
		return name
	}
	return name + ":" + i.NewTag
}

// loadKustomization decodes dir's kustomization.yaml strictly.
func loadKustomization(t *testing.T, dir string) kustomization {
	t.Helper()
	path := filepath.Join(dir, kustomizationFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(b, &k); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return k
}

// generator returns the configMapGenerator entry named name.
func (k kustomization) generator(t *testing.T, name string) configMapGenerator {
	t.Helper()
	for _, g := range k.ConfigMapGenerator {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("%s: no configMapGenerator named %q", kustomizationFile, name)
	return configMapGenerator{}
}

// literal returns the value of the generator's KEY=VALUE literal key.
func (g configMapGenerator) literal(key string) (string, bool) {
	for _, l := range g.Literals {
		if k, v, ok := strings.Cut(l, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// fileForKey returns the generator file whose ConfigMap key is key.
func (g configMapGenerator) fileForKey(key string) (string, bool) {
	for _, f := range g.Files {
		if filepath.Base(f) == key {
			return f, true
		}
	}
	return "", false
}

// image returns the images entry that rewrites name.
func (k kustomization) image(name string) (kustomizeImage, bool) {
	for _, i := range k.Images {
		if i.Name == name {
			return i, true
		}
	}
	return kustomizeImage{}, false
}

func TestKustomizationDecodesStrictly(t *testing.T) {
	k := loadKustomization(t, ".")
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("apiVersion %q kind %q: want kustomize.config.k8s.io/v1beta1 Kustomization", k.APIVersion, k.Kind)
	}
	if len(k.Labels) == 0 || len(k.Labels[0].Pairs) == 0 {
		t.Error("labels: want common labels on every resource")
	}
	for _, l := range k.Labels {
		if l.IncludeSelectors {
			t.Error("labels: includeSelectors would rewrite the Service's selector and the Jobs' generated ones; keep it false")
		}
	}
	for _, g := range k.ConfigMapGenerator {
		for _, f := range g.Files {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("configMapGenerator %s: %v", g.Name, err)
			}
		}
		for _, l := range g.Literals {
			if k, _, ok := strings.Cut(l, "="); !ok || k == "" {
				t.Errorf("configMapGenerator %s: literal %q: want KEY=VALUE", g.Name, l)
			}
		}
	}
	// Every manifest in this directory is a resource, so none is written and
	// forgotten; generator files are not.
	var generated []string
	for _, g := range k.ConfigMapGenerator {
		generated = append(generated, g.Files...)
	}
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f != kustomizationFile && !slices.Contains(generated, f) && !slices.Contains(k.Resources, f) {
			t.Errorf("%s is neither a resource nor a generator file of %s", f, kustomizationFile)
		}
	}
}
