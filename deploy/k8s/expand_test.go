package k8s

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// expandReferences replaces each $(NAME) in s by lookup's value, as the
// kubelet does in a container's command, args and env values (the expansion
// of k8s.io/kubernetes third_party/forked/golang/expansion): $$ is a literal
// $, a reference lookup does not know stays as written, and a $ that starts
// neither is kept.
func expandReferences(s string, lookup func(name string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// containerEnv resolves a container's env as the kubelet does, in order, each
// value expanded against the variables before it. valueFrom may only name a
// key of a generated ConfigMap (resolved from its literals); anything else
// the kubelet resolves from the cluster, which the tests do not have.
func containerEnv(k kustomization, c *corev1.Container) (map[string]string, error) {
	if len(c.EnvFrom) > 0 {
		return nil, fmt.Errorf("container %s: envFrom: the tests resolve env entries only", c.Name)
	}
	env := map[string]string{}
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = expandReferences(e.Value, lookup)
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			v, ok := generatedLiteral(k, ref.Name, ref.Key)
			if !ok {
				return nil, fmt.Errorf("container %s: env %s: ConfigMap %s has no literal %s in %s", c.Name, e.Name, ref.Name, ref.Key, kustomizationFile)
			}
			env[e.Name] = v
		default:
			return nil, fmt.Errorf("container %s: env %s: valueFrom other than configMapKeyRef comes from the cluster", c.Name, e.Name)
		}
	}
	return env, nil
}

// generatedLiteral returns the literal key of the generated ConfigMap name.
func generatedLiteral(k kustomization, name, key string) (string, bool) {
	for _, g := range k.ConfigMapGenerator {
		if g.Name == name {
			return g.literal(key)
		}
	}
	return "", false
}

// expandArgs expands every argument against env.
func expandArgs(args []string, env map[string]string) []string {
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = expandReferences(a, lookup)
	}
	return out
}

func TestExpandReferences(t *testing.T) {
	env := map[string]string{"A": "1", "HOST": "svc:7000", "EMPTY": ""}
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	tests := []struct {
		in, want string
	}{
		{"$(A)", "1"},
		{"--coordinator=$(HOST)", "--coordinator=svc:7000"},
		{"$(A)$(A)", "11"},
		{"x$(EMPTY)y", "xy"},
		{"$(UNKNOWN)", "$(UNKNOWN)"},
		{"$$(A)", "$(A)"},
		{"$$$(A)", "$1"},
		{"$$((n + 5))", "$((n + 5))"},
		{"$A", "$A"},
		{"${A}", "${A}"},
		{"$(A", "$(A"},
		{"end$", "end$"},
		{"no references", "no references"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := expandReferences(tt.in, lookup); got != tt.want {
				t.Fatalf("expandReferences(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestContainerEnvInOrder(t *testing.T) {
	k := kustomization{ConfigMapGenerator: []configMapGenerator{{Name: "settings", Literals: []string{"URL=http://x:1"}}}}
	c := &corev1.Container{Name: "c", Env: []corev1.EnvVar{
		{Name: "LATE", Value: "$(PORT)"}, // defined later: stays as written
		{Name: "PORT", Value: "7000"},
		{Name: "ADDR", Value: "svc:$(PORT)"},
		{Name: "URL", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}, Key: "URL"}}},
	}}
	env, err := containerEnv(k, c)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"LATE": "$(PORT)", "PORT": "7000", "ADDR": "svc:7000", "URL": "http://x:1"}
	for name, v := range want {
		if env[name] != v {
			t.Errorf("%s = %q, want %q", name, env[name], v)
		}
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}})
	if _, err := containerEnv(k, c); err == nil {
		t.Error("a fieldRef resolved without a cluster")
	}
}
