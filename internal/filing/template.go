// Package filing is how units file the campaign's two tables — 附件1 key
// projects and 附件2 institutions opening to the public — as items on
// forms the organiser can change, and how the filings move through review
// up the organisation tree.
package filing

import (
	"fmt"
	"strings"

	"github.com/sciweek/sciweek/internal/errs"
)

// FieldType says what a field holds and how it is checked.
type FieldType string

// The field types.
const (
	TypeText     FieldType = "text"     // one line
	TypeTextarea FieldType = "textarea" // several lines
	TypeNumber   FieldType = "number"   // a whole number ≥ 0 (or > 0 when Positive)
	TypeDate     FieldType = "date"     // YYYY-MM-DD inside the campaign week
	TypeDateTime FieldType = "datetime" // YYYY-MM-DD HH:MM inside the campaign week
	TypeChoice   FieldType = "choice"   // one of Choices
	TypeMulti    FieldType = "multi"    // several of Choices, one a line
	TypePhone    FieldType = "phone"    // mainland mobile or landline
	TypeAddress  FieldType = "address"  // a street address, mapped by the program
	TypeSlots    FieldType = "slots"    // opening times as written (package timetext), stored one session a line: YYYY-MM-DD HH:MM-HH:MM or YYYY-MM-DD 全天
	TypeFile     FieldType = "file"     // an uploaded file (its stored name)
)

// FieldTypes lists the types in the order the template editor offers them.
var FieldTypes = []FieldType{TypeText, TypeTextarea, TypeNumber, TypeDate, TypeDateTime, TypeChoice, TypeMulti, TypePhone, TypeAddress, TypeSlots, TypeFile}

// Field is one column of a table.
type Field struct {
	// Key names the field in stored values; it never changes, so values
	// stay readable after the label does.
	Key      string    `json:"key"`
	Label    string    `json:"label"`
	LabelEn  string    `json:"label_en,omitempty"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
	Help     string    `json:"help,omitempty"`
	HelpEn   string    `json:"help_en,omitempty"`
	// Choices are the allowed values of choice and multi fields. When
	// ChoicesFrom is "categories" or "audiences" they come from the
	// campaign instead.
	Choices     []string `json:"choices,omitempty"`
	ChoicesFrom string   `json:"choices_from,omitempty"`
	// Positive requires a number above zero (a capacity).
	Positive bool `json:"positive,omitempty"`
	// Public fields appear in the public program; the others (a filer's
	// phone number) never do.
	Public bool `json:"public"`
	// Retired fields are no longer asked for; values already given stay
	// readable and exportable.
	Retired bool `json:"retired,omitempty"`
	// Extra fields are asked by sciweek's form but are no column of the
	// official table: its export, print page and blank template leave
	// them out, so they keep the notice's layout.
	Extra bool `json:"extra,omitempty"`
}

// Name returns the label in the language.
func (f Field) Name(lang string) string {
	if lang == "en" && f.LabelEn != "" {
		return f.LabelEn
	}
	return f.Label
}

// Template is the form of one table of a campaign.
type Template struct {
	Table int `json:"table"` // 1 or 2
	// Title is the table's name without the year, e.g. 科技活动周重点项目备案表.
	Title   string  `json:"title"`
	TitleEn string  `json:"title_en,omitempty"`
	Fields  []Field `json:"fields"`
}

// Active lists the fields still asked for, in order.
func (t Template) Active() []Field {
	var out []Field
	for _, f := range t.Fields {
		if !f.Retired {
			out = append(out, f)
		}
	}
	return out
}

// Official lists the active fields that are columns of the official
// table, in order.
func (t Template) Official() []Field {
	var out []Field
	for _, f := range t.Active() {
		if !f.Extra {
			out = append(out, f)
		}
	}
	return out
}

// Field returns the field with the key.
func (t Template) Field(key string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// FullTitle is the printed title for a campaign year: 2020年科技活动周重点项目备案表.
func (t Template) FullTitle(year int) string { return fmt.Sprintf("%d年%s", year, t.Title) }

// Attachment is the label of the table in the notice: 附件1 or 附件2.
func (t Template) Attachment() string { return fmt.Sprintf("附件%d", t.Table) }

// Well-known field keys of the default tables, used where a domain needs a
// meaning rather than a column (the public program needs a title and times).
const (
	KeyTitle       = "title"
	KeyHost        = "host"
	KeyOrganizer   = "organizer"
	KeyCategory    = "category"
	KeyMode        = "mode"
	KeyStart       = "start"
	KeyEnd         = "end"
	KeyPlace       = "place"
	KeyContent     = "content"
	KeyAudience    = "audience"
	KeyExpected    = "expected"
	KeyContact     = "contact"
	KeyPhone       = "phone"
	KeyUnitName    = "unit_name"
	KeyOpenContent = "open_content"
	KeyAddress     = "address"
	KeySlots       = "slots"
	KeyCapacity    = "capacity"
	KeyBooking     = "booking"
)

// BookingYes is the answer to 是否需要预约 that makes a project's sessions
// bookable once it is approved, as an approved open day's are.
const BookingYes = "是"

// NeedsBooking reports whether an item asks for its sessions to be
// booked: every open day, and a project marked 是否需要预约 是.
func NeedsBooking(table int, v Values) bool {
	return table == 2 || v[KeyBooking] == BookingYes
}

// Modes are the choices of 活动形式.
var Modes = []string{"线下", "线上", "线上线下结合"}

// DefaultTemplate returns the shipped form of table 1 or 2: the columns such
// tables carry nationally for 附件1, and for 附件2 the columns the notice
// prints (单位名称, 开放内容, 具体地址, 联系人) followed by what booking needs.
func DefaultTemplate(table int) Template {
	if table == 2 {
		return Template{Table: 2, Title: "参与开放活动的科研机构和大学备案表", TitleEn: "Research institutions and universities opening to the public",
			Fields: []Field{
				{Key: KeyUnitName, Label: "单位名称", LabelEn: "Institution", Type: TypeText, Required: true, Public: true},
				{Key: KeyOpenContent, Label: "开放内容", LabelEn: "What is open", Type: TypeTextarea, Required: true, Public: true},
				{Key: KeyAddress, Label: "具体地址", LabelEn: "Address", Type: TypeAddress, Required: true, Public: true},
				{Key: KeyContact, Label: "联系人", LabelEn: "Contact person", Type: TypeText, Required: true},
				{Key: KeyPhone, Label: "联系电话", LabelEn: "Phone", Type: TypePhone, Required: true},
				{Key: KeySlots, Label: "开放时间", LabelEn: "Opening times", Type: TypeSlots, Required: true, Public: true,
					Help:   "按习惯填写即可，如：8月23日至29日 9:00-11:30、14:30-17:00；周六、周日全天；9:00—17:00（8月24日）",
					HelpEn: "Write them as you would, e.g. 8月23日至29日 9:00-11:30、14:30-17:00, 周六、周日全天 or 9:00—17:00（8月24日）"},
				{Key: KeyCapacity, Label: "每场接待上限", LabelEn: "Visitors per slot", Type: TypeNumber, Required: true, Positive: true, Public: true,
					Help: "每个时段最多接待的人数", HelpEn: "The most visitors one slot can take"},
			}}
	}
	return Template{Table: 1, Title: "科技活动周重点项目备案表", TitleEn: "Key projects of the Science and Technology Week",
		Fields: []Field{
			{Key: KeyTitle, Label: "项目名称", LabelEn: "Project", Type: TypeText, Required: true, Public: true},
			{Key: KeyHost, Label: "主办单位", LabelEn: "Host", Type: TypeText, Required: true, Public: true},
			{Key: KeyOrganizer, Label: "承办单位", LabelEn: "Organiser", Type: TypeText, Public: true},
			{Key: KeyCategory, Label: "活动类别", LabelEn: "Focus area", Type: TypeChoice, Required: true, ChoicesFrom: "categories", Public: true},
			{Key: KeyMode, Label: "活动形式", LabelEn: "Form", Type: TypeChoice, Required: true, Choices: Modes, Public: true},
			{Key: KeyStart, Label: "开始时间", LabelEn: "Starts", Type: TypeDateTime, Required: true, Public: true},
			{Key: KeyEnd, Label: "结束时间", LabelEn: "Ends", Type: TypeDateTime, Required: true, Public: true},
			{Key: KeyPlace, Label: "活动地点", LabelEn: "Place", Type: TypeAddress, Required: true, Public: true,
				Help: "线上活动填写网址或平台", HelpEn: "For an online activity, the web address or platform"},
			{Key: KeyContent, Label: "主要内容", LabelEn: "Content", Type: TypeTextarea, Required: true, Public: true},
			{Key: KeyAudience, Label: "面向对象", LabelEn: "Audience", Type: TypeMulti, Required: true, ChoicesFrom: "audiences", Public: true},
			{Key: KeyExpected, Label: "预计参与人数", LabelEn: "Expected participants", Type: TypeNumber, Required: true, Public: true},
			{Key: KeyContact, Label: "联系人", LabelEn: "Contact person", Type: TypeText, Required: true},
			{Key: KeyPhone, Label: "联系电话", LabelEn: "Phone", Type: TypePhone, Required: true},
			// A project the public books: its sessions and places become
			// booking slots when it is approved.
			{Key: KeyBooking, Label: "是否需要预约", LabelEn: "Needs booking", Type: TypeChoice, Choices: []string{"否", BookingYes}, Public: true, Extra: true,
				Help: "选“是”并填写预约场次和每场接待上限，审核通过后公众即可预约", HelpEn: "Choose 是 and give the sessions and places: once approved, the public can book them"},
			{Key: KeySlots, Label: "预约场次", LabelEn: "Bookable sessions", Type: TypeSlots, Public: true, Extra: true,
				Help: "按习惯填写即可，如：8月23日 9:00-11:30、14:30-17:00", HelpEn: "Write them as you would, e.g. 8月23日 9:00-11:30、14:30-17:00"},
			{Key: KeyCapacity, Label: "每场接待上限", LabelEn: "Visitors per session", Type: TypeNumber, Positive: true, Public: true, Extra: true},
		}}
}

// splitLines splits a multi-line value into its non-empty, trimmed lines.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// requireParentFields refuses a child campaign's form that asks for less
// than its parent's: every field the parent requires stays, active and
// required, so the level above can consolidate the tables.
func requireParentFields(parent, t Template, f errs.Fields) {
	for _, pf := range parent.Active() {
		if !pf.Required {
			continue
		}
		if own, ok := t.Field(pf.Key); !ok || own.Retired || !own.Required {
			f.Add("fields", "cascade.error.parent_field", pf.Label)
		}
	}
}
