package report_test

import (
	"context"
	"testing"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/benchseed"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/platform/db/dbtest"
)

// BenchmarkLevelRollUp gathers a national organiser's summary over the
// approved reports of every unit of the national data set (3,000 units
// reporting straight to the nation: the widest a level can be), with the
// photos and the cases a page offers.
func BenchmarkLevelRollUp(b *testing.B) {
	o := apptest.Options{NoDemo: true}
	if u, ok := dbtest.PostgresURL(b); ok {
		o.DatabaseURL = u // SCIWEEK_TEST_POSTGRES_URL set: measure PostgreSQL
	}
	e := apptest.Start(b, o)
	ctx := account.AsSystem(context.Background())
	if _, err := benchseed.Seed(ctx, e.App, benchseed.Options{Units: 3000}); err != nil {
		b.Fatal(err)
	}
	c, err := e.App.Campaigns.Get(ctx, benchseed.Slug)
	if err != nil {
		b.Fatal(err)
	}
	now := db.At(apptest.Now)
	if _, err := e.App.DB.Exec(ctx, `INSERT INTO reports (campaign_id, org_id, state, live, cases, activities_held, people_on_site, online_views, media_reports, created_at, updated_at)
		SELECT ?, id, 'approved', 1, '**开放日**：预约参观。', 3, 500, 2000, 2, ?, ? FROM organisations WHERE kind = 'unit'`, c.ID, now, now); err != nil {
		b.Fatal(err)
	}
	r, err := e.App.Reports.For(ctx, c, c.OwnerCode)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		u, ok, err := e.App.Reports.RollUp(ctx, c, r)
		if err != nil || !ok || len(u.Rows) < 3000 {
			b.Fatalf("%v %v %d", err, ok, len(u.Rows))
		}
	}
}
