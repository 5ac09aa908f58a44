package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRenderStabilityReadmeShowsOutput keeps the outputs that
// examples/render-stability/README.md shows equal to its expected files,
// which TestExamples compares with what the commands print.
func TestRenderStabilityReadmeShowsOutput(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(repoRoot, "examples", "render-stability")
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range readExampleBlocks(t, filepath.Join(dir, "README.md")) {
		want, err := os.ReadFile(filepath.Join(dir, b.expect))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), "```\n"+string(want)+"```") {
			t.Errorf("examples/render-stability/README.md does not show %s as it is", b.expect)
		}
	}
}
