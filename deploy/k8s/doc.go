// Package k8s is pushbench's Kubernetes base: kustomization.yaml, a
// coordinator Job with a headless Service, an Indexed Job of workers and the
// scenario they run. There is no Go API here. The package exists for its
// tests, which prove what no cluster on the development machine can: every
// manifest decodes strictly into the k8s.io/api types, the Jobs and the
// Service agree on the contract (worker count, index, address, image,
// scenario), and the Jobs' own command lines, run as local processes, give
// one merged result. The k8s.io modules are test-only dependencies.
package k8s
