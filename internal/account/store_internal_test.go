package account

import "testing"

func TestSortTree(t *testing.T) {
	orgs := []Organisation{{Code: "c", Path: "/1/10/"}, {Code: "a", Path: "/1/"}, {Code: "d", Path: "/1/2/11/"}, {Code: "b", Path: "/1/2/"}, {Code: "e", Path: "/1/3/"}}
	sortTree(orgs)
	var got string
	for _, o := range orgs {
		got += o.Code
	}
	if got != "abdec" {
		t.Fatalf("tree order %s, want abdec", got)
	}
}
