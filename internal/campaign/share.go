package campaign

import (
	"github.com/sciweek/sciweek/internal/i18n"
	"github.com/sciweek/sciweek/internal/sharecard"
)

// ShareCard is what the campaign's share picture says, in Chinese, the
// language of the shared links' readers, so one URL is one picture.
func ShareCard(c Campaign) sharecard.Card {
	zh := i18n.For(i18n.Chinese)
	return sharecard.Card{Kicker: zh.T("app.name"), Title: c.Title,
		Lines: []string{zh.DateRange(c.Start, c.End), c.Theme}, Footer: zh.T("share.card.footer")}
}

// CardPath is where the campaign's share picture is drawn, with its
// version, so apps that keep pictures by URL see a new one after an edit.
func CardPath(c Campaign) string {
	return "/campaigns/" + c.Slug + "/card.png?v=" + ShareCard(c).Version("campaign")
}
