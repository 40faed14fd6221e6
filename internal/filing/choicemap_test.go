package filing

import "testing"

func TestSuggest(t *testing.T) {
	audiences, categories := importWeek.Audiences, importWeek.Categories
	for _, c := range []struct {
		choices     []string
		value, want string
	}{
		{audiences, "社区居民", "社会公众"},
		{audiences, "中小学生", "青少年"},
		{audiences, "学生", "青少年"},
		{audiences, "市民", "社会公众"},
		{audiences, "老人", "社会公众"}, // the campaign offers no 老年人
		{append(append([]string{}, audiences...), "老年人"), "老人", "老年人"},
		{audiences, " 职 工 ", "劳动者"},
		{audiences, "公务员", "领导干部和公务员"},
		{audiences, "领导干部", "领导干部和公务员"},
		{audiences, "社会公众人士", "社会公众"}, // holds a choice
		{audiences, "外星人", ""},
		{categories, "科普宣传", "做好科普宣传"},
		{categories, "科技战疫", "展示科技战疫成效"},
		{categories, "展示科技创新", "展示科技创新成就"},
		{categories, "体验美好生活", "体验美好生活活动"},
		{categories, "展示科技创新成效", "展示科技创新成就"}, // shares most with it, one edit away
		{categories, "其他", ""},
		{Modes, "现场", "线下"},
		{Modes, "网络直播", "线上"},
		{Modes, "线上+线下", "线上线下结合"},
	} {
		if got := suggest(c.choices, c.value); got != c.want {
			t.Errorf("suggest(%q) = %q, want %q", c.value, got, c.want)
		}
	}
}

func TestMappingsFromForm(t *testing.T) {
	got := MappingsFromForm(DefaultTemplate(1), map[string]string{
		"map.audience.社区居民": "社会公众", "map.面向对象.中小学生": " 青少年 ", "map.mode.现场": "", "table": "1", "map.nothing.x": "y",
	})
	want := []ChoiceMapping{{Field: "audience", Value: "中小学生", Choice: "青少年"}, {Field: "audience", Value: "社区居民", Choice: "社会公众"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("mappings = %+v", got)
	}
	w := importWeek.WithMappings(got)
	f, _ := DefaultTemplate(1).Field(KeyAudience)
	if c, ok := w.match(f, "（一）中小学生"); !ok || c != "青少年" {
		t.Fatalf("match = %q %v", c, ok)
	}
	if _, ok := importWeek.match(f, "中小学生"); ok {
		t.Fatal("the window without mappings matched")
	}
}
