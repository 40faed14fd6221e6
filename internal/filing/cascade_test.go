package filing_test

import (
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/filing"
)

// A child campaign starts from its parent's tables and may add to them,
// never drop or relax a field the parent requires.
func TestChildTemplateKeepsParentFields(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := account.AsSystem(t.Context())
		parent, err := e.App.Campaigns.Get(ctx, "fj-2026")
		if err != nil {
			t.Fatal(err)
		}
		pt, _, err := e.App.Filings.Template(ctx, parent, 1)
		if err != nil {
			t.Fatal(err)
		}
		pt.Fields = append(pt.Fields, filing.Field{Key: "safety", Label: "安全保障措施", Type: filing.TypeTextarea, Required: true})
		if err := e.App.Filings.SaveTemplate(ctx, parent, pt, 0); err != nil {
			t.Fatal(err)
		}
		child, err := e.App.Campaigns.Get(ctx, "2026")
		if err != nil {
			t.Fatal(err)
		}
		ct, version, err := e.App.Filings.Template(ctx, child, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ct.Field("safety"); !ok || version != 0 {
			t.Fatalf("the child does not start from the parent's form: %+v", ct.Fields)
		}
		for i := range ct.Fields {
			if ct.Fields[i].Key == "safety" {
				ct.Fields[i].Required = false
			}
		}
		err = e.App.Filings.SaveTemplate(ctx, child, ct, 0)
		if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || e.Fields["fields"].Key != "cascade.error.parent_field" || e.Fields["fields"].Args[0] != "安全保障措施" {
			t.Fatalf("relaxing a required field: %v", err)
		}
		ct, _, _ = e.App.Filings.Template(ctx, child, 1)
		ct.Fields = append(ct.Fields, filing.Field{Key: "local", Label: "本地字段", Type: filing.TypeText})
		if err := e.App.Filings.SaveTemplate(ctx, child, ct, 0); err != nil {
			t.Fatalf("adding a field: %v", err)
		}
	})
}
