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
func sampleReport(orgName string, titles []string, expected []int, n int) report.Input {
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
			{Outlet: "泉州晚报", Title: orgName + "开展2020年科技活动周系列活动", Date: "2020-08-2" + strconv.Itoa(4+n%5), Link: "https://www.qzwb.com/"},
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
// with their paper copy received; in the upcoming campaign 华侨大学 has a
// draft that takes uploads today.
func LoadReports(ctx context.Context, accounts *account.Service, campaigns *campaign.Service, reports report.Service) error {
	sys := account.AsSystem(ctx)
	c2020, err := campaigns.Get(sys, "2020")
	if err != nil {
		return err
	}
	live := reports.Clock
	reports.Clock = clock.NewFixed(c2020.SummaryDeadline.Add(-72 * time.Hour))
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
		if org.ID == c2020.OwnerOrgID {
			continue
		}
		in := sampleReport(org.Name, titles[code], expected[code], n)
		draft, err := reports.For(sys, c2020, code)
		if err != nil {
			return err
		}
		acts, err := reports.Activities(sys, c2020, draft)
		if err != nil {
			return err
		}
		for i, a := range acts {
			if i < len(expected[code]) {
				in.Participants[a.UID] = strconv.Itoa(expected[code][i] * (80 + (n+i)%35) / 100)
			}
		}
		r, err := reports.Save(sys, c2020, code, 0, in)
		if err != nil {
			return fmt.Errorf("demo report %s: %w", code, err)
		}
		if r, err = reports.Submit(sys, r.ID, r.Version); err != nil {
			return fmt.Errorf("demo report %s submit: %w", code, err)
		}
		// The last unit's report still waits for the city.
		for r.State == report.StateSubmitted && !(n == len(order)-1 && r.StageOrgID == c2020.OwnerOrgID) {
			if err := reports.Approve(reviewerCtx(ctx, accounts, r.StageOrgID), r.ID, r.Version, ""); err != nil {
				return fmt.Errorf("demo report %s review: %w", code, err)
			}
			if r, err = reports.Get(sys, r.ID); err != nil {
				return err
			}
		}
		if r.State == report.StateApproved {
			admin := reviewerCtx(ctx, accounts, c2020.OwnerOrgID)
			if err := reports.MarkPaper(admin, r.ID, c2020.SummaryDeadline.AddDate(0, 0, -4), "黄剑毅"); err != nil {
				return fmt.Errorf("demo report %s paper: %w", code, err)
			}
		}
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
