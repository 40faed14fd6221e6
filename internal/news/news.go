// Package news is the campaign's publicity on its public site: articles
// (news, notices, policy pages, videos) in sections the organiser defines,
// reviewed along the organisation tree like a filing, and the media
// coverage units collect during the week.
package news

import (
	"bytes"
	"html/template"
	"image"
	_ "image/gif" // covers may be GIF
	_ "image/jpeg"
	_ "image/png"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/renderer/html"
	_ "golang.org/x/image/webp" // and WebP
	xhtml "golang.org/x/net/html"

	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/review"
)

// State is where an article is in its review.
type State = review.State

// The states; an approved article is public from its publish time on, and
// stays so, as approved, while a changed revision is in review.
const (
	StateDraft     = review.Draft
	StateSubmitted = review.Submitted
	StateReturned  = review.Returned
	StateApproved  = review.Approved
)

// Section is a heading articles are published under.
type Section struct {
	ID       int64  `json:"-"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	NameEn   string `json:"name_en,omitempty"`
	Position int    `json:"-"`
}

// Label is the section's name in the language.
func (s Section) Label(lang string) string {
	if lang == "en" && s.NameEn != "" {
		return s.NameEn
	}
	return s.Name
}

// The sections a campaign starts with.
const (
	SectionNotices  = "notices"
	SectionNews     = "news"
	SectionPolicies = "policies"
	SectionVideos   = "videos"
)

// DefaultSections are a new campaign's sections.
var DefaultSections = []Section{
	{Code: SectionNotices, Name: "通知公告", NameEn: "Notices"},
	{Code: SectionNews, Name: "新闻动态", NameEn: "News"},
	{Code: SectionPolicies, Name: "政策法规", NameEn: "Laws and policies"},
	{Code: SectionVideos, Name: "科普视频", NameEn: "Science videos"},
}

// Article is a news item, notice or policy page.
type Article struct {
	ID           int64
	CampaignID   int64
	CampaignSlug string
	SectionID    int64
	SectionCode  string
	OrgID        int64
	OrgCode      string
	OrgName      string
	Title        string
	Summary      string
	Body         string // Markdown
	// Link is the official text a policy page points to.
	Link       string
	CoverKey   string
	CoverType  string
	State      State
	StageOrgID int64
	Comment    string
	Pinned     bool
	PublishAt  time.Time
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Href, when set, is where the article lives instead of its own page
	// (the campaign's notice).
	Href string
	// Live is set once a revision is approved: the public sees it, even
	// while a changed one is in review.
	Live bool
	// Pending is set when what the article shows is a changed revision
	// awaiting review, not the one the public sees.
	Pending bool
	pending string // that revision, as stored
}

// URL is the article's public path.
func (a Article) URL() string {
	if a.Href != "" {
		return a.Href
	}
	return "/news/" + strconv.FormatInt(a.ID, 10)
}

// Public reports whether the public sees the article at now.
func (a Article) Public(now time.Time) bool {
	return a.Live && !a.Pending && !a.PublishAt.IsZero() && !a.PublishAt.After(now)
}

// Scheduled reports whether the article is approved to appear later.
func (a Article) Scheduled(now time.Time) bool {
	return a.Live && !a.Pending && a.PublishAt.After(now)
}

// BodyHTML is the body rendered and sanitised.
func (a Article) BodyHTML() template.HTML { return RenderBody(a.Body) }

// VideoHosts are the sites whose players an article may embed.
var VideoHosts = []string{"player.bilibili.com", "v.qq.com", "player.youku.com", "www.ixigua.com"}

var (
	md = goldmark.New(goldmark.WithExtensions(campaign.MarkdownExtensions...),
		goldmark.WithRendererOptions(html.WithHardWraps(), html.WithUnsafe()))
	frameSrc = regexp.MustCompile(`^https://(` + hostPattern() + `)/`)
	// ownPath is a file in sciweek's own storage: a report's media or the
	// public gallery, and their posters. A protocol-relative //host/… or
	// any other site's address never matches.
	ownPath = regexp.MustCompile(`^/(?:reports/[0-9]+/media/[0-9]+|campaigns/[a-z0-9][a-z0-9-]*/gallery/[0-9]+)(?:/thumb)?$`)
	policy  = func() *bluemonday.Policy {
		p := campaign.Policy()
		p.AllowElements("iframe", "video")
		p.AllowAttrs("src").Matching(frameSrc).OnElements("iframe")
		p.AllowAttrs("width", "height").Matching(bluemonday.Number).OnElements("iframe", "video")
		p.AllowAttrs("allowfullscreen").OnElements("iframe")
		p.AllowElements("source")
		p.AllowAttrs("src", "poster").Matching(ownPath).OnElements("video")
		p.AllowAttrs("src").Matching(ownPath).OnElements("source")
		p.AllowAttrs("type").Matching(videoType).OnElements("source")
		p.AllowAttrs("controls").OnElements("video")
		return p
	}()
)

func hostPattern() string {
	var qs []string
	for _, h := range VideoHosts {
		qs = append(qs, regexp.QuoteMeta(h))
	}
	return strings.Join(qs, "|")
}

// RenderBody turns an article's Markdown into HTML that is safe to show:
// scripts, event handlers, javascript: links and frames from hosts not on
// VideoHosts are removed; a video from sciweek's own storage stays.
func RenderBody(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	out := policy.SanitizeBytes(buf.Bytes())
	// An iframe whose src was refused is left empty: drop it.
	out = emptyFrame.ReplaceAll(out, nil)
	return template.HTML(out)
}

var videoType = regexp.MustCompile(`^video/[a-z0-9.+-]+$`)

var emptyFrame = regexp.MustCompile(`<iframe(\s+(width|height)="\d+")*\s*>\s*</iframe>`)

// Note tells the author what happened to their input: what the sanitiser
// removed from the body, or that a past publish time published at once.
type Note struct {
	Field string
	Msg   errs.Msg
}

// Removals lists what the sanitiser takes out of a body, one note each.
func Removals(src string) []Note {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return nil
	}
	var notes []Note
	seen := map[string]bool{}
	add := func(key string, args ...any) {
		id := key + "|" + fmtArgs(args)
		if !seen[id] {
			seen[id] = true
			notes = append(notes, Note{Field: "body", Msg: errs.Msg{Key: key, Args: args}})
		}
	}
	z := xhtml.NewTokenizer(&buf)
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return notes
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		t := z.Token()
		switch t.Data {
		case "script", "style", "object", "embed", "form":
			add("news.note.element", "<"+t.Data+">")
		case "video", "source":
			for _, key := range []string{"src", "poster"} {
				if v := attr(t, key); v != "" && !ownPath.MatchString(v) {
					add("hardening.news.video", v)
				}
			}
		case "iframe":
			src := attr(t, "src")
			if !frameSrc.MatchString(src) {
				host := src
				if u, err := url.Parse(src); err == nil && u.Host != "" {
					host = u.Host
				}
				add("news.note.iframe", host)
			}
		}
		for _, a := range t.Attr {
			switch {
			case strings.HasPrefix(strings.ToLower(a.Key), "on"):
				add("news.note.handler", a.Key)
			case (a.Key == "href" || a.Key == "src") && isScriptURL(a.Val):
				add("news.note.javascript")
			}
		}
	}
}

func fmtArgs(args []any) string {
	var b strings.Builder
	for _, a := range args {
		if s, ok := a.(string); ok {
			b.WriteString(s)
		}
	}
	return b.String()
}

func attr(t xhtml.Token, key string) string {
	for _, a := range t.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func isScriptURL(v string) bool {
	v = strings.Map(func(r rune) rune {
		if r <= ' ' {
			return -1
		}
		return r
	}, strings.ToLower(v))
	return strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:text/html")
}

// MaxCoverBytes bounds a cover image.
const MaxCoverBytes = 2 << 20

// coverTypes maps the image formats a cover may have to their types.
var coverTypes = map[string]string{"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}

// CheckCover reads the image header of a cover: it must be a JPEG, PNG,
// GIF or WebP image of at most MaxCoverBytes. It returns its content type.
func CheckCover(data []byte) (string, *errs.Msg) {
	if len(data) > MaxCoverBytes {
		return "", &errs.Msg{Key: "news.error.cover_too_large", Args: []any{MaxCoverBytes >> 20}}
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	ctype, ok := coverTypes[format]
	if err != nil || !ok || cfg.Width == 0 || cfg.Height == 0 {
		return "", &errs.Msg{Key: "news.error.cover_not_image"}
	}
	return ctype, nil
}
