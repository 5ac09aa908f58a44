package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The module the vulnerability scan must flag: golang.org/x/text before
// v0.3.7 loops forever on some language tags given to language.Parse
// (GO-2021-0113, CVE-2021-38561), and this main calls it.
const (
	vulnProbeMod  = "module example.com/vulnprobe\n\ngo 1.26\n\nrequire golang.org/x/text v0.3.5\n"
	vulnProbeMain = `package main

import (
	"fmt"

	"golang.org/x/text/language"
)

func main() {
	fmt.Println(language.Parse("en-US"))
}
`
)

var snapshotTarball = regexp.MustCompile(`^govulndb-(\d{4}-\d{2}-\d{2})\.tar\.gz$`)

// TestVulnOfflineSnapshot runs make vuln on a module that calls a known
// vulnerable function, with GOVULNDB unreachable: vuln must fall back to the
// offline snapshot of third_party/govulndb, say its date, find the
// vulnerability and fail with govulncheck's exit status 3. So the fallback is
// a real scan, not a pass.
func TestVulnOfflineSnapshot(t *testing.T) {
	t.Parallel()
	govulncheck := govulncheckTool.path(t)
	var date string
	entries, err := os.ReadDir(filepath.Join(repoRoot, "third_party", "govulndb"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if m := snapshotTarball.FindStringSubmatch(e.Name()); m != nil && m[1] > date {
			date = m[1]
		}
	}
	if date == "" {
		t.Fatal("third_party/govulndb has no govulndb-<date>.tar.gz")
	}

	dir := t.TempDir()
	for name, text := range map[string]string{"go.mod": vulnProbeMod, "main.go": vulnProbeMain} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = dir
	if out, err := tidy.CombinedOutput(); err != nil {
		missing(t, "go mod tidy of a module requiring golang.org/x/text v0.3.5: %v\n%s\nthe test needs the Go module proxy (GOPROXY)", err, out)
	}

	// 127.0.0.1:1 refuses connections at once, wherever the test runs.
	args := []string{"--no-print-directory", "vuln", "VULN_DIR=" + dir, "GOVULNDB=http://127.0.0.1:1", "GOVULNCHECK=" + govulncheck, "VULN_REQUIRED="}
	cmd := exec.Command("make", args...)
	cmd.Dir = repoRoot
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("make %s passed; it must fail on GO-2021-0113:\n%s", strings.Join(args, " "), out)
	}
	for _, want := range []string{
		"vuln: scanned against the offline Go vulnerability database snapshot of " + date + " (http://127.0.0.1:1 unreachable)",
		"GO-2021-0113",
		// make's report of the recipe's exit status: govulncheck's 3, a
		// called vulnerability, not a failure to scan.
		"vuln] Error 3",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("make %s: no %q in:\n%s", strings.Join(args, " "), want, out)
		}
	}

	// The same, straight from govulncheck, on the database make extracted.
	db := filepath.Join(repoRoot, "bin", "govulndb-"+date)
	scan := exec.Command(govulncheck, "-db", "file://"+db, "./...")
	scan.Dir = dir
	out, err = scan.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 3 {
		t.Errorf("govulncheck -db file://%s ./...: %v, want exit status 3 (vulnerabilities called)\n%s", db, err, out)
	}
	if !strings.Contains(string(out), "GO-2021-0113") {
		t.Errorf("govulncheck -db file://%s ./...: no GO-2021-0113 in:\n%s", db, out)
	}
}
