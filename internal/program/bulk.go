package program

import (
	"encoding/json"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// BulkColumns are the columns of program_activities a bulk loader writes,
// in the order of BulkRow's values.
const BulkColumns = `campaign_id, filing_id, item_uid, table_no, listed, position, title, unit_code, unit_name,
	district_code, district_name, province_code, province_name, city_code, city_name, host, organizer, category_code, category_name, audience_codes, audience_names, mode, start_at, end_at, days,
	sessions, address, content, online_url, capacity, expected, fields, search_text, digest, updated_at`

// Level is an organisation an activity names: its unit, district,
// province or city.
type Level struct{ Code, Name string }

// BulkRow is an approved item as the program stores it, for loaders that
// write many items at once (sciweek bench seed): the values of
// BulkColumns. It is what the
// program's own sync writes, digest included, so the sync finds such rows
// unchanged. ok is false when the item has no readable time.
func BulkRow(c campaign.Campaign, t filing.Template, table int, v filing.Values, filingID int64, uid string, position int,
	unit, district, province, city Level, now db.Time) (values []any, ok bool) {
	a, ok := fromItem(c, t, table, v)
	if !ok {
		return nil, false
	}
	a.CampaignID, a.FilingID, a.ItemUID, a.Position = c.ID, filingID, uid, position
	a.UnitCode, a.UnitName, a.DistrictCode, a.DistrictName = unit.Code, unit.Name, district.Code, district.Name
	a.ProvinceCode, a.ProvinceName, a.CityCode, a.CityName = province.Code, province.Name, city.Code, city.Name
	sessions, _ := json.Marshal(a.Sessions)
	fields, _ := json.Marshal(a.Fields)
	values = []any{a.CampaignID, a.FilingID, a.ItemUID, tableOf(a.Kind), true, a.Position, a.Title, a.UnitCode, a.UnitName,
		a.DistrictCode, a.DistrictName, a.ProvinceCode, a.ProvinceName, a.CityCode, a.CityName, a.Host, a.Organizer, a.CategoryCode, a.CategoryName, joinList(a.AudienceCodes), joinList(a.AudienceNames),
		string(a.Mode), db.At(a.Start), db.At(a.End), joinList(a.Days), string(sessions), a.Address, a.Content, a.OnlineURL,
		a.Capacity, a.Expected, string(fields), searchText(&a), digest(&a), now}
	return values, true
}
