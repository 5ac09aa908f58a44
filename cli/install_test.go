package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallBinary(t *testing.T) {
	src := filepath.Join(t.TempDir(), "confighash-build")
	binary := []byte("\x7fELF not really")
	if err := os.WriteFile(src, binary, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// An older copy is replaced, and a copy that is read-only does not
	// stand in the way (the rename replaces the directory entry).
	if err := os.WriteFile(filepath.Join(dir, "confighash"), []byte("old"), 0o555); err != nil {
		t.Fatal(err)
	}
	target, err := installBinary(src, dir)
	if err != nil {
		t.Fatal(err)
	}
	if target != filepath.Join(dir, "confighash") {
		t.Errorf("installed as %s", target)
	}
	got, err := os.ReadFile(target)
	if err != nil || !bytes.Equal(got, binary) {
		t.Errorf("installed %q, %v; want the source's bytes", got, err)
	}
	info, err := os.Stat(target)
	if err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, %v; want 0755", info.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%s holds %d files; the temporary file was left behind", dir, len(entries))
	}

	for name, dir := range map[string]string{
		"missing":      filepath.Join(t.TempDir(), "none"),
		"a file":       src,
		"not writable": readOnlyDir(t),
	} {
		if _, err := installBinary(src, dir); err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: error %v does not name %s", name, err, dir)
		}
	}
}

func readOnlyDir(t *testing.T) string {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if os.Getuid() == 0 {
		// root writes anywhere: a path below a file fails instead.
		return filepath.Join(os.Args[0], "dir")
	}
	return dir
}

func TestInstallCommand(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runMain(t, []string{"install", dir}, "")
	if code != 0 || out != "installed "+filepath.Join(dir, "confighash")+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	self, _ := os.Executable()
	want, _ := os.ReadFile(self)
	if got, _ := os.ReadFile(filepath.Join(dir, "confighash")); !bytes.Equal(got, want) {
		t.Error("install did not copy the running executable")
	}
	for _, args := range [][]string{{"install"}, {"install", dir, dir}} {
		if code, _, errOut := runMain(t, args, ""); code != 1 || !strings.Contains(errOut, "install takes one directory") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
	if code, out, _ := runMain(t, []string{"install", "--help"}, ""); code != 0 || !strings.Contains(out, "confighash install DIR") {
		t.Errorf("install --help: exit %d\n%s", code, out)
	}
}
