package stats_test

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/demo"
)

// totalActivities is the total row of the districts' table: its first
// number is the activities approved.
var totalActivities = regexp.MustCompile(`(?s)<table class="stats-districts">.*?<tfoot><tr><th scope="row">合计</th><td>(\d+)</td>`)

func TestStatistics(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.As(t, "admin")
		page := admin.Get("/campaigns/2020/stats")
		if page.Status != 200 {
			t.Fatalf("stats: %d\n%s", page.Status, page.Body)
		}
		// Every chart is an SVG drawing with a table of the same numbers.
		if n, m := strings.Count(page.Body, `<svg class="bars"`), strings.Count(page.Body, `<table id="chart-`); n != 7 || m != 7 {
			t.Errorf("%d charts, %d tables", n, m)
		}
		total := totalActivities.FindStringSubmatch(page.Body)
		if total == nil || total[1] != "35" {
			t.Errorf("total activities: %v", total)
		}
		if !strings.Contains(page.Body, "<title>丰泽区工业信息化和科技局: ") {
			t.Errorf("the district chart lacks 丰泽区")
		}

		res := admin.Get("/campaigns/2020/stats/summary.xlsx")
		if res.Status != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
			t.Fatalf("summary.xlsx: %d %v", res.Status, res.Header)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(res.Body)))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); strings.Join(got, ",") != "按区县,按活动类别,典型案例" {
			t.Errorf("sheets: %v", got)
		}
		rows, _ := f.GetRows("按区县")
		last := rows[len(rows)-1]
		if last[0] != "合计" || last[1] != "35" {
			t.Errorf("total row: %v", last)
		}
		cases, _ := f.GetRows("典型案例")
		if len(cases) < 12 || !strings.Contains(strings.Join(cases[2], " "), "：活动采用预约") {
			t.Errorf("typical cases: %d rows, %v", len(cases), cases[2])
		}

		print := admin.Get("/campaigns/2020/stats/print")
		if print.Status != 200 || !strings.Contains(print.Body, "2020年泉州市科技活动周汇总情况") || !strings.Contains(print.Body, `class="case"`) {
			t.Errorf("print page: %d", print.Status)
		}

		// A district sees its own area only.
		fengze := e.As(t, "fengze").Get("/campaigns/2020/stats")
		if fengze.Status != 200 || strings.Contains(fengze.Body, "晋江市") {
			t.Errorf("the district's statistics show other districts: %d", fengze.Status)
		}
		if res := e.As(t, "hqu").Get("/campaigns/2020/stats"); res.Status != 403 {
			t.Errorf("a unit reads the statistics: %d", res.Status)
		}
	})
}

// TestBookedAndCheckedIn puts the places booked and the people checked in
// beside the participants reported.
func TestBookedAndCheckedIn(t *testing.T) {
	e := apptest.New(t)
	ctx := account.AsSystem(context.Background())
	if err := demo.LoadBookings(ctx, e.App.Booking); err != nil {
		t.Fatal(err)
	}
	var booked, checkedIn int
	if err := e.App.DB.QueryRow(ctx, `SELECT COALESCE(SUM(taken), 0), COALESCE(SUM(checked_in), 0) FROM booking_slots`).Scan(&booked, &checkedIn); err != nil {
		t.Fatal(err)
	}
	if booked == 0 {
		t.Fatal("the demo booked nothing")
	}
	page := e.As(t, "admin").Get("/campaigns/2026/stats")
	if !strings.Contains(page.Body, "预约（人次）") || !strings.Contains(page.Body, "签到入场（人次）") {
		t.Fatalf("the district table lacks the booking columns:\n%s", page.Body)
	}
	cells := regexp.MustCompile(`(?s)<tfoot><tr><th scope="row">合计</th>((?:<td>\d+</td>)+)`).FindStringSubmatch(page.Body)
	if cells == nil {
		t.Fatal("no total row")
	}
	nums := regexp.MustCompile(`\d+`).FindAllString(cells[1], -1)
	if len(nums) < 5 || nums[3] != strconv.Itoa(booked) || nums[4] != strconv.Itoa(checkedIn) {
		t.Errorf("totals %v, want booked %d and checked in %d", nums, booked, checkedIn)
	}
}

// TestStatisticsFollowApproval approves a unit's waiting table 1 and sees
// the statistics, read just before, count its activities at once.
func TestStatisticsFollowApproval(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.As(t, "admin")
		total := func() int {
			t.Helper()
			page := admin.Get("/campaigns/2026/stats")
			m := totalActivities.FindStringSubmatch(page.Body)
			if page.Status != 200 || m == nil {
				t.Fatalf("stats: %d", page.Status)
			}
			n, _ := strconv.Atoi(m[1])
			return n
		}
		before := total()
		id := e.ApproveWaiting(t, "2026")
		var items int
		if err := e.App.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM filing_items WHERE filing_id = ?`, id).Scan(&items); err != nil {
			t.Fatal(err)
		}
		if after := total(); items == 0 || after != before+items {
			t.Errorf("after approving %d activities the statistics count %d, before %d", items, after, before)
		}
	})
}
