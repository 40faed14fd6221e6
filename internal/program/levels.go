package program

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
