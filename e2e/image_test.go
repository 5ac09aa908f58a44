package e2e

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// podmanOut runs podman and returns its standard output.
func podmanOut(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("podman", args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out.Bytes()
}

// imageFiles returns the files of an image's root file system, by path.
func imageFiles(t *testing.T, ref string) map[string][]byte {
	t.Helper()
	id := strings.TrimSpace(string(podmanOut(t, nil, "create", ref)))
	// A foreign-platform image gives a warning first, on its own line.
	id = id[strings.LastIndex(id, "\n")+1:]
	defer podmanOut(t, nil, "rm", id)
	tr := tar.NewReader(bytes.NewReader(podmanOut(t, nil, "export", id)))
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		if h.Typeflag == tar.TypeDir {
			name = strings.TrimSuffix(name, "/") + "/"
		}
		files[name] = data
	}
	return files
}

// TestImageContents checks that the image holds the static binary and the
// user database and nothing else (no shell), and runs as a non-root user.
func TestImageContents(t *testing.T) {
	t.Parallel()
	checkImage(t, image(t))
}

// TestImageDockerCLI builds the image with `make image` through the docker
// CLI talking to podman's API service, the DOCKER_HOST of hack/podman.sh env,
// as podman-docker, Podman Desktop and RHEL/Fedora set docker up. The
// docker CLI filters the build context itself and podman reads what it sends
// (issue 15: the binary went missing on the way). The image must be the one
// podman builds, and run as README's docker command says.
func TestImageDockerCLI(t *testing.T) {
	t.Parallel()
	docker(t)
	out, err := exec.Command("docker", "version", "--format", "{{range .Server.Components}}{{.Name}};{{end}}").Output()
	if err != nil || !strings.Contains(string(out), "Podman Engine") {
		t.Fatalf("docker version: %q, %v: DOCKER_HOST must be podman's API service (hack/podman.sh env), whose image store podman reads", out, err)
	}
	// A tag of its own, as in TestImageMultiArch.
	ref := fmt.Sprintf("localhost/confighash:e2e-docker-%d", os.Getpid())
	if out, err := makeImage("image", "CONTAINER_TOOL=docker", "IMAGE="+ref); err != nil {
		t.Fatalf("make image CONTAINER_TOOL=docker: %v\n%s", err, out)
	}
	t.Cleanup(func() { podmanOut(t, nil, "rmi", ref) })
	checkImage(t, ref)

	input, err := os.ReadFile(filepath.Join(repoRoot, "examples", "quickstart", "resources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"run", "--rm", "-i", "--network", "none", "--read-only", ref}
	cmd := exec.Command("docker", args...)
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	sameBytes(t, "docker "+strings.Join(args, " "), stdout.Bytes(), stream(t, input))
}

// checkImage checks an image that `make image` built: its files, its user,
// its entrypoint and its architecture.
func checkImage(t *testing.T, ref string) {
	t.Helper()
	files := imageFiles(t, ref)
	var names []string
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	want := []string{"etc/", "etc/group", "etc/passwd", "usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/confighash"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("image files:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range []string{"passwd", "group"} {
		checkedIn, err := os.ReadFile(filepath.Join(repoRoot, "image", f))
		if err != nil {
			t.Fatal(err)
		}
		sameBytes(t, "/etc/"+f+" vs image/"+f, files["etc/"+f], checkedIn)
		for _, user := range []string{"nobody:x:65534:", "nonroot:x:65532:"} {
			if !bytes.Contains(files["etc/"+f], []byte(user)) {
				t.Errorf("/etc/%s has no %s", f, strings.TrimSuffix(user, ":"))
			}
		}
	}
	bin, err := elf.NewFile(bytes.NewReader(files["usr/local/bin/confighash"]))
	if err != nil {
		t.Fatalf("usr/local/bin/confighash: %v", err)
	}
	for _, p := range bin.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("usr/local/bin/confighash is dynamically linked; FROM scratch has no libc (build with CGO_ENABLED=0)")
		}
	}

	var inspect []struct {
		Architecture string
		Config       struct {
			User       string
			Entrypoint []string
			Cmd        []string
		}
	}
	if err := json.Unmarshal(podmanOut(t, nil, "image", "inspect", ref), &inspect); err != nil || len(inspect) != 1 {
		t.Fatalf("podman image inspect: %v", err)
	}
	c := inspect[0].Config
	if c.User != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532 (nonroot, numeric so Kubernetes can check runAsNonRoot)", c.User)
	}
	if strings.Join(c.Entrypoint, " ") != "/usr/local/bin/confighash" || len(c.Cmd) != 0 {
		t.Errorf("entrypoint %q, cmd %q; want the binary alone, so arguments after the image are its flags", c.Entrypoint, c.Cmd)
	}
	if inspect[0].Architecture != runtime.GOARCH {
		t.Errorf("image architecture %s, want %s", inspect[0].Architecture, runtime.GOARCH)
	}
}

// TestImageRunsLockedDown runs the image as kustomize, kpt and careful
// users run it: read-only root file system, no network, no capabilities,
// as the image's user and as nobody. Its output must be this build's, byte
// for byte, in stream and ResourceList modes.
func TestImageRunsLockedDown(t *testing.T) {
	t.Parallel()
	ref := image(t)
	input, err := os.ReadFile(filepath.Join(repoRoot, "examples", "quickstart", "resources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	resourceList := []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, line := range strings.SplitAfter(string(input), "\n") {
		switch {
		case line == "---\n":
			continue
		case strings.HasPrefix(line, "apiVersion:"):
			resourceList = append(resourceList, "- "+line...)
		case line != "" && !strings.HasPrefix(line, "#"):
			resourceList = append(resourceList, "  "+line...)
		}
	}
	locked := []string{"run", "--rm", "-i", "--read-only", "--network", "none", "--cap-drop", "all", "--security-opt", "no-new-privileges"}
	for _, c := range []struct {
		name  string
		user  []string
		input []byte
	}{
		{"stream as nonroot", nil, input},
		{"stream as nobody", []string{"--user", "nobody"}, input},
		{"ResourceList as nobody", []string{"--user", "nobody"}, resourceList},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append(append(append([]string{}, locked...), c.user...), ref)
			got := podmanOut(t, c.input, args...)
			sameBytes(t, "podman "+strings.Join(args, " "), got, stream(t, c.input))
			if !bytes.Contains(got, []byte("checksum.confighash.dev/config")) {
				t.Errorf("no annotation in:\n%s", got)
			}
		})
	}
}

// TestImageMultiArch builds the image for amd64 and arm64 with `make
// image-multiarch` (a podman manifest list) and checks that each platform's
// image has the binary of its architecture: the Dockerfile's TARGETARCH at
// work.
func TestImageMultiArch(t *testing.T) {
	t.Parallel()
	podman(t)
	// A tag of its own: runs of the tests at the same time must not rebuild
	// one manifest list under each other.
	ref := fmt.Sprintf("localhost/confighash:e2e-multiarch-%d", os.Getpid())
	if out, err := makeImage("image-multiarch", "CONTAINER_TOOL=podman", "IMAGE="+ref); err != nil {
		t.Fatalf("make image-multiarch: %v\n%s", err, out)
	}
	var list struct {
		Manifests []struct {
			Digest   string
			Platform struct{ Architecture, OS string }
		}
	}
	if err := json.Unmarshal(podmanOut(t, nil, "manifest", "inspect", ref), &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range list.Manifests {
		ids = append(ids, strings.TrimSpace(string(podmanOut(t, nil, "image", "inspect", "--format", "{{.Id}}", ref+"@"+m.Digest))))
	}
	t.Cleanup(func() {
		podmanOut(t, nil, "manifest", "rm", ref)
		podmanOut(t, nil, append([]string{"rmi"}, ids...)...)
	})
	machines := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	seen := map[string]bool{}
	for _, m := range list.Manifests {
		arch := m.Platform.Architecture
		seen[arch] = true
		files := imageFiles(t, ref+"@"+m.Digest)
		bin, err := elf.NewFile(bytes.NewReader(files["usr/local/bin/confighash"]))
		if err != nil {
			t.Fatalf("%s: usr/local/bin/confighash: %v", arch, err)
		}
		if bin.Machine != machines[arch] {
			t.Errorf("the %s image has a %s binary", arch, bin.Machine)
		}
	}
	if !seen["amd64"] || !seen["arm64"] || len(list.Manifests) != 2 {
		t.Errorf("manifest list has %v, want amd64 and arm64", list.Manifests)
	}
}

var readmeImageSize = regexp.MustCompile(`image is ([0-9.]+) MB`)

// TestImageSizeInReadme keeps the size README states within 10% of the
// image's.
func TestImageSizeInReadme(t *testing.T) {
	t.Parallel()
	ref := image(t)
	size, err := strconv.ParseFloat(strings.TrimSpace(string(podmanOut(t, nil, "image", "inspect", "--format", "{{.Size}}", ref))), 64)
	if err != nil {
		t.Fatal(err)
	}
	mb := size / 1e6
	t.Logf("%s: %.1f MB", ref, mb)
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := readmeImageSize.FindSubmatch(readme)
	if m == nil {
		t.Fatalf("README.md does not say %q", fmt.Sprintf("image is %.1f MB", mb))
	}
	stated, _ := strconv.ParseFloat(string(m[1]), 64)
	if stated < mb*0.9 || stated > mb*1.1 {
		t.Errorf("README.md says the image is %s MB; it is %.1f MB", m[1], mb)
	}
}
