package program

import "sort"

// countLevels counts a parent's program by province and by city, so its
// home can be browsed by the level below; a city's program has neither.
func countLevels(as []Activity, o *Overview) {
	provinces, cities := map[string]*District{}, map[string]*District{}
	for _, a := range as {
		for _, l := range []struct {
			code, name string
			into       map[string]*District
		}{{a.ProvinceCode, a.ProvinceName, provinces}, {a.CityCode, a.CityName, cities}} {
			if l.code == "" {
				continue
			}
			if l.into[l.code] == nil {
				l.into[l.code] = &District{Code: l.code, Name: l.name}
			}
			l.into[l.code].Activities++
		}
	}
	for _, l := range []struct {
		from map[string]*District
		list *[]District
	}{{provinces, &o.Provinces}, {cities, &o.Cities}} {
		for _, d := range l.from {
			*l.list = append(*l.list, *d)
		}
		sort.Slice(*l.list, func(i, j int) bool { return (*l.list)[i].Code < (*l.list)[j].Code })
	}
	// One province or one city is no choice: its own program says it.
	if len(o.Provinces) < 2 {
		o.Provinces = nil
	}
	if len(o.Cities) < 2 {
		o.Cities = nil
	}
}

// levelOptions are the province and city choices of the list's filters.
func levelOptions(o Overview, f Filter) (provinces, cities []Option) {
	for _, d := range o.Provinces {
		provinces = append(provinces, Option{d.Code, d.Name, d.Code == f.Province})
	}
	for _, d := range o.Cities {
		cities = append(cities, Option{d.Code, d.Name, d.Code == f.City})
	}
	return provinces, cities
}
