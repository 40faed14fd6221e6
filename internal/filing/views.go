package filing

import (
	"strings"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
)

// FieldView is one field of the item form, ready for the template.
type FieldView struct {
	ID, Name, Label, Help string
	// Input is the HTML input type, or "textarea", "select", "checks".
	Input    string
	Value    string
	Error    string
	Required bool
	Choices  []ChoiceView
	Hint     string
}

// ChoiceView is one option of a choice field.
type ChoiceView struct {
	Value    string
	Selected bool
}

// formFields builds the item form for the template's active fields, with
// values and the messages of problems.
func formFields(t Template, w Window, l i18n.Localizer, values Values, problems map[string]errs.Msg) []FieldView {
	var out []FieldView
	for _, f := range t.Active() {
		v := values[f.Key]
		fv := FieldView{ID: "f_" + f.Key, Name: "f_" + f.Key, Label: f.Name(l.Lang), Required: f.Required, Value: v}
		fv.Help = f.Help
		if l.Lang == i18n.English && f.HelpEn != "" {
			fv.Help = f.HelpEn
		}
		if m, ok := problems[f.Key]; ok {
			fv.Error = l.T(m.Key, m.Args...)
		}
		switch f.Type {
		case TypeTextarea:
			fv.Input = "textarea"
		case TypeSlots:
			fv.Input = "textarea"
			if fv.Help == "" {
				fv.Help = l.T("filing.help.slots", w.Start.Format("2006-01-02"))
			}
		case TypeNumber:
			fv.Input, fv.Hint = "text", "numeric"
		case TypePhone:
			fv.Input = "tel"
		case TypeDate:
			fv.Input = "date"
			if _, ok := problems[f.Key]; ok {
				fv.Input = "text"
			}
		case TypeDateTime:
			fv.Input = "datetime-local"
			if _, ok := problems[f.Key]; ok || (v != "" && len(v) != len("2006-01-02 15:04")) {
				fv.Input = "text"
			} else {
				fv.Value = strings.Replace(v, " ", "T", 1)
			}
		case TypeChoice:
			fv.Input = "select"
			for _, c := range w.choices(f) {
				fv.Choices = append(fv.Choices, ChoiceView{Value: c, Selected: c == v})
			}
		case TypeMulti:
			fv.Input = "checks"
			picked := splitLines(v)
			for _, c := range w.choices(f) {
				fv.Choices = append(fv.Choices, ChoiceView{Value: c, Selected: contains(picked, c)})
			}
		default:
			fv.Input = "text"
		}
		out = append(out, fv)
	}
	return out
}

// ItemView is an item in the list of a filing.
type ItemView struct {
	UID      string
	Number   int
	Title    string
	Lines    []LabelValue
	Problems []LabelValue
	Comments []Event
}

// LabelValue is a label and a value to show.
type LabelValue struct{ Label, Value string }

func itemViews(t Template, l i18n.Localizer, items []Item, w Window, events []Event, revision int) []ItemView {
	var out []ItemView
	for i, it := range items {
		_, bad := Check(t, w, it.Values)
		iv := ItemView{UID: it.UID, Number: i + 1}
		for j, f := range t.Fields {
			v := strings.ReplaceAll(it.Values[f.Key], "\n", "、")
			if f.Type == TypeSlots {
				v = strings.ReplaceAll(it.Values[f.Key], "\n", "；")
			}
			if j == 0 {
				iv.Title = v
				continue
			}
			if v != "" && !f.Retired {
				iv.Lines = append(iv.Lines, LabelValue{f.Name(l.Lang), v})
			}
			if m, ok := bad[f.Key]; ok {
				iv.Problems = append(iv.Problems, LabelValue{f.Name(l.Lang), l.T(m.Key, m.Args...)})
			}
		}
		for _, e := range events {
			if e.ItemUID == it.UID && e.Revision == revision {
				iv.Comments = append(iv.Comments, e)
			}
		}
		out = append(out, iv)
	}
	return out
}
