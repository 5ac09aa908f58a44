package e2e

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// An example's README marks each command block that the tests run with an
// HTML comment on the line before its ```sh fence (invisible on GitHub):
//
//	<!-- e2e: expect=expected.yaml needs=kustomize -->
//
// expect names the file, in the example's directory, that the block's
// standard output must equal byte for byte ("-": not compared, e.g. a setup
// step); needs lists the tools it runs: kustomize, kpt, helm3 or helm4 (as
// `helm`), image (the image `make image` builds; kpt then runs it with
// KPT_FN_RUNTIME=podman), image-cmp (the Argo CD plugin image of `make
// image-cmp`), podman, docker. The blocks of one README run in
// order, each in a new bash, in one sandbox (see sandbox), from its root.
type exampleBlock struct {
	line   int
	script string
	expect string
	needs  []string
}

var blockMarker = regexp.MustCompile(`^<!-- e2e:(.*)-->$`)

func readExampleBlocks(t *testing.T, readme string) []exampleBlock {
	t.Helper()
	f, err := os.Open(readme)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks  []exampleBlock
		pending *exampleBlock
		in      *exampleBlock
		n       int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case in != nil && line == "```":
			blocks = append(blocks, *in)
			in = nil
		case in != nil:
			in.script += line + "\n"
		case pending != nil:
			if line != "```sh" {
				t.Fatalf("%s:%d: an e2e marker must be followed by a ```sh fence, not %q", readme, n, line)
			}
			in, pending = pending, nil
		default:
			m := blockMarker.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			b := &exampleBlock{line: n + 1}
			for _, field := range strings.Fields(m[1]) {
				key, value, _ := strings.Cut(field, "=")
				switch key {
				case "expect":
					b.expect = value
				case "needs":
					b.needs = strings.Split(value, ",")
				default:
					t.Fatalf("%s:%d: unknown e2e attribute %q", readme, n, key)
				}
			}
			if b.expect == "" {
				t.Fatalf("%s:%d: an e2e block needs expect=FILE (or expect=-)", readme, n)
			}
			pending = b
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if pending != nil || in != nil {
		t.Fatalf("%s: unterminated e2e block", readme)
	}
	return blocks
}

// exampleNames lists the examples whose README has e2e command blocks: the
// ones these tests run.
func exampleNames(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, name := range allExamples(t) {
		readme := filepath.Join(repoRoot, "examples", name, "README.md")
		if _, err := os.Stat(readme); err == nil && len(readExampleBlocks(t, readme)) > 0 {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		t.Fatal("no example has e2e command blocks")
	}
	return names
}

func allExamples(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(repoRoot, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestEveryExampleIsExercised fails for an example that no test runs: one
// whose README has no e2e command block and that no Go test outside e2e/
// names (examples/quickstart, say, is run by fn/digest_test.go).
func TestEveryExampleIsExercised(t *testing.T) {
	t.Parallel()
	var others strings.Builder
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "bin" || d.Name() == ".git" || d.Name() == "testdata" || path == filepath.Join(repoRoot, "e2e")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, "_test.go") {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			others.Write(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	run := map[string]bool{}
	for _, name := range exampleNames(t) {
		run[name] = true
	}
	for _, name := range allExamples(t) {
		if !run[name] && !strings.Contains(others.String(), "examples/"+name) {
			t.Errorf("examples/%s is run by no test: mark its README's commands for e2e (see exampleBlock) or test it elsewhere", name)
		}
	}
}

// TestExamples runs every marked command of every example's README, as
// written, and compares the output with the example's expected files.
func TestExamples(t *testing.T) {
	t.Parallel()
	for _, name := range exampleNames(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(repoRoot, "examples", name)
			blocks := readExampleBlocks(t, filepath.Join(dir, "README.md"))
			root := sandbox(t, name)
			tools := map[string]string{}
			var env []string
			for _, b := range blocks {
				for _, need := range b.needs {
					switch need {
					case "kustomize":
						tools["kustomize"] = kustomizeTool.path(t)
					case "kpt":
						tools["kpt"] = kpt(t)
					case "helm3", "helm4":
						// set per block below
					case "image":
						image(t)
						env = append(env, "KPT_FN_RUNTIME=podman")
					case "image-cmp":
						imageCMP(t) // argocd_test.go
					case "podman":
						podman(t)
					case "docker":
						docker(t)
					default:
						t.Fatalf("README.md:%d: unknown tool %q in needs", b.line, need)
					}
				}
			}
			for _, b := range blocks {
				blockTools := map[string]string{}
				for k, v := range tools {
					blockTools[k] = v
				}
				for _, need := range b.needs {
					switch need {
					case "helm3":
						blockTools["helm"] = helm3Tool.path(t)
					case "helm4":
						blockTools["helm"] = helm4Tool.path(t)
					}
				}
				got := newShell(t, root, blockTools).run(b.script, env...)
				if b.expect == "-" {
					continue
				}
				file := filepath.Join(dir, b.expect)
				if *update {
					if err := os.WriteFile(file, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				sameBytes(t, fmt.Sprintf("examples/%s/README.md:%d output vs %s", name, b.line, b.expect), got, want)
			}
		})
	}
}

var hexDigest = regexp.MustCompile(`\b[0-9a-f]{64}\b`)

// TestExampleReadmesQuoteTheirOutput keeps the annotation values that a
// README quotes equal to what its example outputs.
func TestExampleReadmesQuoteTheirOutput(t *testing.T) {
	t.Parallel()
	for _, name := range exampleNames(t) {
		dir := filepath.Join(repoRoot, "examples", name)
		readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		var outputs strings.Builder
		for _, b := range readExampleBlocks(t, filepath.Join(dir, "README.md")) {
			if b.expect == "-" {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, b.expect))
			if err != nil {
				t.Fatal(err)
			}
			outputs.Write(data)
		}
		quoted := hexDigest.FindAllString(string(readme), -1)
		if len(quoted) == 0 {
			t.Errorf("examples/%s/README.md quotes no annotation value: show the user what to expect", name)
		}
		for _, h := range quoted {
			if !strings.Contains(outputs.String(), h) {
				t.Errorf("examples/%s/README.md quotes %s, which its expected outputs do not have", name, h)
			}
		}
	}
}
