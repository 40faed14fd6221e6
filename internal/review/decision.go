package review

import (
	"net/http"
	"strconv"

	"github.com/sciweek/sciweek/internal/errs"
)

// Decision is a reviewer's answer as a form or the API sends it.
type Decision struct {
	Action  Action // Approve or Return
	Comment string
	Version int
}

// ReadDecision reads a decision: from the one review form, whose two
// buttons send decision=approve or decision=return with the comment, or
// from an action the URL names (…/approve, …/return), which keeps the API
// working. Errors: Invalid (on the field "decision").
func ReadDecision(r *http.Request, urlAction string) (Decision, error) {
	d := Decision{Action: Action(urlAction), Comment: r.PostFormValue("comment")}
	d.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	if d.Action != Approve && d.Action != Return {
		d.Action = Action(r.PostFormValue("decision"))
	}
	if d.Action != Approve && d.Action != Return {
		return d, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "review.error.decision"}, Fields: map[string]errs.Msg{"decision": {Key: "review.error.decision"}}}
	}
	return d, nil
}
