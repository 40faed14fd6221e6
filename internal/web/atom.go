package web

import (
	"encoding/xml"
	"net/http"
	"time"
)

// AtomFeed is an Atom (RFC 4287) feed: the program's, a news section's.
type AtomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []AtomLink  `xml:"link"`
	Author  AtomAuthor  `xml:"author"`
	Entries []AtomEntry `xml:"entry"`
}

// AtomLink is a link of a feed or an entry.
type AtomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

// AtomAuthor names who wrote a feed or an entry.
type AtomAuthor struct {
	Name string `xml:"name"`
}

// AtomText is plain text (Type "text").
type AtomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// AtomCategory files an entry under a term.
type AtomCategory struct {
	Term string `xml:"term,attr"`
}

// AtomEntry is one item of a feed.
type AtomEntry struct {
	ID        string        `xml:"id"`
	Title     AtomText      `xml:"title"`
	Updated   string        `xml:"updated"`
	Published string        `xml:"published,omitempty"`
	Link      AtomLink      `xml:"link"`
	Author    AtomAuthor    `xml:"author"`
	Summary   AtomText      `xml:"summary"`
	Category  *AtomCategory `xml:"category,omitempty"`
}

// NewAtomFeed starts a feed whose page is page, read at self.
func NewAtomFeed(lang, title, author, page, self string) AtomFeed {
	return AtomFeed{Lang: lang, ID: page, Title: title, Author: AtomAuthor{author},
		Links: []AtomLink{{Rel: "self", Type: "application/atom+xml", Href: self}, {Rel: "alternate", Type: "text/html", Href: page}}}
}

// AtomItem is an entry as the feeds fill it in.
type AtomItem struct {
	URL, Title, Author, Summary, Category string
	Updated, Published                    time.Time
}

// Add appends an entry for item.
func (f *AtomFeed) Add(it AtomItem) {
	e := AtomEntry{ID: it.URL, Title: AtomText{"text", it.Title}, Updated: it.Updated.Format(time.RFC3339),
		Link: AtomLink{Rel: "alternate", Type: "text/html", Href: it.URL}, Author: AtomAuthor{it.Author}, Summary: AtomText{"text", it.Summary}}
	if !it.Published.IsZero() {
		e.Published = it.Published.Format(time.RFC3339)
	}
	if it.Category != "" {
		e.Category = &AtomCategory{it.Category}
	}
	f.Entries = append(f.Entries, e)
}

// WriteAtom answers with the feed, updated when its newest entry (or, with
// none, since) was.
func (s *Server) WriteAtom(w http.ResponseWriter, r *http.Request, f AtomFeed, since time.Time) {
	updated := since
	for _, e := range f.Entries {
		if t, err := time.Parse(time.RFC3339, e.Updated); err == nil && t.After(updated) {
			updated = t
		}
	}
	f.Updated = updated.Format(time.RFC3339)
	out, err := xml.MarshalIndent(f, "", " ")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	w.Write(out)
}
