package campaign

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

var md = goldmark.New(
	goldmark.WithExtensions(MarkdownExtensions...),
	goldmark.WithRendererOptions(html.WithHardWraps()),
)

var policy = Policy()

// MarkdownExtensions are the Markdown features sciweek's texts use.
var MarkdownExtensions = []goldmark.Extender{extension.Table, extension.Strikethrough, extension.Linkify}

// Policy returns a new copy of the sanitiser every published text goes
// through, for a caller that allows a little more (embedded video).
func Policy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// RenderMarkdown turns a notice written in Markdown into HTML that is safe
// to show: scripts, event handlers, javascript: links and foreign frames
// are removed.
func RenderMarkdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes()))
}
