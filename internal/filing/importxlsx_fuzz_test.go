package filing

import (
	"bytes"
	"testing"

	"github.com/sciweek/sciweek/internal/errs"
)

// FuzzReadWorkbook reads arbitrary bytes as an uploaded workbook: it never
// panics, a refusal is a user-facing 413/415/422 error, and what it reads
// stays within the rows and problems it reports.
func FuzzReadWorkbook(f *testing.F) {
	row := []any{1, "人工智能科普展", "华侨大学", nil, "展示科技创新成就", "线下", "2020-08-23 09:00", "2020-08-23 17:00", "泉州市丰泽区城华北路269号",
		"展示人工智能成果", "青少年、社会公众", 300, "林老师", "13812345678"}
	f.Add(buildWorkbook(f, sheetSpec{name: "Sheet1", rows: [][]any{header1, row}}))
	f.Add(buildWorkbook(f, sheetSpec{name: "附件1", rows: [][]any{{"附件1"}, {"填报单位（盖章）：华侨大学"}, header1, row, {nil}, {"备注"}},
		merges: [][2]string{{"A1", "N1"}}, dateCols: []string{"G:H"}, date1904: true}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, tpl := range []Template{DefaultTemplate(1), DefaultTemplate(2)} {
			res, err := ReadWorkbook(bytes.NewReader(b), int64(len(b)), tpl, importWeek)
			if err != nil {
				if _, ok := errs.As(err); !ok {
					t.Fatalf("not a user-facing refusal: %v", err)
				}
				continue
			}
			for _, r := range res.Rows {
				if r.Row < 1 {
					t.Fatalf("row %d", r.Row)
				}
			}
		}
	})
}
