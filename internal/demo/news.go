package demo

import (
	"context"
	"fmt"
	"slices"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/news"
)

// policies are the laws and rules the notice asks units to publicise, with
// descriptions written for the demo and links to the official databases.
var policies = []struct{ title, summary, link string }{
	{"《中华人民共和国科学技术进步法》", "国家促进科技进步的基本法律：科研投入、创新主体、科技人员和科学普及的总体安排。活动周期间可结合展板和讲座宣传。", "https://flk.npc.gov.cn/"},
	{"《中华人民共和国促进科技成果转化法》", "规范科技成果从实验室走向市场的法律，说明成果完成单位、科研人员和企业在转化中的权利与收益。", "https://flk.npc.gov.cn/"},
	{"《国家科学技术奖励条例》及科技奖励办法", "介绍国家和地方科学技术奖的设置、推荐与评审方式，鼓励公众了解身边的获奖成果。", "https://www.most.gov.cn/"},
	{"《技术合同认定登记管理办法》", "说明技术开发、转让、咨询和服务合同如何认定登记，以及登记后可享受的政策。", "https://www.most.gov.cn/"},
	{"《中华人民共和国消防法》", "与每个人的安全相关：火灾预防、灭火救援和单位、个人的消防义务。可结合消防科普体验活动学习。", "https://flk.npc.gov.cn/"},
	{"《中华人民共和国传染病防治法》", "传染病的预防、报告、控制和救治制度；在疫情防控常态化背景下尤其值得学习。", "https://flk.npc.gov.cn/"},
	{"《中华人民共和国野生动物保护法》", "保护野生动物及其栖息地，禁止非法猎捕、交易和食用野生动物的法律规定。", "https://flk.npc.gov.cn/"},
}

// LoadNews gives each demo campaign a pinned notice, a few news items (one
// written by a unit and approved up the chain) and the policy pages the
// notice names.
func LoadNews(ctx context.Context, accounts *account.Service, campaigns *campaign.Service, svc *news.Service) error {
	as := func(code string, roles ...account.Role) (context.Context, error) {
		org, err := accounts.Org(account.AsSystem(ctx), code)
		if err != nil {
			return nil, err
		}
		p := &account.Principal{Account: account.Account{ID: 0, OrgID: org.ID, Username: code, Roles: roles}, Org: org}
		return account.WithPrincipal(ctx, p), nil
	}
	bureau, err := as("quanzhou", account.RoleAdmin)
	if err != nil {
		return err
	}
	district, err := as("fengze", account.RoleCoordinator)
	if err != nil {
		return err
	}
	unit, err := as("hqu", account.RoleFiler)
	if err != nil {
		return err
	}
	cs, err := campaigns.List(account.AsSystem(ctx), campaign.Filter{})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.OwnerCode != "quanzhou" {
			continue // the chain above and beside Quanzhou has its notices only
		}
		write := func(ctx context.Context, in news.Input) (news.Article, error) {
			a, _, err := svc.Create(ctx, c, in, true)
			if err != nil {
				return a, fmt.Errorf("demo article %q in %s: %w", in.Title, c.Slug, err)
			}
			return a, nil
		}
		notice, err := write(bureau, news.Input{Section: news.SectionNotices, Title: "关于做好" + c.Title + "活动备案和宣传报道工作的提示",
			Summary: "请各单位按时填报备案表，活动期间通过网站、微信等渠道做好宣传，并在本站登记媒体报道。",
			Body:    "各有关单位：\n\n请于备案截止日前在本站填报《重点项目备案表》和《开放活动备案表》。活动周期间，请及时在本站“稿件管理”中提交活动新闻，并登记媒体报道，便于汇总。\n\n联系人：" + c.Contact.Name + "，电话 " + c.Contact.Phone + "。"})
		if err != nil {
			return err
		}
		if err := svc.SetPinned(bureau, notice.ID, true); err != nil {
			return err
		}
		if _, err := write(bureau, news.Input{Section: news.SectionNews, Title: c.Title + "启动", Summary: "主题为“" + c.Theme + "”，全市各县（市、区）和有关单位将举办系列科普活动。",
			Body: "本届科技活动周以“" + c.Theme + "”为主题，围绕展示科技战疫成效、展示科技创新成就、体验美好生活等重点开展活动。\n\n市民可在本站“活动日程”中查找活动、预约名额。"}); err != nil {
			return err
		}
		a, err := write(unit, news.Input{Section: news.SectionNews, Title: "华侨大学实验室开放日迎来中小学生", Summary: "学生们走进实验室，体验材料科学和人工智能小实验。",
			Body: "华侨大学在活动周期间开放多个重点实验室，科研人员为到访的中小学生讲解实验原理，带领他们动手操作。"})
		if err != nil {
			return err
		}
		if a, err = svc.Approve(district, a.ID, a.Version, ""); err != nil {
			return err
		}
		if _, err = svc.Approve(bureau, a.ID, a.Version, ""); err != nil {
			return err
		}
		// Listed newest first, so the first the notice names is written last.
		for _, p := range slices.Backward(policies) {
			if _, err := write(bureau, news.Input{Section: news.SectionPolicies, Title: p.title, Summary: p.summary, Link: p.link,
				Body: p.summary + "\n\n全文请以官方发布的文本为准，见下方链接。"}); err != nil {
				return err
			}
		}
	}
	return nil
}
