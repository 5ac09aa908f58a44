// Package e2e runs confighash where its users run it, with the real tools:
// kustomize (exec and container functions), kpt (fn eval and fn render),
// Helm 3 and Helm 4 post-rendering, the container image under podman, and CI
// pipelines. Every example under examples/ is run here exactly as its README
// says, and its output compared with the example's expected output.
//
// The tools come from the environment that `make test` / `make e2e` set
// (KUSTOMIZE, HELM3, HELM4, the podman settings of hack/podman.sh), else from
// ./bin. A missing tool skips a test and names the make target that installs
// it; with CI set it fails the test instead.
package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the examples' expected outputs from this run (review the diff)")

var (
	// repoRoot is the absolute path of the repository.
	repoRoot string
	// confighash is the binary built from this tree for this test run.
	confighash string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	repoRoot = root
	dir, err := os.MkdirTemp("", "confighash-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	confighash = filepath.Join(dir, "confighash")
	// Static, like the released binary and the one in the image.
	build := exec.Command("go", "build", "-trimpath", "-o", confighash, ".")
	build.Dir = repoRoot
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building confighash: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}
