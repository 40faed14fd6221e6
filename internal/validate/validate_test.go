package validate

import "testing"

func TestPhones(t *testing.T) {
	good := []string{"13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "１３８１２３４５６７８",
		"0595-22579330", "(0595)2257 9330", "（0595）22579330", "22579330", "010-12345678", "0595－22579330"}
	for _, s := range good {
		if !IsPhone(s) {
			t.Errorf("IsPhone(%q) = false", s)
		}
	}
	bad := []string{"", "12345", "1381234567", "23812345678", "abc", "0595-1234", "138123456789"}
	for _, s := range bad {
		if IsPhone(s) {
			t.Errorf("IsPhone(%q) = true", s)
		}
	}
	if !IsMobile("+86 138-1234-5678") || IsMobile("0595-22579330") {
		t.Error("IsMobile confuses mobile and landline")
	}
	if got := MaskPhone("138 1234 5678"); got != "138****5678" {
		t.Errorf("MaskPhone = %q", got)
	}
}

func TestCodesAndNames(t *testing.T) {
	for s, want := range map[string]bool{"hqu": true, "fengze": true, "q": false, "HQU": false, "a b": false, "quanzhou-2020": true} {
		if IsCode(s) != want {
			t.Errorf("IsCode(%q) != %v", s, want)
		}
	}
	if !IsEmail("qzskjcg@163.com") || IsEmail("not an email") || IsEmail("a@b") {
		t.Error("IsEmail")
	}
}
