package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const module = "confighash.dev/confighash"

// TestLayers pins the three layers of README's Development section: imports
// run one way, cli -> fn -> internal/yamltext, and the text layer
// knows nothing of what the objects mean.
func TestLayers(t *testing.T) {
	allowed := map[string][]string{
		"internal/yamltext": nil,
		"fn":                {"internal/yamltext"},
		"cli":               {"fn", "internal/yamltext"},
		".":                 {"cli"},
	}
	for dir, may := range allowed {
		for _, f := range sourceFiles(t, dir) {
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range file.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				rel, ok := strings.CutPrefix(path, module+"/")
				if !ok {
					continue
				}
				found := false
				for _, m := range may {
					found = found || rel == m
				}
				if !found {
					t.Errorf("%s imports %s: the layers are %s -> fn -> internal/yamltext", f, path, "cli")
				}
			}
		}
	}

	domain := regexp.MustCompile(`(?i)configmap|secret|pod ?template`)
	for _, f := range sourceFiles(t, "internal/yamltext") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := domain.FindString(line); m != "" {
				t.Errorf("%s:%d mentions %q: the text layer knows no ConfigMap, Secret or pod template", f, i+1, m)
			}
		}
	}
}

// sourceFiles are the Go files of a package directory, tests left out.
func sourceFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return out
}
