package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/report"
)

// sampleReport writes a unit's summary of the 2020 week from its projects.
func sampleReport(orgName, outlet string, titles []string, expected []int, n int) report.Input {
	in := report.Input{
		Sections: report.Sections{
			Implementation: orgName + "成立科技活动周工作小组，由分管领导牵头，科研、宣传、后勤等部门分工负责，制定活动方案和疫情防控预案，活动前完成场地安全检查。",
			Content:        "围绕“科技战疫 创新强国”主题，举办" + strconv.Itoa(len(titles)) + "项重点活动：\n\n",
			Results:        "活动期间共接待公众参观体验，线上直播和短视频累计观看人次较往年明显增加，市民对科学防疫知识的知晓率进一步提高。",
			Cases:          "**" + titles[0] + "**：活动采用预约、限流、分时段入场的方式，在做好防控的前提下让公众近距离了解科技成果，获得参与者一致好评。",
		},
		Figures:      map[string]string{"activities_held": strconv.Itoa(len(titles)), "media_reports": strconv.Itoa(1 + n%3)},
		Participants: map[string]string{},
		Coverage: []report.Coverage{
			{Outlet: outlet, Title: orgName + "开展2020年科技活动周系列活动", Date: "2020-08-2" + strconv.Itoa(4+n%5), Link: "https://www.qzwb.com/"},
		},
	}
	people := 0
	for i, t := range titles {
		in.Sections.Content += "- " + t + "\n"
		people += expected[i] * (85 + (n+i)%30) / 100
	}
	in.Figures["people_on_site"] = strconv.Itoa(people)
	in.Figures["online_views"] = strconv.Itoa(2000 + 1300*n)
	return in
}

// LoadReports adds the sample summary reports to a freshly loaded demo:
// in 2020 every unit with projects reported and most reports are approved
// with their paper copy received, and Xiamen's units reported and its own
// summary went to the province and was approved; in the upcoming campaign
// 华侨大学 has a draft that takes uploads today.
func LoadReports(ctx context.Context, accounts *account.Service, campaigns *campaign.Service, reports report.Service) error {
	sys := account.AsSystem(ctx)
	c2020, err := campaigns.Get(sys, "2020")
	if err != nil {
		return err
	}
	live := reports.Clock
	reports.Clock = clock.NewFixed(c2020.SummaryDeadline.Add(-72 * time.Hour))
	if err := unitReports(ctx, accounts, &reports, c2020, projects, "泉州晚报", "黄剑毅", true); err != nil {
		return err
	}
	xiamen, err := campaigns.Get(sys, xiamenSlug)
	if err != nil {
		return err
	}
	if err := unitReports(ctx, accounts, &reports, xiamen, xiamenProjects, "厦门日报", "李科长", false); err != nil {
		return err
	}
	if err := levelReport(ctx, accounts, campaigns, &reports, xiamen); err != nil {
		return err
	}
	reports.Clock = live
	all, err := campaigns.List(sys, campaign.Filter{})
	if err != nil {
		return err
	}
	for _, c := range all {
		if c.Slug == "2020" || c.State != campaign.StatePublished || c.OwnerCode != "quanzhou" {
			continue
		}
		in := report.Input{Sections: report.Sections{
			Implementation: "学校成立科技活动周领导小组，科研处牵头，各学院分工组织。",
		}, Figures: map[string]string{}}
		// 华侨大学's report opens before the week, so the demo shows one
		// taking uploads.
		if now := reports.Clock.Now(); now.Before(c.Start) {
			if err := reports.OpenEarly(sys, c, "hqu", now); err != nil {
				return fmt.Errorf("demo report opened early: %w", err)
			}
		}
		if _, err := reports.Save(sys, c, "hqu", 0, in); err != nil {
			return fmt.Errorf("demo draft report: %w", err)
		}
	}
	return nil
}

// unitReports files a summary for every unit of c with projects, and has
// each reviewed up to the organiser and its paper copy received; when
// holdLast, the last still waits for the organiser.
func unitReports(ctx context.Context, accounts *account.Service, reports *report.Service, c campaign.Campaign, projects []project, outlet, paperBy string, holdLast bool) error {
	sys := account.AsSystem(ctx)
	var order []string
	titles, expected := map[string][]string{}, map[string][]int{}
	for _, p := range projects {
		if titles[p.org] == nil {
			order = append(order, p.org)
		}
		titles[p.org] = append(titles[p.org], p.title)
		expected[p.org] = append(expected[p.org], p.expected)
	}
	for n, code := range order {
		org, err := accounts.Org(sys, code)
		if err != nil {
			return err
		}
		if org.ID == c.OwnerOrgID {
			continue
		}
		in := sampleReport(org.Name, outlet, titles[code], expected[code], n)
		draft, err := reports.For(sys, c, code)
		if err != nil {
			return err
		}
		acts, err := reports.Activities(sys, c, draft)
		if err != nil {
			return err
		}
		for i, a := range acts {
			if i < len(expected[code]) {
				in.Participants[a.UID] = strconv.Itoa(expected[code][i] * (80 + (n+i)%35) / 100)
			}
		}
		r, err := reports.Save(sys, c, code, 0, in)
		if err != nil {
			return fmt.Errorf("demo report %s: %w", code, err)
		}
		if r, err = reports.Submit(sys, r.ID, r.Version); err != nil {
			return fmt.Errorf("demo report %s submit: %w", code, err)
		}
		for r.State == report.StateSubmitted && !(holdLast && n == len(order)-1 && r.StageOrgID == c.OwnerOrgID) {
			if err := reports.Approve(reviewerCtx(ctx, accounts, r.StageOrgID), r.ID, r.Version, ""); err != nil {
				return fmt.Errorf("demo report %s review: %w", code, err)
			}
			if r, err = reports.Get(sys, r.ID); err != nil {
				return err
			}
		}
		if r.State == report.StateApproved {
			admin := reviewerCtx(ctx, accounts, c.OwnerOrgID)
			if err := reports.MarkPaper(admin, r.ID, c.SummaryDeadline.AddDate(0, 0, -4), paperBy); err != nil {
				return fmt.Errorf("demo report %s paper: %w", code, err)
			}
		}
	}
	return nil
}

// levelReport sends the city's own summary of c to the province: the
// figures its units reported, its first unit's typical case, approved by
// the province.
func levelReport(ctx context.Context, accounts *account.Service, campaigns *campaign.Service, reports *report.Service, c campaign.Campaign) error {
	sys := account.AsSystem(ctx)
	parent, err := campaigns.Get(sys, provinceSlug)
	if err != nil {
		return err
	}
	draft, err := reports.For(sys, parent, c.OwnerCode)
	if err != nil {
		return err
	}
	u, _, err := reports.RollUp(sys, parent, draft)
	if err != nil || len(u.Rows) == 0 {
		return err
	}
	in := report.Input{Sections: report.Sections{
		Implementation: c.OwnerName + "印发活动周通知，组织各区、各单位围绕“科技战疫 创新强国”主题开展活动，活动期间实行预约、限流和分时段入场。",
		Content:        "全市共举办重点活动" + strconv.Itoa(u.Total.ActivitiesHeld) + "场，涵盖海洋科技、科技战疫、青少年科学实践等领域。",
		Results:        "现场参与" + strconv.Itoa(u.Total.PeopleOnSite) + "人次，线上观看" + strconv.Itoa(u.Total.OnlineViews) + "人次。",
	}, Figures: map[string]string{}}
	for _, k := range report.FigureKeys {
		in.Figures[k] = strconv.Itoa(u.Total.Get(k))
	}
	r, err := reports.Save(sys, parent, c.OwnerCode, 0, in)
	if err != nil {
		return fmt.Errorf("demo level report %s: %w", c.OwnerCode, err)
	}
	if r, err = reports.PickCases(sys, parent, c.OwnerCode, r.Version, []int64{u.Rows[0].ID}); err != nil {
		return fmt.Errorf("demo level report %s cases: %w", c.OwnerCode, err)
	}
	if r, err = reports.Submit(sys, r.ID, r.Version); err != nil {
		return fmt.Errorf("demo level report %s submit: %w", c.OwnerCode, err)
	}
	return reports.Approve(reviewerCtx(ctx, accounts, parent.OwnerOrgID), r.ID, r.Version, "")
}
