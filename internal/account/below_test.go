package account_test

import (
	"testing"

	"github.com/sciweek/sciweek/internal/account"
)

// TestBelow finds the organisation right below an ancestor on a path: a
// district bureau below the city's, the unit itself right below its
// district, nothing for an organisation off the path or for itself.
func TestBelow(t *testing.T) {
	unit := account.Organisation{ID: 40, Path: "/1/3/12/40/"}
	for _, c := range []struct {
		o        account.Organisation
		ancestor int64
		want     int64
		ok       bool
	}{
		{unit, 3, 12, true},
		{unit, 12, 40, true},
		{unit, 1, 3, true},
		{unit, 40, 0, false},
		{unit, 7, 0, false},
		{account.Organisation{ID: 1, Path: "/1/"}, 1, 0, false},
	} {
		if got, ok := c.o.Below(c.ancestor); got != c.want || ok != c.ok {
			t.Errorf("%s below %d: %d %v; want %d %v", c.o.Path, c.ancestor, got, ok, c.want, c.ok)
		}
	}
}
