package filing

import (
	"context"
	"sort"
	"strings"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// ChoiceMapping says what a value written in a choice column means: in
// field 面向对象, 社区居民 is 社会公众.
type ChoiceMapping struct {
	Field  string // the field key
	Value  string // the value as written
	Choice string // one of the field's choices
}

// UnknownChoice is a value of a choice column that is none of the
// campaign's choices, listed once for every row that holds it.
type UnknownChoice struct {
	Field, Label string
	Value        string // as first written
	Rows         []int
	// Suggestion is the choice it most likely means, "" when none is close.
	Suggestion string
	Choices    []string
}

// ChoiceMappings returns what the campaign has been told unknown values
// of its choice fields mean, as Window.Mappings holds them.
func (s *Service) ChoiceMappings(ctx context.Context, c campaign.Campaign) (map[string]map[string]string, error) {
	rows, err := s.DB.Query(ctx, `SELECT field_key, value_key, choice FROM choice_mappings WHERE campaign_id = ?`, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var field, value, choice string
		if err := rows.Scan(&field, &value, &choice); err != nil {
			return nil, err
		}
		if out[field] == nil {
			out[field] = map[string]string{}
		}
		out[field][value] = choice
	}
	return out, rows.Err()
}

// SaveChoiceMappings remembers the mappings for the campaign's imports,
// replacing what a value meant before, and records them in the audit log.
// The caller has checked that the account may import. Errors: Invalid
// "filing.import.map_invalid" naming the field when a choice is none of
// the field's.
func (s *Service) SaveChoiceMappings(ctx context.Context, c campaign.Campaign, t Template, ms []ChoiceMapping) error {
	if len(ms) == 0 {
		return nil
	}
	w := WindowOf(c)
	bad := errs.Fields{}
	for _, m := range ms {
		f, ok := t.Field(m.Field)
		if !ok || !contains(w.choices(f), m.Choice) {
			label := m.Field
			if ok {
				label = f.Label
			}
			bad.Add("map."+m.Field+"."+m.Value, "filing.import.map_invalid", m.Choice, label)
		}
	}
	if err := bad.Err(); err != nil {
		return err
	}
	now := s.now()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, m := range ms {
			if _, err := tx.Exec(ctx, `INSERT INTO choice_mappings (campaign_id, field_key, value_key, value, choice, updated_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (campaign_id, field_key, value_key) DO UPDATE SET value = excluded.value, choice = excluded.choice, updated_at = excluded.updated_at`,
				c.ID, m.Field, choiceKey(m.Value), strings.TrimSpace(m.Value), m.Choice, now); err != nil {
				return err
			}
			if err := s.Audit.Record(ctx, tx, "filing.choice_mapping", "campaign", c.Slug, map[string]any{"field": m.Field, "value": m.Value, "choice": m.Choice}); err != nil {
				return err
			}
		}
		return nil
	})
}

// MappingsFromForm reads the mappings posted with an import, one form
// field map.<field>.<value> = <choice> each; <field> is the field's key
// or its label. An empty choice maps nothing.
func MappingsFromForm(t Template, form map[string]string) []ChoiceMapping {
	var out []ChoiceMapping
	for name, choice := range form {
		rest, ok := strings.CutPrefix(name, "map.")
		choice = strings.TrimSpace(choice)
		if !ok || choice == "" {
			continue
		}
		for _, f := range t.Fields {
			for _, label := range []string{f.Key, f.Label} {
				if value, ok := strings.CutPrefix(rest, label+"."); ok && strings.TrimSpace(value) != "" {
					out = append(out, ChoiceMapping{Field: f.Key, Value: value, Choice: choice})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field+out[i].Value < out[j].Field+out[j].Value })
	return out
}

// WithMappings returns the window with the mappings added to those it has.
func (w Window) WithMappings(ms []ChoiceMapping) Window {
	all := map[string]map[string]string{}
	for f, m := range w.Mappings {
		all[f] = map[string]string{}
		for k, v := range m {
			all[f][k] = v
		}
	}
	for _, m := range ms {
		if all[m.Field] == nil {
			all[m.Field] = map[string]string{}
		}
		all[m.Field][choiceKey(m.Value)] = m.Choice
	}
	w.Mappings = all
	return w
}

// synonyms are words clerks write for the choices of the national notice's
// audiences, focus areas and forms, each with the choices it may mean, the
// likeliest first; a suggestion names the first the campaign offers.
var synonyms = map[string][]string{
	// 面向对象
	"社区居民": {"社会公众"}, "居民": {"社会公众"}, "市民": {"社会公众"}, "广大市民": {"社会公众"}, "公众": {"社会公众"},
	"群众": {"社会公众"}, "人民群众": {"社会公众"}, "社会各界": {"社会公众"}, "游客": {"社会公众"}, "家长": {"社会公众"},
	"所有人": {"社会公众"}, "全体市民": {"社会公众"}, "不限": {"社会公众"}, "社会人士": {"社会公众"}, "科普爱好者": {"社会公众"},
	"中小学生": {"青少年"}, "学生": {"青少年"}, "小学生": {"青少年"}, "中学生": {"青少年"}, "大学生": {"青少年"},
	"高中生": {"青少年"}, "初中生": {"青少年"}, "青年": {"青少年"}, "少年儿童": {"青少年"}, "儿童": {"青少年"},
	"幼儿": {"青少年"}, "师生": {"青少年"}, "在校学生": {"青少年"}, "亲子家庭": {"青少年", "社会公众"}, "青少年学生": {"青少年"},
	"老人": {"老年人", "社会公众"}, "老年人": {"老年人", "社会公众"}, "长者": {"老年人", "社会公众"},
	"职工": {"劳动者"}, "工人": {"劳动者"}, "企业职工": {"劳动者"}, "农民工": {"劳动者"}, "员工": {"劳动者"},
	"产业工人": {"劳动者"}, "科技工作者": {"劳动者"}, "从业人员": {"劳动者"},
	"干部": {"领导干部和公务员"}, "公务员": {"领导干部和公务员"}, "领导干部": {"领导干部和公务员"}, "机关干部": {"领导干部和公务员"},
	"机关工作人员": {"领导干部和公务员"}, "党员干部": {"领导干部和公务员"},
	"军人": {"部队官兵"}, "官兵": {"部队官兵"}, "士兵": {"部队官兵"}, "部队": {"部队官兵"}, "武警官兵": {"部队官兵"},
	"村民": {"农民"}, "农户": {"农民"}, "种植户": {"农民"}, "养殖户": {"农民"}, "新型职业农民": {"农民"}, "茶农": {"农民"},
	"果农": {"农民"}, "渔民": {"农民"},
	// 活动类别
	"科普宣传": {"做好科普宣传"}, "科普": {"做好科普宣传"}, "法律法规宣传": {"做好科普宣传"}, "普法": {"做好科普宣传"},
	"科技扶贫": {"科技助力脱贫攻坚"}, "脱贫攻坚": {"科技助力脱贫攻坚"}, "精准扶贫": {"科技助力脱贫攻坚"}, "乡村振兴": {"科技助力脱贫攻坚"},
	"科技下乡": {"科技助力脱贫攻坚"}, "扶贫": {"科技助力脱贫攻坚"},
	"抗疫": {"展示科技战疫成效"}, "防疫": {"展示科技战疫成效"}, "疫情防控": {"展示科技战疫成效"}, "科技战疫": {"展示科技战疫成效"},
	"科技创新": {"展示科技创新成就"}, "创新成果": {"展示科技创新成就"}, "科技成果": {"展示科技创新成就"}, "成果展示": {"展示科技创新成就"},
	"开放日": {"展示科技创新成就"}, "美好生活": {"体验美好生活活动"}, "科普体验": {"体验美好生活活动"}, "互动体验": {"体验美好生活活动"},
	// 活动形式
	"现场": {"线下"}, "实地": {"线下"}, "线下活动": {"线下"}, "现场活动": {"线下"}, "实体活动": {"线下"},
	"网络": {"线上"}, "网上": {"线上"}, "直播": {"线上"}, "云端": {"线上"}, "线上活动": {"线上"}, "网络直播": {"线上"},
	"线上+线下": {"线上线下结合"}, "线上和线下": {"线上线下结合"}, "线上线下": {"线上线下结合"}, "线下+线上": {"线上线下结合"},
	"两者结合": {"线上线下结合"}, "线上、线下": {"线上线下结合"},
}

// suggest returns the choice an unknown value most likely means: from the
// synonyms, else the choice that contains it or that it contains, else the
// one sharing the most characters with it, if they share at least half of
// the shorter; "" when nothing is close.
func suggest(choices []string, value string) string {
	v := choiceKey(value)
	for _, s := range synonyms[v] {
		if contains(choices, s) {
			return s
		}
	}
	best, bestScore := "", 0.0
	for _, c := range choices {
		k := choiceKey(c)
		if v != "" && (strings.Contains(k, v) || strings.Contains(v, k)) {
			return c
		}
		score := similarity(v, k)
		if score > bestScore {
			best, bestScore = c, score
		}
	}
	if bestScore >= 0.5 {
		return best
	}
	return ""
}

// similarity is the share of the shorter text's characters found in the
// other, less a little for each edit the two are apart, so that among
// equals the closer spelling wins.
func similarity(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 || len(rb) == 0 {
		return 0
	}
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	in := map[rune]int{}
	for _, r := range rb {
		in[r]++
	}
	shared := 0
	for _, r := range ra {
		if in[r] > 0 {
			in[r]--
			shared++
		}
	}
	return float64(shared)/float64(len(ra)) - float64(editDistance(ra, rb))/100
}

// editDistance is the Levenshtein distance between two texts.
func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownChoices lists the values of the rows' choice cells that are none
// of the choices, once each, with the rows holding them.
func unknownChoices(t Template, w Window, rows []rawRowValues) []UnknownChoice {
	var out []UnknownChoice
	index := map[[2]string]int{}
	for _, f := range t.Active() {
		if f.Type != TypeChoice && f.Type != TypeMulti {
			continue
		}
		for _, r := range rows {
			v := strings.TrimSpace(r.values[f.Key])
			if v == "" {
				continue
			}
			parts := []string{v}
			if f.Type == TypeMulti {
				parts = splitMulti(v)
			}
			for _, part := range parts {
				if _, ok := w.match(f, part); ok {
					continue
				}
				k := [2]string{f.Key, choiceKey(part)}
				i, seen := index[k]
				if !seen {
					i = len(out)
					index[k] = i
					out = append(out, UnknownChoice{Field: f.Key, Label: f.Label, Value: part, Choices: w.choices(f), Suggestion: suggest(w.choices(f), part)})
				}
				if rs := out[i].Rows; len(rs) == 0 || rs[len(rs)-1] != r.row {
					out[i].Rows = append(out[i].Rows, r.row)
				}
			}
		}
	}
	return out
}

// rawRowValues is a sheet row's values as read, by field key.
type rawRowValues struct {
	row    int
	values Values
}
