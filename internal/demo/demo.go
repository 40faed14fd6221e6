// Package demo loads the 2020 Quanzhou Science and Technology Week, from
// the bureau's notice 泉科〔2020〕121号, with the organisations it addresses
// and an upcoming copy whose filing is open today.
package demo

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/filing"
)

// Password is the password of every demo account.
const Password = "sciweek-demo"

//go:embed notice-2020.md
var notice2020 string

type org struct {
	parent, code, name, nameEn string
	kind                       account.Kind
	contact, phone, address    string
}

// orgs is the tree the notice addresses: the city bureau, the bureaus of
// Quanzhou's counties, county-level cities, districts and zones, and a few
// units that file.
var orgs = []org{
	{"fujian", "quanzhou", "泉州市科学技术局", "Quanzhou Science and Technology Bureau", account.KindBureau, "黄剑毅", "22579330", "泉州市东海行政中心交通科研楼D栋811室"},
	{"quanzhou", "licheng", "鲤城区科技局", "Licheng District S&T Bureau", account.KindBureau, "", "", ""},
	{"quanzhou", "fengze", "丰泽区工业信息化和科技局", "Fengze District Industry, IT and S&T Bureau", account.KindBureau, "陈敏", "0595-22198765", "泉州市丰泽区丰泽街"},
	{"quanzhou", "luojiang", "洛江区科技局", "Luojiang District S&T Bureau", account.KindBureau, "", "", ""},
	{"quanzhou", "quangang", "泉港区科技局", "Quangang District S&T Bureau", account.KindBureau, "", "", ""},
	{"quanzhou", "shishi", "石狮市工业信息化和科技局", "Shishi Industry, IT and S&T Bureau", account.KindBureau, "", "", ""},
	{"quanzhou", "jinjiang", "晋江市科技局", "Jinjiang S&T Bureau", account.KindBureau, "", "", ""},
	{"quanzhou", "nanan", "南安市科技局", "Nan'an S&T Bureau", account.KindBureau, "", "", ""},
	{"quanzhou", "huian", "惠安县科技局", "Hui'an County S&T Bureau", account.KindBureau, "", "", ""},
	{"quanzhou", "anxi", "安溪县科技局", "Anxi County S&T Bureau", account.KindBureau, "", "", ""},
	{"quanzhou", "yongchun", "永春县科技局", "Yongchun County S&T Bureau", account.KindBureau, "", "", ""},
	{"quanzhou", "dehua", "德化县科技局", "Dehua County S&T Bureau", account.KindBureau, "", "", ""},
	{"quanzhou", "kaifaqu", "泉州开发区科技经济发展局", "Quanzhou Development Zone S&T and Economy Bureau", account.KindBureau, "", "", ""},
	{"quanzhou", "taishang", "泉州台商投资区科技经济发展局", "Quanzhou Taiwanese Investment Zone S&T and Economy Bureau", account.KindBureau, "", "", ""},
	{"fengze", "hqu", "华侨大学", "Huaqiao University", account.KindUnit, "林老师", "0595-22692114", "泉州市丰泽区城华北路269号"},
	{"fengze", "qztc", "泉州师范学院", "Quanzhou Normal University", account.KindUnit, "王老师", "0595-22919595", "泉州市丰泽区东海大街398号"},
	{"fengze", "qzstm", "泉州科技馆", "Quanzhou Science and Technology Museum", account.KindUnit, "张馆员", "0595-22135678", "泉州市丰泽区东海街道"},
	{"luojiang", "yeu", "仰恩大学", "Yang-en University", account.KindUnit, "", "", "泉州市洛江区马甲镇"},
	{"jinjiang", "qzimr", "中国科学院海西研究院泉州装备制造研究中心", "Quanzhou Institute of Equipment Manufacturing, Haixi Institutes, CAS", account.KindUnit, "", "", "泉州市晋江市"},
	{"shishi", "qzfashion", "泉州纺织服装职业学院", "Quanzhou Textile and Garment Vocational College", account.KindUnit, "", "", "石狮市"},
}

type acct struct {
	org, username, name string
	roles               []account.Role
}

var accounts = []acct{
	{"quanzhou", "admin", "市科技局管理员", []account.Role{account.RoleAdmin}},
	{"fengze", "fengze", "丰泽区审核员", []account.Role{account.RoleCoordinator, account.RoleFiler}},
	{"shishi", "shishi", "石狮市审核员", []account.Role{account.RoleCoordinator, account.RoleFiler}},
	{"jinjiang", "jinjiang", "晋江市审核员", []account.Role{account.RoleCoordinator, account.RoleFiler}},
	{"luojiang", "luojiang", "洛江区审核员", []account.Role{account.RoleCoordinator, account.RoleFiler}},
	{"hqu", "hqu", "华侨大学填报员", []account.Role{account.RoleFiler}},
	{"qztc", "qztc", "泉州师范学院填报员", []account.Role{account.RoleFiler}},
	{"hqu", "hqu-checkin", "华侨大学签到员", []account.Role{account.RoleCheckin}},
}

// Categories are the notice's five focus areas.
const Categories = "展示科技战疫成效 | Science against the epidemic\n展示科技创新成就 | Achievements of innovation\n体验美好生活活动 | Science for a better life\n科技助力脱贫攻坚 | Science against poverty\n做好科普宣传 | Science communication\n"

// Accounts lists the demo logins and what they are, for the start-up banner.
func Accounts() [][2]string {
	return [][2]string{
		{"admin", "泉州市科学技术局 (organiser)"},
		{"fengze", "丰泽区工业信息化和科技局 (district coordinator)"},
		{"hqu", "华侨大学 (unit in 丰泽区)"},
		{"hqu-checkin", "华侨大学 (check-in staff)"},
		{"qztc-checkin", "泉州师范学院 (check-in staff of its open day)"},
		{"qzimr-checkin", "中国科学院海西研究院泉州装备制造研究中心 (check-in staff of its open day)"},
		{"most", "科学技术部 (national organiser)"},
		{"fjkjt", "福建省科学技术厅 (provincial organiser)"},
		{"xmkjj", "厦门市科学技术局 (organiser of the second city)"},
	}
}

// Load fills an empty database with the demo; on a database that already
// has it, it does nothing. It returns whether it loaded anything. With a
// nil filings service it leaves out the sample filings.
func Load(ctx context.Context, accounts_ *account.Service, campaigns *campaign.Service, filings *filing.Service, now time.Time) (bool, error) {
	ctx = account.AsSystem(ctx)
	if _, err := accounts_.Org(ctx, "quanzhou"); err == nil {
		return false, nil
	} else if !errs.Is(err, errs.NotFound) {
		return false, err
	}
	for _, o := range append(append(append([]org{}, chainOrgs...), orgs...), xiamenOrgs...) {
		_, err := accounts_.CreateOrg(ctx, account.OrgInput{ParentCode: o.parent, Code: o.code, Name: o.name, NameEn: o.nameEn, Kind: o.kind,
			ContactName: o.contact, ContactPhone: o.phone, Address: o.address})
		if err != nil {
			return false, fmt.Errorf("demo organisation %s: %w", o.code, err)
		}
	}
	hash := account.HashPassword(Password)
	for _, a := range append(append([]acct{}, accounts...), chainAccounts...) {
		if _, err := accounts_.CreateAccount(ctx, account.AccountInput{OrgCode: a.org, Username: a.username, DisplayName: a.name, PasswordHash: hash, Roles: a.roles}); err != nil {
			return false, fmt.Errorf("demo account %s: %w", a.username, err)
		}
	}
	original := campaign.Input{
		OwnerCode: "quanzhou", Slug: "2020", Title: "2020年泉州市科技活动周", DocNumber: "泉科〔2020〕121号", Theme: "科技战疫 创新强国",
		Start: "2020-08-23", End: "2020-08-29", FilingDeadline: "2020-07-24", SummaryDeadline: "2020-09-07",
		ContactName: "黄剑毅", ContactPhone: "22579330", ContactEmail: "qzskjcg@163.com", ContactAddress: "泉州市东海行政中心交通科研楼D栋811室",
		Mode: string(campaign.ModeOnsite), NoticeMD: notice2020, Categories: Categories, Audiences: campaign.DefaultAudiences,
		VideoMaxSeconds: "180", PhotoMinKB: "1024", PhotoMaxKB: "2048",
	}
	if err := loadChainTop(ctx, campaigns); err != nil {
		return false, err
	}
	c2020, err := campaigns.CreateChild(ctx, provinceSlug, original)
	if err != nil {
		return false, fmt.Errorf("demo campaign 2020: %w", err)
	}
	if err := campaigns.SetState(ctx, c2020.Slug, campaign.StatePublished); err != nil {
		return false, err
	}
	if c2020, err = campaigns.Get(ctx, c2020.Slug); err != nil {
		return false, err
	}
	// 2020 was filed in full and approved before it was archived.
	if filings != nil {
		if err := loadFilings(ctx, accounts_, filings, c2020, func(string, int) filing.State { return filing.StateApproved }); err != nil {
			return false, fmt.Errorf("demo filings 2020: %w", err)
		}
	}
	if err := campaigns.SetState(ctx, c2020.Slug, campaign.StateArchived); err != nil {
		return false, err
	}
	if err := loadXiamen(ctx, accounts_, campaigns, filings); err != nil {
		return false, err
	}
	next, err := loadUpcoming(ctx, accounts_, campaigns, filings, c2020, now)
	if err != nil {
		return false, fmt.Errorf("demo upcoming campaign: %w", err)
	}
	if filings == nil {
		return true, nil
	}
	if err := loadFilings(ctx, accounts_, filings, next, upcomingState); err != nil {
		return false, fmt.Errorf("demo filings %s: %w", next.Slug, err)
	}
	return true, nil
}

// upcomingState spreads the upcoming campaign's tables over every state:
// 华侨大学's projects are a draft to finish and its open day came back from
// the city; two units wait for 丰泽区; one waits for the city; the rest are
// approved, so the public program has something to show.
func upcomingState(org string, table int) filing.State {
	switch {
	case org == "hqu" && table == 1:
		return filing.StateDraft
	case org == "hqu" && table == 2, org == "yeu" && table == 1:
		return filing.StateReturned
	case org == "qztc" && table == 1, org == "qzstm":
		return filing.StateSubmitted
	}
	return filing.StateApproved
}

// loadUpcoming copies 2020 into a week that starts in three weeks, with
// filing open for two more weeks, so every step can be tried today.
// The national, provincial and Xiamen campaigns are copied first, so
// Quanzhou's copy is made on Fujian's.
func loadUpcoming(ctx context.Context, accounts *account.Service, campaigns *campaign.Service, filings *filing.Service, src campaign.Campaign, now time.Time) (campaign.Campaign, error) {
	today := time.Date(now.In(campaign.Zone).Year(), now.In(campaign.Zone).Month(), now.In(campaign.Zone).Day(), 0, 0, 0, 0, campaign.Zone)
	start := today.AddDate(0, 0, 21)
	filingDue, summaryDue := today.AddDate(0, 0, 14), start.AddDate(0, 0, 6+9)
	parent, err := loadChainUpcoming(ctx, accounts, campaigns, filings, start, filingDue, summaryDue)
	if err != nil {
		return campaign.Campaign{}, err
	}
	return copyUpcoming(ctx, campaigns, src, fmt.Sprint(start.Year()), parent,
		schedule{start: start, filing: filingDue, summary: summaryDue, doc: fmt.Sprintf("泉科〔%d〕1号", start.Year())})
}

func chineseDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

func chineseRange(a, b time.Time) string {
	if a.Month() == b.Month() {
		return fmt.Sprintf("%d月%d日至%d日", a.Month(), a.Day(), b.Day())
	}
	return fmt.Sprintf("%d月%d日至%d月%d日", a.Month(), a.Day(), b.Month(), b.Day())
}
