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
