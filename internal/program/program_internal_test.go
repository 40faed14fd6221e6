package program

import "testing"

func TestInitials(t *testing.T) {
	for in, want := range map[string]string{
		"科技周":           "kjz",
		"人工智能与机器人开放体验":  "rgznyjqrkfty",
		"泉州师范学院":        "qzsfxy",
		"VR看泉州：世界遗产数字化": "vrkqzsjycszh",
		"科技活动周20年回顾展":   "kjhdz20nhgz",
		"":              "",
	} {
		if got := Initials(in); got != want {
			t.Errorf("Initials(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMapPattern(t *testing.T) {
	for in, want := range map[string]string{
		"amap":                                  "https://uri.amap.com/search?keyword={address}",
		"OSM":                                   "https://www.openstreetmap.org/search?query={address}",
		"baidu":                                 "https://api.map.baidu.com/geocoder?address={address}&output=html&src=sciweek",
		"https://maps.example.org/?q={address}": "https://maps.example.org/?q={address}",
	} {
		if got, err := MapPattern(in); err != nil || got != want {
			t.Errorf("MapPattern(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "google", "https://maps.example.org/", "javascript:alert({address})", "//x/{address}"} {
		if _, err := MapPattern(bad); err == nil {
			t.Errorf("MapPattern(%q) is accepted", bad)
		}
	}
}
