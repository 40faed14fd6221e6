package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/platform/clock"
)

// project is one sample key project: who files it, on which day of the
// week (0 = the first), from which hour to which.
type project struct {
	org, title, place, content, audience string
	category, day, from, to, expected    int
	mode                                 string
}

// openDay is one sample open-day offer.
type openDay struct {
	org, unit, content, address, contact, phone string
	day, capacity                               int
}

var projects = []project{
	{"hqu", "新冠病毒检测技术科普展", "华侨大学泉州校区图书馆", "展示核酸检测、抗体检测原理与流程，讲解科学防疫知识。", "青少年、社会公众", 0, 0, 9, 17, 600, "线下"},
	{"hqu", "人工智能与机器人开放体验", "华侨大学泉州校区工学院", "机器人编程、视觉识别演示，学生现场体验。", "青少年", 1, 1, 9, 16, 400, "线下"},
	{"hqu", "石材智能加工技术成果展", "华侨大学泉州校区机电楼", "展示石材智能加工装备与工艺创新成果。", "劳动者、社会公众", 1, 2, 9, 12, 200, "线下"},
	{"hqu", "科学防疫云课堂", "华侨大学官方视频号", "邀请医学专家线上讲解常态化疫情防控知识。", "社会公众", 4, 3, 19, 21, 5000, "线上"},
	{"qztc", "海洋生物多样性科普展", "泉州师范学院海洋与食品学院", "海洋生物标本展示与讲解，介绍泉州湾生态保护。", "青少年、社会公众", 2, 0, 9, 17, 500, "线下"},
	{"qztc", "化学魔术实验秀", "泉州师范学院化学楼报告厅", "趣味化学实验演示，普及化学基础知识。", "青少年", 2, 2, 14, 16, 300, "线下"},
	{"qztc", "茶叶品质检测与安溪铁观音科技", "泉州师范学院资源与环境科学学院", "讲解茶叶品质检测技术，助力茶农增收。", "农民、劳动者", 3, 4, 9, 11, 150, "线上线下结合"},
	{"qztc", "科技法律法规宣讲进校园", "泉州师范学院东海校区", "宣讲《科技进步法》《促进科技成果转化法》等。", "青少年、领导干部和公务员", 4, 5, 9, 11, 400, "线下"},
	{"qzstm", "“科技战疫”主题展", "泉州科技馆一楼展厅", "展示疫苗研发、呼吸机、负压救护车等抗疫科技成果。", "社会公众", 0, 0, 9, 17, 3000, "线下"},
	{"qzstm", "科技活动周20年回顾展", "泉州科技馆二楼展厅", "回顾科技活动周20年发展历程和优秀科普作品。", "社会公众", 1, 1, 9, 17, 2000, "线下"},
	{"qzstm", "VR看泉州：世界遗产数字化体验", "泉州科技馆数字体验区", "用VR、AR技术体验泉州世界遗产点。", "青少年、社会公众", 2, 2, 9, 17, 1500, "线下"},
	{"qzstm", "青少年科学实验营", "泉州科技馆科学工作室", "动手做实验，体验科学探究过程。", "青少年", 2, 3, 9, 12, 120, "线下"},
	{"qzstm", "科普微视频展播", "泉州科技馆网站及微信公众号", "展播优秀科普微视频、微动漫作品。", "社会公众", 4, 4, 9, 21, 10000, "线上"},
	{"fengze", "丰泽区科技成果惠民展", "丰泽区东海湾商务中心", "集中展示辖区企业科技创新产品。", "社会公众", 1, 5, 9, 17, 1000, "线下"},
	{"fengze", "社区科学防疫知识讲座", "丰泽区各街道社区活动中心", "科普人员进社区讲解科学防疫。", "社会公众", 0, 6, 9, 11, 300, "线下"},
	{"yeu", "大学生创新创业成果展", "仰恩大学图书馆", "展示大学生科技创新与创业项目。", "青少年、劳动者", 1, 2, 9, 17, 400, "线下"},
	{"luojiang", "送科技下乡：果树栽培技术培训", "洛江区罗溪镇", "农业专家现场指导果树栽培与病虫害防治。", "农民", 3, 3, 9, 12, 200, "线下"},
	{"luojiang", "乡村振兴科技特派员服务日", "洛江区马甲镇", "科技特派员现场提供精准技术帮扶。", "农民", 3, 5, 9, 16, 300, "线下"},
	{"qzimr", "智能制造装备开放日", "泉州装备制造研究中心", "开放智能装备实验室，展示工业机器人与数控系统。", "劳动者、青少年", 1, 1, 9, 16, 300, "线下"},
	{"qzimr", "工业互联网助力复工复产", "泉州装备制造研究中心报告厅", "介绍工业互联网与数字化车间改造案例。", "劳动者、领导干部和公务员", 0, 3, 14, 17, 200, "线上线下结合"},
	{"jinjiang", "晋江鞋服产业科技创新展", "晋江市科技馆", "展示鞋服产业新材料、新工艺。", "劳动者、社会公众", 1, 4, 9, 17, 1200, "线下"},
	{"jinjiang", "防疫物资生产新技术展示", "晋江经济开发区", "展示熔喷布、口罩生产设备等防疫物资新技术。", "劳动者", 0, 1, 9, 12, 300, "线下"},
	{"shishi", "纺织服装智能制造体验", "石狮市科技馆", "智能裁剪、数码印花技术现场演示。", "青少年、劳动者", 1, 2, 9, 17, 800, "线下"},
	{"qzfashion", "服装设计中的科学", "泉州纺织服装职业学院", "讲解面料科学与智能服装设计。", "青少年", 2, 3, 14, 16, 200, "线下"},
	{"qzfashion", "非遗纺织技艺与现代科技", "泉州纺织服装职业学院非遗馆", "传统纺织技艺与数字技术融合展示。", "社会公众", 4, 5, 9, 17, 500, "线下"},
	{"licheng", "古城科普游：海丝文化中的科技", "鲤城区中山路", "沿古城线路讲解海上丝绸之路中的科技故事。", "社会公众", 4, 6, 9, 11, 200, "线下"},
	{"anxi", "茶园物联网技术现场会", "安溪县感德镇", "展示茶园物联网监测、智能灌溉技术。", "农民", 3, 2, 9, 12, 150, "线下"},
	{"anxi", "科技助力脱贫：茶农电商培训", "安溪县农村电商中心", "电商直播与农产品溯源技术培训。", "农民", 3, 4, 14, 17, 200, "线上线下结合"},
	{"dehua", "德化陶瓷新材料科技展", "德化县陶瓷博物馆", "展示陶瓷新材料与3D打印技术。", "社会公众", 1, 3, 9, 17, 800, "线下"},
	{"yongchun", "永春芦柑种植技术下乡", "永春县桃城镇", "芦柑种植、病害防治技术现场指导。", "农民", 3, 1, 9, 12, 150, "线下"},
	{"nanan", "南安水暖卫浴智能制造展", "南安市仑苍镇", "展示智能卫浴产品与制造工艺。", "劳动者、社会公众", 1, 5, 9, 17, 600, "线下"},
	{"huian", "惠安石雕数字化保护科普", "惠安县崇武镇", "三维扫描与数字化技术保护石雕文化。", "青少年、社会公众", 2, 0, 9, 17, 400, "线下"},
	{"quangang", "石化安全生产科普宣传", "泉港区石化园区", "普及石化安全生产与应急知识。", "劳动者", 4, 2, 9, 11, 300, "线下"},
	{"kaifaqu", "企业研发中心开放日", "泉州开发区", "区内企业研发中心向公众开放。", "社会公众", 1, 4, 9, 16, 300, "线下"},
	{"taishang", "台商区科技惠民进社区", "台商投资区洛阳镇", "科普展板、义诊与科技咨询服务。", "社会公众", 2, 6, 9, 12, 250, "线下"},
}

var openDays = []openDay{
	{"hqu", "华侨大学", "材料科学重点实验室、石材加工工程技术研究中心开放参观。", "泉州市丰泽区城华北路269号", "林老师", "0595-22692114", 1, 30},
	{"qztc", "泉州师范学院", "海洋生物标本馆、化学实验教学中心开放。", "泉州市丰泽区东海大街398号", "王老师", "0595-22919595", 2, 40},
	{"qzimr", "中国科学院海西研究院泉州装备制造研究中心", "智能制造实验室、工业机器人实训基地开放。", "泉州市晋江市", "陈工", "13805951234", 3, 25},
	{"yeu", "仰恩大学", "计算机与网络实验室开放。", "泉州市洛江区马甲镇", "李老师", "13905957788", 4, 30},
	{"qzfashion", "泉州纺织服装职业学院", "服装智能制造实训中心开放。", "石狮市", "黄老师", "13600001111", 5, 20},
}

// categoryNames are the campaign's focus areas by index.
func categoryNames(c campaign.Campaign) []string {
	var out []string
	for _, t := range c.Categories {
		out = append(out, t.Name)
	}
	return out
}

func projectValues(p project, c campaign.Campaign, hostName string) filing.Values {
	day := c.Start.AddDate(0, 0, p.day)
	at := func(h int) string { return day.Add(time.Duration(h) * time.Hour).Format("2006-01-02 15:04") }
	return filing.Values{
		filing.KeyTitle: p.title, filing.KeyHost: hostName, filing.KeyCategory: categoryNames(c)[p.category], filing.KeyMode: p.mode,
		filing.KeyStart: at(p.from), filing.KeyEnd: at(p.to), filing.KeyPlace: p.place, filing.KeyContent: p.content,
		filing.KeyAudience: strings.ReplaceAll(p.audience, "、", "\n"), filing.KeyExpected: fmt.Sprint(p.expected),
		filing.KeyContact: "联络员", filing.KeyPhone: "0595-22579330",
	}
}

func openDayValues(o openDay, c campaign.Campaign) filing.Values {
	day := c.Start.AddDate(0, 0, o.day)
	slot := func(h1, m1, h2, m2 int) string {
		return filing.Slot{Start: day.Add(time.Duration(h1)*time.Hour + time.Duration(m1)*time.Minute), End: day.Add(time.Duration(h2)*time.Hour + time.Duration(m2)*time.Minute)}.String()
	}
	return filing.Values{
		filing.KeyUnitName: o.unit, filing.KeyOpenContent: o.content, filing.KeyAddress: o.address, filing.KeyContact: o.contact,
		filing.KeyPhone: o.phone, filing.KeySlots: slot(9, 0, 11, 30) + "\n" + slot(14, 30, 17, 0), filing.KeyCapacity: fmt.Sprint(o.capacity),
	}
}

// loadFilings files the sample tables of a campaign with a clock set inside
// its filing window; final says how far each organisation's tables get.
func loadFilings(ctx context.Context, accounts *account.Service, fs *filing.Service, c campaign.Campaign, final func(org string, table int) filing.State) error {
	return loadSamples(ctx, accounts, fs, c, projects, openDays, final)
}

// loadSamples files the given sample tables of a campaign.
func loadSamples(ctx context.Context, accounts *account.Service, fs *filing.Service, c campaign.Campaign, projects []project, openDays []openDay, final func(org string, table int) filing.State) error {
	fs = fs.At(clock.NewFixed(c.FilingDeadline.Add(-72 * time.Hour)))
	sys := account.AsSystem(ctx)
	type key struct {
		org   string
		table int
	}
	var order []key
	items := map[key][]filing.Values{}
	for _, p := range projects {
		org, err := accounts.Org(sys, p.org)
		if err != nil {
			return err
		}
		k := key{p.org, 1}
		if items[k] == nil {
			order = append(order, k)
		}
		items[k] = append(items[k], projectValues(p, c, org.Name))
	}
	for _, o := range openDays {
		k := key{o.org, 2}
		if items[k] == nil {
			order = append(order, k)
		}
		items[k] = append(items[k], openDayValues(o, c))
	}
	for _, k := range order {
		state := final(k.org, k.table)
		f, err := fs.ImportItems(sys, c, k.org, k.table, items[k])
		if err != nil {
			return fmt.Errorf("%s table %d: %w", k.org, k.table, err)
		}
		if n, err := fs.Problems(sys, c, &f); err != nil || n > 0 {
			return fmt.Errorf("%s table %d: %d sample values fail their checks (%v)", k.org, k.table, n, err)
		}
		if state == filing.StateDraft {
			continue
		}
		if f, err = fs.Submit(sys, f.ID, f.Version); err != nil {
			return fmt.Errorf("%s table %d submit: %w", k.org, k.table, err)
		}
		// A submitted table waits for its district; the others go up the
		// chain, and a returned one comes back from the city.
		for state != filing.StateSubmitted && f.State == filing.StateSubmitted {
			reviewer := reviewerCtx(ctx, accounts, f.StageOrgID)
			if state == filing.StateReturned && f.StageOrgID == c.OwnerOrgID {
				err = fs.Return(reviewer, f.ID, f.Version, "请补充活动的安全保障措施和具体场地安排。", nil)
			} else {
				err = fs.Approve(reviewer, f.ID, f.Version, "")
			}
			if err != nil {
				return fmt.Errorf("%s table %d review: %w", k.org, k.table, err)
			}
			if f, err = fs.Get(sys, f.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// reviewerCtx acts for the coordinator or admin of an organisation, or for
// the system where the demo gives it no account.
func reviewerCtx(ctx context.Context, accounts *account.Service, orgID int64) context.Context {
	sys := account.AsSystem(ctx)
	org, err := accounts.OrgByID(sys, orgID)
	if err != nil {
		return sys
	}
	accs, _ := accounts.Accounts(sys, org)
	for _, a := range accs {
		if a.Has(account.RoleCoordinator) || a.Has(account.RoleAdmin) {
			p := &account.Principal{Account: a, Org: org}
			return audit.WithActor(account.WithPrincipal(ctx, p), audit.Actor{ID: a.ID, Name: a.Username, OrgID: org.ID})
		}
	}
	return sys
}
