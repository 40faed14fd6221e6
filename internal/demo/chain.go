package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/filing"
)

// The chain above Quanzhou: the national campaign of 科学技术部, Fujian's
// on it, and Quanzhou's and Xiamen's on Fujian's. The national and
// provincial focus areas are the first four of Quanzhou's notice; the
// fifth, 做好科普宣传, is Quanzhou's own.
const (
	nationalSlug = "cn-2020"
	provinceSlug = "fj-2020"
	xiamenSlug   = "xm-2020"
)

// chainCategories are the focus areas the national and provincial notices
// ask for.
const chainCategories = "展示科技战疫成效 | Science against the epidemic\n展示科技创新成就 | Achievements of innovation\n体验美好生活活动 | Science for a better life\n科技助力脱贫攻坚 | Science against poverty\n"

const nationalNotice = `各省、自治区、直辖市及计划单列市、新疆生产建设兵团科技厅（委、局），各有关单位：

为深入贯彻落实习近平新时代中国特色社会主义思想，科技部、中央宣传部、国家卫生健康委、中国科协定于2020年8月23日至29日举办2020年全国科技活动周，主题为“科技战疫 创新强国”。

## 一、重点内容

（一）展示科技战疫成效；（二）展示科技创新成就；（三）体验美好生活活动；（四）科技助力脱贫攻坚。

## 二、有关要求

请各省级科技管理部门制定本地区实施方案，于2020年8月7日前报送重点项目备案表，活动结束后于2020年9月18日前报送工作总结。
`

const provinceNotice = `各设区市科技局，平潭综合实验区经济发展局，各有关单位：

根据科技部等四部门《关于举办2020年全国科技活动周的通知》（国科发智〔2020〕167号）要求，我省定于2020年8月23日至29日举办2020年福建省科技活动周，主题为“科技战疫 创新强国”。

## 有关要求

请各设区市于2020年7月31日前汇总报送本地区重点项目备案表和参与开放活动的科研机构和大学备案表，于2020年9月14日前报送工作总结。
`

const xiamenNotice = `各区科技局，各有关单位：

根据《关于举办2020年福建省科技活动周的通知》（闽科专〔2020〕8号）要求，我市定于2020年8月23日至29日举办2020年厦门市科技活动周，主题为“科技战疫 创新强国”。

## 有关要求

请各单位于2020年7月24日前填报备案表，于2020年9月7日前报送工作总结，报送市科技局。
`

// chainOrgs are the organisations above and beside Quanzhou.
var chainOrgs = []org{
	{"", "most", "科学技术部", "Ministry of Science and Technology", account.KindBureau, "", "", "北京市海淀区复兴路乙15号"},
	{"most", "fujian", "福建省科学技术厅", "Fujian Provincial Department of Science and Technology", account.KindBureau, "", "", "福州市鼓楼区省府路1号"},
}

// xiamenOrgs are the second city of the demo with its districts and units.
var xiamenOrgs = []org{
	{"fujian", "xiamen", "厦门市科学技术局", "Xiamen Science and Technology Bureau", account.KindBureau, "李科长", "0592-2896543", "厦门市思明区湖滨北路61号"},
	{"xiamen", "siming", "思明区科技和工业信息化局", "Siming District S&T and IT Bureau", account.KindBureau, "", "", ""},
	{"xiamen", "haicang", "海沧区科技局", "Haicang District S&T Bureau", account.KindBureau, "", "", ""},
	{"siming", "xmu", "厦门大学", "Xiamen University", account.KindUnit, "周老师", "0592-2186114", "厦门市思明区思明南路422号"},
	{"siming", "xmstm", "厦门科技馆", "Xiamen Science and Technology Museum", account.KindUnit, "吴馆员", "0592-5377555", "厦门市思明区体育路95号"},
	{"haicang", "tio", "自然资源部第三海洋研究所", "Third Institute of Oceanography, MNR", account.KindUnit, "郑老师", "0592-2195234", "厦门市海沧区"},
}

var chainAccounts = []acct{
	{"most", "most", "科技部活动周管理员", []account.Role{account.RoleAdmin}},
	{"fujian", "fjkjt", "省科技厅管理员", []account.Role{account.RoleAdmin}},
	{"xiamen", "xmkjj", "厦门市科技局管理员", []account.Role{account.RoleAdmin}},
}

var xiamenProjects = []project{
	{"xmu", "海洋科学开放周：走进近海海洋环境科学国家重点实验室", "厦门大学翔安校区", "海洋观测设备展示与科学家讲座。", "青少年、社会公众", 1, 1, 9, 17, 800, "线下"},
	{"xmu", "疫苗研发的故事", "厦门大学公共卫生学院", "讲述戊肝、宫颈癌疫苗研发历程，普及疫苗知识。", "青少年、社会公众", 0, 2, 14, 16, 300, "线上线下结合"},
	{"xmstm", "科技战疫互动展", "厦门科技馆一楼", "防疫科技互动展项与科普剧表演。", "社会公众", 0, 0, 9, 17, 2000, "线下"},
	{"xmstm", "小小科学家实验营", "厦门科技馆科学工作室", "青少年动手实验与科学探究。", "青少年", 2, 3, 9, 12, 100, "线下"},
	{"siming", "鼓浪屿科普游：海洋与海防科技", "思明区鼓浪屿", "沿鼓浪屿讲解海洋观测与海防科技故事。", "社会公众", 3, 5, 9, 11, 200, "线下"},
	{"haicang", "海沧区科技成果进社区", "海沧区文化中心", "辖区企业科技产品展示与科普咨询。", "社会公众", 1, 6, 9, 12, 300, "线下"},
	{"tio", "海洋生态保护科普日", "第三海洋研究所海沧园区", "中华白海豚保护与海洋生态修复科普。", "青少年、社会公众", 3, 4, 9, 16, 400, "线下"},
}

var xiamenOpenDays = []openDay{
	{"tio", "自然资源部第三海洋研究所", "海洋生物标本馆、海洋环境实验室开放。", "厦门市海沧区", "郑老师", "0592-2195234", 2, 30},
}

func approved(string, int) filing.State { return filing.StateApproved }

// loadChainTop makes the 2020 national and provincial campaigns, published,
// so Quanzhou's and Xiamen's can be made on them.
func loadChainTop(ctx context.Context, campaigns *campaign.Service) error {
	base := campaign.Input{
		Theme: "科技战疫 创新强国", Start: "2020-08-23", End: "2020-08-29", Mode: string(campaign.ModeOnsite),
		Categories: chainCategories, Audiences: campaign.DefaultAudiences, VideoMaxSeconds: "180", PhotoMinKB: "1024", PhotoMaxKB: "2048",
	}
	national := base
	national.OwnerCode, national.Slug, national.Title, national.DocNumber = "most", nationalSlug, "2020年全国科技活动周", "国科发智〔2020〕167号"
	national.FilingDeadline, national.SummaryDeadline, national.NoticeMD = "2020-08-07", "2020-09-18", nationalNotice
	if _, err := campaigns.Create(ctx, national); err != nil {
		return fmt.Errorf("demo national campaign: %w", err)
	}
	if err := campaigns.SetState(ctx, nationalSlug, campaign.StatePublished); err != nil {
		return err
	}
	province := base
	province.OwnerCode, province.Slug, province.Title, province.DocNumber = "fujian", provinceSlug, "2020年福建省科技活动周", "闽科专〔2020〕8号"
	province.FilingDeadline, province.SummaryDeadline, province.NoticeMD = "2020-07-31", "2020-09-14", provinceNotice
	if _, err := campaigns.CreateChild(ctx, nationalSlug, province); err != nil {
		return fmt.Errorf("demo provincial campaign: %w", err)
	}
	return campaigns.SetState(ctx, provinceSlug, campaign.StatePublished)
}

// loadXiamen makes Xiamen's 2020 campaign on Fujian's, with its units'
// tables filed and approved, then archives the 2020 chain.
func loadXiamen(ctx context.Context, accounts *account.Service, campaigns *campaign.Service, filings *filing.Service) error {
	in := campaign.Input{
		OwnerCode: "xiamen", Slug: xiamenSlug, Title: "2020年厦门市科技活动周", DocNumber: "厦科〔2020〕56号", Theme: "科技战疫 创新强国",
		Start: "2020-08-23", End: "2020-08-29", FilingDeadline: "2020-07-24", SummaryDeadline: "2020-09-07",
		ContactName: "李科长", ContactPhone: "0592-2896543", ContactAddress: "厦门市思明区湖滨北路61号",
		Mode: string(campaign.ModeOnsite), NoticeMD: xiamenNotice, Categories: chainCategories + "海洋科技 | Ocean science\n",
		Audiences: campaign.DefaultAudiences, VideoMaxSeconds: "180", PhotoMinKB: "1024", PhotoMaxKB: "2048",
	}
	c, err := campaigns.CreateChild(ctx, provinceSlug, in)
	if err != nil {
		return fmt.Errorf("demo Xiamen campaign: %w", err)
	}
	if err := campaigns.SetState(ctx, c.Slug, campaign.StatePublished); err != nil {
		return err
	}
	if filings != nil {
		if c, err = campaigns.Get(ctx, c.Slug); err != nil {
			return err
		}
		if err := loadSamples(ctx, accounts, filings, c, xiamenProjects, xiamenOpenDays, approved); err != nil {
			return fmt.Errorf("demo Xiamen filings: %w", err)
		}
	}
	for _, slug := range []string{xiamenSlug, provinceSlug, nationalSlug} {
		if err := campaigns.SetState(ctx, slug, campaign.StateArchived); err != nil {
			return err
		}
	}
	return nil
}

// schedule is where an upcoming copy's deadlines fall.
type schedule struct {
	start, filing, summary time.Time
	doc                    string
}

// copyUpcoming copies a 2020 campaign of the chain into the upcoming week,
// below parent (empty at the top), with its own deadlines and document
// number written into the notice too, and publishes it.
func copyUpcoming(ctx context.Context, campaigns *campaign.Service, src campaign.Campaign, slug, parent string, s schedule) (campaign.Campaign, error) {
	c, err := campaigns.Copy(ctx, src.Slug, campaign.CopyInput{Slug: slug, Start: s.start.Format("2006-01-02"), Parent: parent})
	if err != nil {
		return c, err
	}
	y := s.start.Year()
	end := s.start.AddDate(0, 0, int(src.End.Sub(src.Start).Hours()/24))
	in := campaign.InputOf(c)
	in.FilingDeadline, in.SummaryDeadline = s.filing.Format("2006-01-02"), s.summary.Format("2006-01-02")
	in.DocNumber = s.doc
	in.NoticeMD = strings.NewReplacer(
		chineseRange(src.Start, src.End), chineseRange(s.start, end),
		fmt.Sprintf("%d年%d月%d日", y, src.FilingDeadline.Month(), src.FilingDeadline.Day()), chineseDate(s.filing),
		fmt.Sprintf("%d年%d月%d日", y, src.SummaryDeadline.Month(), src.SummaryDeadline.Day()), chineseDate(s.summary),
	).Replace(in.NoticeMD)
	if _, err := campaigns.Update(ctx, c.Slug, in); err != nil {
		return c, err
	}
	if err := campaigns.SetState(ctx, c.Slug, campaign.StatePublished); err != nil {
		return c, err
	}
	return campaigns.Get(ctx, c.Slug)
}

// loadChainUpcoming copies the national, provincial and Xiamen campaigns
// into the upcoming week, each deadline before the one above, and approves
// Xiamen's sample tables; it returns the provincial copy's slug, the
// parent of Quanzhou's.
func loadChainUpcoming(ctx context.Context, accounts *account.Service, campaigns *campaign.Service, filings *filing.Service, start, filingDue, summaryDue time.Time) (string, error) {
	y := start.Year()
	steps := []struct {
		src, slug, parent, doc string
		days                   int // later than Quanzhou's deadlines by
	}{
		{nationalSlug, fmt.Sprintf("cn-%d", y), "", fmt.Sprintf("国科发智〔%d〕1号", y), 5},
		{provinceSlug, fmt.Sprintf("fj-%d", y), fmt.Sprintf("cn-%d", y), fmt.Sprintf("闽科专〔%d〕1号", y), 3},
		{xiamenSlug, fmt.Sprintf("xm-%d", y), fmt.Sprintf("fj-%d", y), fmt.Sprintf("厦科〔%d〕1号", y), 0},
	}
	for _, st := range steps {
		src, err := campaigns.Get(ctx, st.src)
		if err != nil {
			return "", err
		}
		c, err := copyUpcoming(ctx, campaigns, src, st.slug, st.parent, schedule{start: start, filing: filingDue.AddDate(0, 0, st.days),
			summary: summaryDue.AddDate(0, 0, 2*st.days), doc: st.doc})
		if err != nil {
			return "", fmt.Errorf("demo upcoming %s: %w", st.slug, err)
		}
		if st.src == xiamenSlug && filings != nil {
			if err := loadSamples(ctx, accounts, filings, c, xiamenProjects, xiamenOpenDays, approved); err != nil {
				return "", fmt.Errorf("demo filings %s: %w", c.Slug, err)
			}
		}
	}
	return steps[1].slug, nil
}
