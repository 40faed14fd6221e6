package app

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
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

// tableOwners says which package owns each table: only it reads or writes
// the table; every other domain asks its service.
var tableOwners = map[string]string{
	"organisations": "account", "accounts": "account", "account_roles": "account", "api_tokens": "account", "sessions": "account", "login_throttle": "account",
	"audit_events": "audit",
	"campaigns":    "campaign", "campaign_attachments": "campaign", "campaign_terms": "campaign",
	"filings": "filing", "filing_items": "filing", "filing_revisions": "filing", "filing_events": "filing", "filing_extensions": "filing",
	"submissions": "filing", "submission_revisions": "filing", "submission_events": "filing",
	"filing_reminders": "filing", "form_templates": "filing", "choice_mappings": "filing", "filing_changes": "filing", "filing_figures": "filing",
	"program_activities": "program", "program_grams": "program", "program_online": "program", "program_synced": "program",
	"bookings": "booking", "booking_slots": "booking", "booking_rules": "booking", "booking_venues": "booking", "booking_venue_times": "booking",
	"booking_filed": "booking", "booking_erasures": "booking", "booking_offline_checkins": "booking", "booking_leases": "booking",
	"reports": "report", "report_media": "report", "report_events": "report", "report_extensions": "report", "report_early_opens": "report", "report_picks": "report",
	"articles": "news", "news_events": "news", "news_sections": "news", "media_coverage": "news",
	"messages": "notify", "notifications": "notify", "reminder_rules": "notify", "reminders_sent": "notify",
	"paper_codes": "paper",
	"jobs":        "platform/jobs",
}

// sharedReads are the joins onto another domain's table that stay: the
// name, path or state of an organisation or a campaign beside each row of
// a listing, which asking the service would turn into a query a row.
var sharedReads = map[string]bool{
	"audit organisations": true, "campaign organisations": true, "filing organisations": true, "filing campaigns": true,
	"news organisations": true, "news campaigns": true, "notify organisations": true, "program campaigns": true,
	"report organisations": true, "report campaigns": true, "review organisations": true,
}

// sqlTable finds the table after a keyword of a statement; sciweek writes
// SQL keywords in capitals.
var sqlTable = regexp.MustCompile(`\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_]+)\b`)

// TestNoDomainQueriesAnotherDomainsTables holds the rule that a domain
// reads and writes only its own tables. Every table the migrations create
// has an owner above; a statement in a domain's Go source naming a table
// another package owns fails here, unless sharedReads lets it.
func TestNoDomainQueriesAnotherDomainsTables(t *testing.T) {
	// A table made "AS SELECT" is a migration's scratch copy, dropped in it.
	created := regexp.MustCompile(`(?i)CREATE TABLE (?:IF NOT EXISTS )?([a-z0-9_]+)\s*\(`)
	for _, dialect := range []string{"sqlite", "postgres"} {
		files, err := filepath.Glob(filepath.Join("..", "platform", "db", "migrations", dialect, "*.sql"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no %s migrations: %v", dialect, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range created.FindAllStringSubmatch(string(b), -1) {
				if _, ok := tableOwners[m[1]]; !ok {
					t.Errorf("%s creates table %s, which has no owner in tableOwners", filepath.Base(f), m[1])
				}
			}
		}
	}
	// The demo data, the bulk loader of the capacity data set and the
	// backup sit above the domains and may touch every table; the
	// composition root holds the rule too and asks the services. Tests are
	// not scanned.
	above := map[string]bool{"demo": true, "benchseed": true, "backup": true, "apptest": true, "e2e": true}
	seen := 0
	goFiles(t, above, func(pkg, path string, fset *token.FileSet, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			for _, m := range sqlTable.FindAllStringSubmatch(lit.Value, -1) {
				owner, known := tableOwners[m[1]]
				if !known {
					continue
				}
				seen++
				if owner != pkg && !sharedReads[pkg+" "+m[1]] {
					t.Errorf("%s: package %s queries %s, a table of %s; ask its service", fset.Position(lit.Pos()), pkg, m[1], owner)
				}
			}
			return true
		})
	})
	if seen < 100 {
		t.Fatalf("found only %d statements naming a table: the scan no longer matches the code", seen)
	}
}
