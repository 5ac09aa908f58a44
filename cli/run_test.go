package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestExpandArgs(t *testing.T) {
	env := map[string]string{
		"ARGOCD_APP_NAME":       "web",
		"ARGOCD_APP_NAMESPACE":  "shop",
		"ARGOCD_ENV_HELM_ARGS":  "  --values values-prod.yaml\t--set image.tag=1.2 ",
		"ARGOCD_ENV_EMPTY":      "",
		"WITH_REF":              "$(ARGOCD_APP_NAME)",
		"dotted.name-1":         "ok",
		"ARGOCD_ENV_SPACE_NAME": "a b",
	}
	getenv := func(k string) string { return env[k] }
	for _, c := range []struct {
		in, want []string
	}{
		{[]string{"helm", "template", "$(ARGOCD_APP_NAME)", "."}, []string{"helm", "template", "web", "."}},
		{[]string{"--namespace=$(ARGOCD_APP_NAMESPACE)"}, []string{"--namespace=shop"}},
		// A whole-argument reference gives the words of the value, or none.
		{[]string{"a", "$(ARGOCD_ENV_HELM_ARGS)", "b"}, []string{"a", "--values", "values-prod.yaml", "--set", "image.tag=1.2", "b"}},
		{[]string{"a", "$(ARGOCD_ENV_EMPTY)", "$(UNSET)", "b"}, []string{"a", "b"}},
		// Within an argument: in place, one argument, empty when unset.
		{[]string{"--namespace=$(UNSET)"}, []string{"--namespace="}},
		{[]string{"x=$(ARGOCD_ENV_SPACE_NAME)"}, []string{"x=a b"}},
		{[]string{"$(ARGOCD_APP_NAME)-$(ARGOCD_APP_NAMESPACE)"}, []string{"web-shop"}},
		// Escapes, and what is not a reference.
		{[]string{"$$(ARGOCD_APP_NAME)", "a$$b", "$", "$x", "$(", "$()", "$(1BAD)", "$(ARGOCD_APP_NAME"}, []string{"$(ARGOCD_APP_NAME)", "a$b", "$", "$x", "$(", "$()", "$(1BAD)", "$(ARGOCD_APP_NAME"}},
		// A value is never expanded again.
		{[]string{"$(WITH_REF)", "v=$(WITH_REF)"}, []string{"$(ARGOCD_APP_NAME)", "v=$(ARGOCD_APP_NAME)"}},
		{[]string{"$(dotted.name-1)"}, []string{"ok"}},
	} {
		if got := expandArgs(c.in, getenv); !reflect.DeepEqual(got, c.want) {
			t.Errorf("expandArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// runWith runs confighash with the environment env (for the references in
// the arguments; a command gets the test's own environment).
func runWith(t *testing.T, args []string, env map[string]string, stdin string) (int, string, string) {
	t.Helper()
	var out, errOut strings.Builder
	code := Main(args, Streams{In: strings.NewReader(stdin), Out: &out, Err: &errOut}, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "input.yaml")
	if err := os.WriteFile(input, []byte(commandInput), 0o644); err != nil {
		t.Fatal(err)
	}
	_, plain, _ := runMain(t, nil, commandInput)
	_, perSource, _ := runMain(t, []string{"--mode", "perSource"}, commandInput)
	if plain == "" || perSource == plain {
		t.Fatal("the plain runs give nothing to compare with")
	}
	env := map[string]string{"INPUT": input, "MODE": "perSource"}

	t.Run("the command's output, annotated as in a pipe", func(t *testing.T) {
		code, out, errOut := runWith(t, []string{"run", "--", "cat", input}, env, "")
		if code != 0 || out != plain {
			t.Errorf("exit %d, stdout:\n%s\nwant the plain run's:\n%s\nstderr: %s", code, out, plain, errOut)
		}
		if !strings.Contains(errOut, "warning: ") || !strings.Contains(errOut, "info: confighash: ") {
			t.Errorf("stderr has not the warnings and the summary of a plain run:\n%s", errOut)
		}
	})
	t.Run("flags and references", func(t *testing.T) {
		code, out, errOut := runWith(t, []string{"run", "--mode=$(MODE)", "--quiet", "--", "cat", "$(INPUT)"}, env, "")
		if code != 0 || out != perSource {
			t.Errorf("exit %d, stdout:\n%s\nwant the perSource run's:\n%s\nstderr: %s", code, out, perSource, errOut)
		}
		if strings.Contains(errOut, "info: ") {
			t.Errorf("--quiet: the summary is printed:\n%s", errOut)
		}
	})
	t.Run("the command reads standard input", func(t *testing.T) {
		code, out, _ := runWith(t, []string{"run", "--", "cat"}, env, commandInput)
		if code != 0 || out != plain {
			t.Errorf("exit %d, stdout:\n%s", code, out)
		}
	})
	t.Run("the command fails", func(t *testing.T) {
		code, out, errOut := runWith(t, []string{"run", "--", "sh", "-c", "cat \"$0\"; echo 'chart broken' >&2; exit 3", input}, env, "")
		if code != 1 || out != "" {
			t.Errorf("exit %d, stdout %q; want 1 and nothing", code, out)
		}
		for _, want := range []string{"chart broken\n", "confighash: run: sh failed (exit status 3); nothing written\n"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr has no %q:\n%s", want, errOut)
			}
		}
		if strings.Contains(errOut, "cat") {
			t.Errorf("the error shows the command's arguments, which may hold values:\n%s", errOut)
		}
	})
	t.Run("the command writes nothing", func(t *testing.T) {
		code, out, errOut := runWith(t, []string{"run", "--", "sh", "-c", "echo '# nothing'; echo ---"}, env, "")
		if code != 1 || out != "" || !strings.Contains(errOut, "run: sh wrote no manifest; nothing written") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("the command is not found", func(t *testing.T) {
		code, out, errOut := runWith(t, []string{"run", "--", "confighash-no-such-renderer"}, env, "")
		if code != 1 || out != "" || !strings.Contains(errOut, `"confighash-no-such-renderer": executable file not found`) {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("confighash fails on the output", func(t *testing.T) {
		code, out, errOut := runWith(t, []string{"run", "--on-missing", "error", "--", "cat", input}, env, "")
		if code != 1 || out != "" || !strings.Contains(errOut, "absent") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("usage", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"run"}, "run needs -- COMMAND [ARG...] or FILE|DIR paths"},
			{[]string{"run", "--"}, "run: no COMMAND after --"},
			{[]string{"run", "x.yaml", "--", "cat"}, `not both: "x.yaml" comes before --`},
			{[]string{"run", "--mode", "bogus", "--", "cat", input}, `--mode: "bogus"`},
			{[]string{"run", "--bogus", "--", "cat"}, "flag provided but not defined: -bogus (see confighash run --help)"},
			{[]string{"run", "-"}, "- is not a path here"},
		} {
			code, out, errOut := runWith(t, c.args, env, "")
			if code != 1 || out != "" || !strings.Contains(errOut, c.want) {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want %q", c.args, code, out, errOut, c.want)
			}
		}
		code, out, _ := runWith(t, []string{"run", "--help"}, env, "")
		if code != 0 || !strings.HasPrefix(out, "confighash run: ") || !strings.Contains(out, "--namespace VALUE") {
			t.Errorf("run --help: exit %d\n%s", code, out)
		}
	})
}

// TestRunPaths reads a directory as Argo CD's directory sources hold one:
// several files, one starting with a separator, one with two documents, one
// without a final newline.
func TestRunPaths(t *testing.T) {
	dir := t.TempDir()
	docs := strings.SplitAfter(commandInput, "---\n")
	files := map[string]string{
		"a-configmap.yaml":   strings.TrimSuffix(docs[0], "---\n"),
		"b/deployment.yml":   "---\n" + strings.TrimSuffix(docs[1], "\n"),
		"c-notes.txt":        "not read",
		".hidden/other.yaml": "not: read",
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := files["a-configmap.yaml"] + files["b/deployment.yml"] + "\n"
	_, plain, _ := runMain(t, nil, want)
	code, out, errOut := runWith(t, []string{"run", "--quiet", dir}, nil, "")
	if code != 0 || out != plain {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\nstderr: %s", code, out, plain, errOut)
	}
	code, _, errOut = runWith(t, []string{"run", filepath.Join(dir, ".hidden", "none")}, nil, "")
	if code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("a missing path: exit %d, stderr %q", code, errOut)
	}
	empty := t.TempDir()
	code, _, errOut = runWith(t, []string{"run", empty}, nil, "")
	if code != 1 || !strings.Contains(errOut, "no .yaml or .yml file in it") {
		t.Errorf("an empty directory: exit %d, stderr %q", code, errOut)
	}
}

// TestRunValuesCannotMoveTheCommand: a value that holds -- stays on its
// side of the first --, as flags for confighash or arguments for COMMAND.
func TestRunValuesCannotMoveTheCommand(t *testing.T) {
	env := map[string]string{"ARGOCD_ENV_CONFIGHASH_ARGS": "-- sh -c 'echo injected'"}
	code, out, errOut := runWith(t, []string{"run", "$(ARGOCD_ENV_CONFIGHASH_ARGS)", "--", "cat"}, env, commandInput)
	if code != 1 || out != "" || strings.Contains(errOut, "injected") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
