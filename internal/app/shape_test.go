package app

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// goFiles parses every non-test Go file under internal/, except those of
// the packages skipped, and hands each to visit with its package folder.
func goFiles(t *testing.T, skip map[string]bool, visit func(pkg, path string, fset *token.FileSet, f *ast.File)) {
	t.Helper()
	root := filepath.Join("..")
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		pkg := filepath.ToSlash(filepath.Dir(rel))
		if skip[strings.Split(pkg, "/")[0]] {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		n++
		visit(pkg, path, fset, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("read only %d Go files: the walk no longer finds the code", n)
	}
}

// TestFormsTakeTheirStatusFromTheError holds the one way a form is shown
// again after a failed save: its status comes from web.FormStatus of the
// error, so a conflict answers 409 and a fixable mistake 422. A handler
// that writes such a status by hand (http.StatusUnprocessableEntity, 422,
// or web.Status of a code it picked) fails here by file and line.
func TestFormsTakeTheirStatusFromTheError(t *testing.T) {
	goFiles(t, map[string]bool{"web": true, "e2e": true, "apptest": true}, func(pkg, path string, fset *token.FileSet, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				id, ok := x.X.(*ast.Ident)
				if !ok {
					break
				}
				if (id.Name == "http" && x.Sel.Name == "StatusUnprocessableEntity") || (id.Name == "web" && x.Sel.Name == "Status") {
					t.Errorf("%s: %s.%s sets a form's status by hand; use web.FormStatus(err)", fset.Position(x.Pos()), id.Name, x.Sel.Name)
				}
			case *ast.BasicLit:
				if x.Kind == token.INT && x.Value == "422" {
					t.Errorf("%s: status 422 written by hand; use web.FormStatus(err)", fset.Position(x.Pos()))
				}
			}
			return true
		})
	})
}
