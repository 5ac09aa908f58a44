package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeSection returns the text of README.md's section with the given
// heading line, up to the next heading of the same or a higher level
// (outside code blocks, where "# name" is a comment).
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	level := strings.Index(heading, " ")
	var section strings.Builder
	in, code := false, false
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "```") {
			code = !code
		}
		if !code && strings.HasPrefix(line, "#") {
			if n := strings.Index(line, " "); n > 0 && n <= level && strings.Trim(line[:n], "#") == "" {
				if in {
					break
				}
				in = strings.TrimSpace(line) == heading
				continue
			}
		}
		if in {
			section.WriteString(line)
		}
	}
	if section.Len() == 0 {
		t.Fatalf("README.md has no section %q", heading)
	}
	return section.String()
}

// fences returns the contents of the section's code blocks of one language.
func fences(section, lang string) []string {
	var blocks []string
	for _, part := range strings.Split(section, "```"+lang+"\n")[1:] {
		if end := strings.Index(part, "```"); end >= 0 {
			blocks = append(blocks, part[:end])
		}
	}
	return blocks
}

// TestReadmeKustomizeSnippet builds README's kustomize exec example as it is
// printed: its files (each introduced by a "# name" comment), the binary
// at ./confighash, and the command of the next sh block.
func TestReadmeKustomizeSnippet(t *testing.T) {
	t.Parallel()
	kustomize := kustomizeTool.path(t)
	section := readmeSection(t, "### kustomize")
	yamls, shs := fences(section, "yaml"), fences(section, "sh")
	if len(yamls) == 0 || len(shs) == 0 {
		t.Fatalf("README's kustomize section needs a yaml block and an sh block:\n%s", section)
	}
	dir := t.TempDir()
	for _, doc := range strings.Split(yamls[0], "---\n") {
		name, body, ok := strings.Cut(doc, "\n")
		if !ok || !strings.HasPrefix(name, "# ") {
			t.Fatalf("a file of README's kustomize example does not start with '# <name>': %q", doc)
		}
		if err := os.WriteFile(filepath.Join(dir, strings.TrimPrefix(name, "# ")), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	deployment := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          envFrom:
            - configMapRef: {name: web-config}
`
	if err := os.WriteFile(filepath.Join(dir, "deployment.yaml"), []byte(deployment), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(confighash, filepath.Join(dir, "confighash")); err != nil {
		t.Fatal(err)
	}
	out := newShell(t, dir, map[string]string{"kustomize": kustomize}).run(shs[0])
	// The transformer sees the generated ConfigMap before kustomize names it
	// web-config-<hash>: the same objects, in stream mode.
	configMap := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  LOG_LEVEL: debug\n---\n"
	want := checksum(t, stream(t, []byte(configMap+deployment)), "Deployment/web")
	if got := checksum(t, out, "Deployment/web"); got != want {
		t.Errorf("README's kustomize example: checksum.confighash.dev/config %s, want %s", got, want)
	}
}
