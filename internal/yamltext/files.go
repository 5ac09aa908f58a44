package yamltext

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Files adds to files the YAML files at path: path itself, or the .yaml and
// .yml files under it, in lexical order, when it is a directory. Links to
// files and directories are followed, each file and directory is taken
// once (seen holds their real paths, across calls), and a loop of links is
// not followed twice. Directories whose name starts with "." are left out.
func Files(path string, seen map[string]bool, files *[]string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	if seen[real] {
		return nil
	}
	seen[real] = true
	if !info.IsDir() {
		*files = append(*files, path)
		return nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return err
	}
	for _, e := range entries {
		child := filepath.Join(path, e.Name())
		ci, err := os.Stat(child)
		if err != nil {
			return fmt.Errorf("%s: %w", child, err)
		}
		switch {
		case ci.IsDir() && strings.HasPrefix(e.Name(), "."):
		case ci.IsDir():
			if err := Files(child, seen, files); err != nil {
				return err
			}
		case strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml"):
			if err := Files(child, seen, files); err != nil {
				return err
			}
		}
	}
	return nil
}
