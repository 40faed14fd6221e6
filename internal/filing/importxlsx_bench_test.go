package filing

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"
)

// bigProjects builds a 附件1 workbook of n projects as a city's bureaus
// would send it: title rows, the host merged over each three projects,
// start and end as date serials, phone numbers stored as numbers.
func bigProjects(tb testing.TB, n int) []byte {
	return streamed(tb, func(f *excelize.File, sw *excelize.StreamWriter, set func(int, []any)) {
		fillProjects(tb, f, sw, set, n)
	})
}

func fillProjects(tb testing.TB, f *excelize.File, sw *excelize.StreamWriter, set func(int, []any), n int) {
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		tb.Fatal(err)
	}
	set(1, []any{"附件1"})
	set(2, []any{"2020年科技活动周重点项目备案表"})
	set(3, []any{"填报单位（盖章）：泉州市科学技术局"})
	set(4, []any{"序号", "项目名称", "主办单位", "承办单位", "活动类别", "活动形式", "开始时间", "结束时间", "活动地点", "主要内容", "面向对象", "预计参与人数", "联系人", "联系电话（手机）"})
	if err := sw.MergeCell("A2", "N2"); err != nil {
		tb.Fatal(err)
	}
	categories := importWeek.Categories
	for i := 0; i < n; i++ {
		row := i + 5
		day := 44066 + float64(i%7)
		var host any
		if i%3 == 0 {
			host = fmt.Sprintf("泉州市第%d中学", i/3+1)
			if err := sw.MergeCell(fmt.Sprintf("C%d", row), fmt.Sprintf("C%d", row+2)); err != nil {
				tb.Fatal(err)
			}
		}
		set(row, []any{
			i + 1,
			fmt.Sprintf("第%d届青少年科技创新成果展示与科普互动体验活动", i+1),
			host,
			"泉州市科学技术协会",
			fmt.Sprintf("（%s）%s", []string{"一", "二", "三", "四", "五"}[i%5], categories[i%5]),
			Modes[i%3],
			excelize.Cell{StyleID: dateStyle, Value: day + 0.375},
			excelize.Cell{StyleID: dateStyle, Value: day + 0.6875},
			fmt.Sprintf("泉州市丰泽区城华北路%d号科技馆一楼展厅", i%300+1),
			"展示人工智能、机器人、无人机等科技创新成果，组织青少年动手体验科学实验，邀请专家开展科普讲座，普及科学知识，弘扬科学精神。",
			"青少年、社会公众",
			fmt.Sprintf("%d人", 50+i%500),
			"林老师",
			13800000000 + i,
		})
	}
	set(n+5, []any{"注：活动类别从五类中选择。"})
	set(n+6, []any{"填表人：张三", nil, nil, "审核人：李四"})
}

func BenchmarkImport6000(b *testing.B) {
	benchImport(b, bigProjects(b, 6000), DefaultTemplate(1), 6000)
}

// benchImport reads the workbook to the preview b.N times, each time
// wanting n good rows and no problem.
func benchImport(b *testing.B, wb []byte, t Template, n int) {
	b.SetBytes(int64(len(wb)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := ReadWorkbook(bytes.NewReader(wb), int64(len(wb)), t, importWeek)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Rows) != n || len(res.Problems) != 0 {
			b.Fatalf("%d rows, %d problems: %+v", len(res.Rows), len(res.Problems), res.Problems[:min(3, len(res.Problems))])
		}
	}
}

// streamed writes a workbook of one sheet through a stream writer; fill
// sets its rows, from row 1, and may add styles.
func streamed(tb testing.TB, fill func(f *excelize.File, sw *excelize.StreamWriter, set func(row int, values []any))) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	fill(f, sw, func(row int, values []any) {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(cell, values); err != nil {
			tb.Fatal(err)
		}
	})
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// freeTimes are 开放时间 cells as units type them by hand.
var freeTimes = []string{
	"2020年8月23日—8月29日 9:00-11:30、14:30-17:00",
	"8月24日、8月26日 9:00-17:00",
	"2020年8月23日（全天）",
	"周六、周日 上午９：００－１１：３０ 下午2:30-5:00",
	"8月25日 9点半-11点；8月26日 14点-16点",
	"9:00—17:00（8月27日）",
	"8.23-8.25 上午9:00-11:30",
	"每天 9:00-10:00、10:30-11:30、14:00-15:00、15:30-16:30",
}

// bigOpenDays builds a 附件2 workbook of n open days with their opening
// times written by hand, some as real date cells.
func bigOpenDays(tb testing.TB, n int) []byte {
	return streamed(tb, func(f *excelize.File, sw *excelize.StreamWriter, set func(int, []any)) { fillOpenDays(tb, f, set, n) })
}

func fillOpenDays(tb testing.TB, f *excelize.File, set func(int, []any), n int) {
	format := `yyyy"年"m"月"d"日"`
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	if err != nil {
		tb.Fatal(err)
	}
	set(1, []any{"附件2"})
	set(2, []any{"2020年参与开放活动的科研机构和大学备案表"})
	set(3, []any{"填报单位（盖章）：泉州市科学技术局"})
	set(4, []any{"序号", "单位名称", "开放内容", "具体地址", "联系人", "联系电话", "开放时间", "每场接待上限"})
	for i := 0; i < n; i++ {
		var slots any = freeTimes[i%len(freeTimes)]
		if i%9 == 8 {
			slots = excelize.Cell{StyleID: dateStyle, Value: 44066 + float64(i%7)}
		}
		set(i+5, []any{i + 1, fmt.Sprintf("泉州市第%d研究所", i+1), "重点实验室开放，科研人员现场讲解仪器设备与最新研究成果，组织参观互动。",
			fmt.Sprintf("泉州市丰泽区城华北路%d号", i%300+1), "林老师", 13800000000 + i, slots, 20 + i%50})
	}
}

// BenchmarkImportFreeTimes6000 reads to the preview a table of 6,000 open
// days whose opening times are written by hand: every cell goes through
// the grammar of opening times.
func BenchmarkImportFreeTimes6000(b *testing.B) {
	benchImport(b, bigOpenDays(b, 6000), DefaultTemplate(2), 6000)
}
