package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sciweek/sciweek/internal/booking"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/notify"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/report"
	"github.com/sciweek/sciweek/internal/review"
)

// filingFollowers is what follows a filing's changes: the program and
// bookable open days after an approval, the unit's notices after a
// decision. The filing and the booking domains meet only here.
type filingFollowers struct{ a *App }

func (f filingFollowers) FilingPublished(ctx context.Context, campaignID, filingID int64) {
	f.a.filingPublished(ctx, campaignID, filingID)
}

func (f filingFollowers) FilingChanged(ctx context.Context, tx *db.Tx, ch filing.Change) error {
	return f.a.filingChanged(ctx, tx, ch)
}

// filingChanged tells the filing organisation of a review decision,
// extension or reminder, in the transaction that records it.
func (a *App) filingChanged(ctx context.Context, tx *db.Tx, ch filing.Change) error {
	c := ch.Campaign
	org, err := a.Accounts.OrgByID(ctx, ch.OrgID)
	if err != nil {
		return err
	}
	link := fmt.Sprintf("/campaigns/%s/filings/%s/%d", c.Slug, org.Code, ch.Table)
	table := ""
	if ch.Table != 0 {
		table = filing.DefaultTemplate(ch.Table).Title
	}
	until := ""
	if !ch.Until.IsZero() {
		until = ch.Until.In(clock.Zone).Format("2006-01-02")
	}
	var n notify.Notice
	comment := ch.Comment
	if comment == "" {
		comment = "—"
	}
	switch ch.Action {
	case filing.ChangeCommented:
		n = notify.Notice{Topic: notify.Topic("filing_commented"), Args: []string{c.Title, table, ch.ByOrg, comment}, Link: link}
	case filing.ChangeReturned:
		n = notify.Notice{Topic: notify.TopicReturned, Args: []string{c.Title, table, ch.ByOrg, comment, fmt.Sprint(ch.Items)}, Link: link}
	case filing.ChangeForwarded:
		n = notify.Notice{Topic: notify.TopicForwarded, Args: []string{c.Title, table, ch.ByOrg, comment}, Link: link}
	case filing.ChangeApproved:
		n = notify.Notice{Topic: notify.TopicApproved, Args: []string{c.Title, table, ch.ByOrg, comment}, Link: link}
	case filing.ChangeExtended:
		n = notify.Notice{Topic: notify.TopicExtended, Args: []string{c.Title, until}, Link: "/dashboard"}
	case filing.ChangeReminded:
		n = notify.Notice{Topic: notify.TopicReminded, Args: []string{c.Title, table, until, ch.ByOrg}, Link: link}
	default:
		return nil
	}
	return a.Notify.ToOrg(ctx, tx, ch.OrgID, n)
}

// reviewNotices tells a unit of each decision on its summary report or its
// news article, with the reviewer's comment.
type reviewNotices struct{ a *App }

func (n reviewNotices) Decided(ctx context.Context, tx *db.Tx, d review.Told) error {
	comment := d.Comment
	if comment == "" {
		comment = "—"
	}
	topic := notify.Topic(d.Kind + "_" + string(d.Outcome))
	return n.a.Notify.ToOrg(ctx, tx, d.Subject.Org.ID, notify.Notice{Topic: topic, Args: []string{d.Campaign.Title, d.Title, d.ByOrg, comment}, Link: d.Link})
}

// filingOutstanding is the filing deadline's "who has not submitted":
// every organisation whose 附件1 is not in review or approved, and those
// that started a 附件2 (only institutions opening to the public file one)
// without submitting it.
func (a *App) filingOutstanding(ctx context.Context, c campaign.Campaign) ([]notify.Outstanding, error) {
	rows, err := a.Filings.Board(ctx, c)
	if err != nil {
		return nil, err
	}
	var out []notify.Outstanding
	for _, r := range rows {
		var what []string
		switch r.Cells[1].Status {
		case filing.StatusNotStarted, filing.StatusDraft, filing.StatusReturned:
			what = append(what, filing.DefaultTemplate(1).Title)
		}
		switch r.Cells[2].Status {
		case filing.StatusDraft, filing.StatusReturned:
			what = append(what, filing.DefaultTemplate(2).Title)
		}
		if len(what) > 0 {
			out = append(out, notify.Outstanding{OrgID: r.Org.ID, Due: r.Deadline, What: what})
		}
	}
	return out, nil
}

// reportOutstanding lists the units whose summary report is not yet in
// review or approved.
func (a *App) reportOutstanding(ctx context.Context, c campaign.Campaign) ([]notify.Outstanding, error) {
	rows, err := a.Reports.Board(ctx, c)
	if err != nil {
		return nil, err
	}
	var out []notify.Outstanding
	for _, r := range rows {
		switch r.State {
		case report.StateNotStarted, report.StateDraft, report.StateReturned:
			out = append(out, notify.Outstanding{OrgID: r.Org.ID, Due: r.Deadline, What: []string{"总结报告"}})
		}
	}
	return out, nil
}

// reportCoverage is the media coverage a unit recorded during the week, in
// the form its summary report keeps it.
func (a *App) reportCoverage(ctx context.Context, c campaign.Campaign, unit string) ([]report.Coverage, error) {
	list, err := a.News.ListCoverage(ctx, c, unit)
	if err != nil {
		return nil, err
	}
	var out []report.Coverage
	for _, m := range list {
		if m.OrgCode == unit {
			out = append(out, report.Coverage{Outlet: m.Outlet, Title: m.Title, Date: m.Date, Link: m.Link})
		}
	}
	return out, nil
}

// bookingTexts sends bookers their messages (the online switch, a place
// from the waiting list) as text messages through the notices.
type bookingTexts struct{ n *notify.Service }

func (b bookingTexts) Notify(ctx context.Context, m booking.Message) error {
	topic := notify.Topic(strings.ReplaceAll(strings.TrimPrefix(m.Kind, "booking.sms."), ".", "_"))
	return b.n.TextWritten(ctx, m.Phone, m.Lang, "booking_"+topic, m.Text)
}

// queueCollector reports the job queue and the message record to
// Prometheus when it scrapes: a growing "queued" or "failed" is the sign
// of a mail server that does not answer.
type queueCollector struct{ a *App }

var (
	jobsDesc     = prometheus.NewDesc("sciweek_jobs", "Background jobs by state.", []string{"state"}, nil)
	messagesDesc = prometheus.NewDesc("sciweek_messages", "E-mail and text messages recorded, by channel and state.", []string{"channel", "state"}, nil)
)

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc; ch <- messagesDesc }

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if counts, err := c.a.Jobs.Counts(ctx); err == nil {
		for state, n := range counts {
			ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), state)
		}
	}
	if counts, err := c.a.Notify.MessageCounts(ctx); err == nil {
		for key, n := range counts {
			channel, state, _ := strings.Cut(key, "/")
			ch <- prometheus.MustNewConstMetric(messagesDesc, prometheus.GaugeValue, float64(n), channel, state)
		}
	}
}
