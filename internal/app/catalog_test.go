package app

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/i18n"
)

// keyUses finds catalogue keys in templates and in the Go calls that take one.
var keyUses = []*regexp.Regexp{
	regexp.MustCompile(`\.T "([a-z_]+\.[a-z_.0-9]+)"`),
	regexp.MustCompile(`errs\.New\(errs\.\w+, "([a-z_.0-9]+)"`),
	regexp.MustCompile(`errs\.Wrap\(errs\.\w+, \w+, "([a-z_.0-9]+)"`),
	regexp.MustCompile(`\.Add\("[a-z_0-9]+", "([a-z_.0-9]+)"`),
	regexp.MustCompile(`Key: "([a-z_.0-9]+)"`),
	regexp.MustCompile(`\.T\("([a-z_.0-9]+)"`),
	regexp.MustCompile(`PageFor\(r, "([a-z_.0-9]+)"`),
	regexp.MustCompile(`SetFlash\(w, "([a-z_.0-9]+)"`),
}

// TestEveryKeyIsInBothCatalogues reads the source tree and checks that
// each message key it uses has a Chinese and an English text. Keys built
// at run time (a prefix ending in a dot) are checked where they are listed.
func TestEveryKeyIsInBothCatalogues(t *testing.T) {
	root := filepath.Join("..")
	seen := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !strings.HasSuffix(path, ".html") && !(strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, re := range keyUses {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				seen++
				for _, lang := range i18n.Languages {
					if !strings.HasSuffix(m[1], ".") && !i18n.Has(lang, m[1]) {
						t.Errorf("%s uses %q, which the %s catalogue lacks", path, m[1], lang)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 100 {
		t.Fatalf("found only %d key uses: the patterns no longer match the code", seen)
	}
}
