package program

import (
	"html/template"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/web"
)

// cardTemplate is the card as html/template wrote it before cardList:
// the truth cardList is held to.
var cardTemplate = template.Must(template.New("").Funcs(template.FuncMap{"dict": func(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}}).ParseFiles("testdata/card.html"))

func templateCards(t *testing.T, b base, cards []Card, sub bool, times []string) string {
	t.Helper()
	var w strings.Builder
	for i, c := range cards {
		data := map[string]any{"A": c, "P": b, "Sub": sub}
		if times != nil {
			data["Time"] = times[i]
		}
		if err := cardTemplate.ExecuteTemplate(&w, "card", data); err != nil {
			t.Fatal(err)
		}
	}
	return w.String()
}

// hostile are values made to break out of text, attributes and URLs.
var hostile = []string{"", "科技周", `<script>alert("x")</script>`, `"><script>alert(1)</script>`, `javascript:alert(1)`,
	`' onmouseover='alert(1)`, "a&b+c%20d?e=f#g", "\x00nul", "bad \xff\xfe utf-8", "</a><img src=x onerror=alert(1)>",
	"tab\tnew\nline", `\u003c`, "&lt;already&gt;", "空 格/斜杠", "{{.}}", "`backtick`", "%41%4", "%zz%2"}

// TestCardsMatchTheTemplate writes cards and filter choices of hostile and
// random values both ways, on every page's variant: cardList and
// Options.HTML give html/template's bytes.
func TestCardsMatchTheTemplate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 17))
	random := func() string {
		if r.IntN(3) == 0 {
			return hostile[r.IntN(len(hostile))]
		}
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		if r.IntN(2) == 0 {
			return string(b)
		}
		return strings.ToValidUTF8(string(b), "界")
	}
	for _, lang := range []string{i18n.Chinese, i18n.English} {
		b := base{Page: web.Page{Localizer: i18n.For(lang)}, C: campaign.Campaign{Slug: "national"}}
		for round := range 200 {
			cards := make([]Card, 1+r.IntN(20))
			times := make([]string, len(cards))
			for i := range cards {
				a := Activity{ID: r.Int64N(1 << 40), Title: random(), CampaignSlug: random(), UnitCode: random(), UnitName: random(),
					DistrictName: random(), CityName: random(), Kind: KindProject, Content: random(), Bookable: r.IntN(2) == 0}
				if i%3 == 0 {
					a.CampaignSlug = "national"
				}
				if r.IntN(2) == 0 {
					a.Kind = KindOpenDay
				}
				var terms []string
				if term := random(); term != "" && r.IntN(2) == 0 {
					terms = []string{term}
				}
				cards[i] = Card{Activity: a, TitleHTML: Highlight(a.Title, terms), When: random(), ModeLabel: random()}
				if terms != nil {
					cards[i].SnippetHTML = Highlight(Snippet(a.Content, terms, 60), terms)
				}
				times[i] = random()
			}
			for _, v := range []struct {
				sub   bool
				times []string
			}{{false, nil}, {true, nil}, {false, times}} {
				want := templateCards(t, b, cards, v.sub, v.times)
				if got := string(b.cardList(cards, v.sub, v.times)); got != want {
					i := 0
					for i < len(got) && i < len(want) && got[i] == want[i] {
						i++
					}
					t.Fatalf("round %d, sub %v, times %v: cardList and html/template part at byte %d:\n%q\n%q", round, v.sub, v.times != nil, i, got[max(0, i-40):min(len(got), i+40)], want[max(0, i-40):min(len(want), i+40)])
				}
			}
		}
	}
	// The filters' choices, as the list page wrote them.
	optionTemplate := template.Must(template.New("").Parse(`<select name="x"><option value="">any</option>{{range .}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select>`))
	for round := range 500 {
		opts := make(Options, r.IntN(8))
		for i := range opts {
			opts[i] = Option{Value: random(), Label: random(), Selected: r.IntN(4) == 0}
		}
		var want strings.Builder
		if err := optionTemplate.Execute(&want, opts); err != nil {
			t.Fatal(err)
		}
		if got := `<select name="x"><option value="">any</option>` + string(opts.HTML()) + `</select>`; got != want.String() {
			t.Fatalf("round %d: Options.HTML wrote\n%q\nhtml/template\n%q", round, got, want.String())
		}
	}
	// And the hostile title stays text.
	b := base{Page: web.Page{Localizer: i18n.For(i18n.Chinese)}}
	got := string(b.cardList([]Card{{Activity: Activity{ID: 1, Title: hostile[2], UnitCode: "javascript:alert(1)", UnitName: hostile[3]},
		TitleHTML: Highlight(hostile[2], nil)}}, false, nil))
	for _, bad := range []string{"<script>", `href="javascript:`} {
		if strings.Contains(got, bad) {
			t.Errorf("a card holds %q:\n%s", bad, got)
		}
	}
	if !strings.Contains(got, "&lt;script&gt;alert(&#34;x&#34;)") || !strings.Contains(got, "&#34;&gt;&lt;script&gt;alert(1)") {
		t.Errorf("a hostile title or unit is not escaped:\n%s", got)
	}
}
