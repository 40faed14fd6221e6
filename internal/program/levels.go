package program

// levels are the province, city and district choices of the list's
// filters. Below a level with a choice, a level lists only the places of
// the one chosen above it, as the national program would otherwise carry
// every city and district of the country to a phone: the cities of the
// chosen province, the districts of the chosen city. CityHint and
// DistrictHint say that the level shows once the one above is chosen.
type levels struct {
	Provinces, Cities, Districts Options
	CityHint, DistrictHint       bool
}

func levelOptions(o Overview, f Filter) levels {
	// A place chosen below names the places above it.
	city := f.City
	if city == "" {
		city = parentOf(o.Districts, f.District)
	}
	province := f.Province
	if province == "" {
		province = parentOf(o.Cities, city)
	}
	l := levels{
		Provinces: options(o.Provinces, nil, "", f.Province),
		Cities:    options(o.Cities, o.Provinces, province, f.City),
		Districts: options(o.Districts, o.Cities, city, f.District),
	}
	l.CityHint = len(o.Provinces) > 0 && province == ""
	l.DistrictHint = len(o.Cities) > 0 && city == "" && len(o.Districts) > 0
	return l
}

// options are the places of a level: all of them when the level above
// offers no choice, else those of the chosen place above.
func options(places, above []District, parent, chosen string) []Option {
	var out []Option
	for _, d := range places {
		if len(above) == 0 || (parent != "" && d.Parent == parent) {
			out = append(out, Option{d.Code, d.Name, d.Code == chosen})
		}
	}
	return out
}

// parentOf is the place above the one with the code.
func parentOf(places []District, code string) string {
	for _, d := range places {
		if code != "" && d.Code == code {
			return d.Parent
		}
	}
	return ""
}
