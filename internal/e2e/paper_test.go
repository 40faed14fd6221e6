package e2e_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/apptest"
	"github.com/sciweek/sciweek/internal/filing"
)

// TestBrowserPrintAndReceive prints a long table to PDF as a unit does:
// A4 landscape, several pages, the header row on each; the QR code on the
// page decodes to the verification address; the organiser then records
// the paper copy by its code.
func TestBrowserPrintAndReceive(t *testing.T) {
	env := apptest.Start(t, apptest.Options{NoDemoFilings: true})
	ctx := account.AsSystem(context.Background())
	c, err := env.App.Campaigns.Get(ctx, "2026")
	if err != nil {
		t.Fatal(err)
	}
	var rows []filing.Values
	for i := range 40 {
		rows = append(rows, filing.Values{"title": fmt.Sprintf("科普开放日第%d场", i+1), "host": "华侨大学", "category": "展示科技创新成就", "mode": "线下",
			"start": "2026-12-20 09:00", "end": "2026-12-20 17:00", "place": "泉州市丰泽区城华北路269号华侨大学图书馆",
			"content": "展示学校人工智能与机器人研究成果，现场体验互动，讲解机器人编程与视觉识别。", "audience": "青少年\n社会公众",
			"expected": "300", "contact": "林老师", "phone": "0595-22692114"})
	}
	f, err := env.App.Filings.ImportItems(ctx, c, "hqu", 1, rows)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env.URL)
	b.login("hqu")
	b.viewport(desktopWidth, desktopHeight)
	b.open("/campaigns/2026/filings/hqu/1", "main h1")
	b.click(fmt.Sprintf(`a[href="/filings/%d/print"]`, f.ID), "#verify-qr")
	b.shows(".print-filer", "填报单位（盖章）：华侨大学")
	b.screenshot("print-table")
	code := b.text("#verify-code")
	wantURL := env.URL + "/verify/" + strings.ReplaceAll(code, "-", "")
	if got := b.text("#verify-url"); got != wantURL {
		t.Fatalf("printed URL %q, want %q", got, wantURL)
	}

	// The QR code, read from the image as a phone's camera reads it.
	b.do("load the QR reader", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.createElement("script"); s.src = "/static/vendor/jsqr-1.4.0.js"; document.head.appendChild(s); })()`),
		chromedp.Poll[chromedp.Void](`typeof window.jsQR === "function"`, chromedp.WithPollingTimeout(10*time.Second)))
	decoded, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(() => {
		const img = document.getElementById("verify-qr");
		const c = document.createElement("canvas");
		c.width = img.naturalWidth; c.height = img.naturalHeight;
		const g = c.getContext("2d");
		g.drawImage(img, 0, 0);
		const d = g.getImageData(0, 0, c.width, c.height);
		const r = window.jsQR(d.data, d.width, d.height);
		return r ? r.data : "";
	})()`))
	if err != nil || decoded != wantURL {
		t.Fatalf("the QR code reads %q (%v), want %q", decoded, err, wantURL)
	}

	pdf, err := chromedp.Call(b.ctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: new(true), PrintBackground: new(true)})
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	if dir := os.Getenv("SCIWEEK_SCREENSHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "print-table.pdf"), pdf.Data, 0o644)
	}
	pages := pdfPages(t, pdf.Data)
	if len(pages) < 2 {
		t.Fatalf("40 items print on %d page(s)", len(pages))
	}
	for i, p := range pages {
		if p.width <= p.height {
			t.Errorf("page %d is %.0f×%.0f points, not landscape", i+1, p.width, p.height)
		}
		if p.width < 835 || p.width > 848 {
			t.Errorf("page %d is %.0f points wide, not A4", i+1, p.width)
		}
		// Where the machine lacks a Chinese font, Chromium draws the first
		// character of a run with no text behind it: the checks below
		// stay clear of the first cell of a line.
		for _, h := range []string{"项目名称", "主办单位", "活动类别", "联系电话"} {
			if !strings.Contains(p.text, h) {
				t.Errorf("page %d lacks the header %q:\n%s", i+1, h, p.text)
			}
		}
	}
	stamped := false
	for i, p := range pages {
		stamped = stamped || strings.Contains(p.text, "报单位（盖章）：华侨大学")
		if !strings.Contains(p.text, code) {
			t.Errorf("page %d lacks the verification code in its footer", i+1)
		}
	}
	if !stamped {
		t.Error("the stamp line is not printed")
	}

	// The organiser types the code from the paper into the receipt log.
	b.logout()
	b.login("admin")
	b.open("/campaigns/2026/paper", "#entry")
	b.fill("#entry", code)
	b.click(`#checkin-form button[type=submit]`, ".checkin-result")
	b.shows(".checkin-result", "已登记收到这份纸质件", "华侨大学")
	b.shows("main table", code, "华侨大学")
	b.capture("paper-receipts")

	// Anyone with the paper checks it on a phone, signed in or not.
	b.logout()
	b.open("/verify/"+strings.ReplaceAll(code, "-", ""), "main h1")
	b.shows("main", "不是当前已通过审核的版本", "华侨大学")
	b.capture("paper-verify")
}

// pdfPage is one page of a PDF: its size in points and the text drawn on
// it, decoded through the fonts' ToUnicode maps.
type pdfPage struct {
	width, height float64
	text          string
}

var (
	objRe      = regexp.MustCompile(`(?s)(\d+) 0 obj\s*(.*?)endobj`)
	refRe      = regexp.MustCompile(`/(\w+)\s+(\d+) 0 R`)
	mediaBoxRe = regexp.MustCompile(`/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]`)
	contentsRe = regexp.MustCompile(`/Contents\s*(?:(\d+) 0 R|\[([^\]]*)\])`)
	fontDictRe = regexp.MustCompile(`(?s)/Font\s*(?:<<(.*?)>>|(\d+) 0 R)`)
	toUniRe    = regexp.MustCompile(`/ToUnicode\s+(\d+) 0 R`)
	bfcharRe   = regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`)
	bfrangeRe  = regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`)
	hexPairRe  = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
	hexTripRe  = regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`)
	opRe       = regexp.MustCompile(`/(\w+)\s+[\d.]+\s+Tf|\[((?:[^\]\\]|\\.)*)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj|/ActualText\s*<(?:FEFF|feff)?([0-9A-Fa-f]*)>\s*>>\s*BDC|\b(EMC)\b`)
	hexRe      = regexp.MustCompile(`<([0-9A-Fa-f]*)>`)
)

// pdfPages reads the pages of a PDF as Chromium writes it: plain objects,
// Flate streams, Type0 fonts with ToUnicode maps and hex-string text.
func pdfPages(t *testing.T, data []byte) []pdfPage {
	t.Helper()
	objs := map[string][]byte{}
	for _, m := range objRe.FindAllSubmatch(data, -1) {
		objs[string(m[1])] = m[2]
	}
	stream := func(id string) []byte {
		o := objs[id]
		i := bytes.Index(o, []byte("stream"))
		j := bytes.LastIndex(o, []byte("endstream"))
		if i < 0 || j < i {
			return nil
		}
		raw := bytes.TrimLeft(o[i+len("stream"):j], "\r\n")
		if !bytes.Contains(o[:i], []byte("FlateDecode")) {
			return raw
		}
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("object %s: %v", id, err)
		}
		out, _ := io.ReadAll(zr)
		return out
	}
	cmaps := map[string]map[string]string{}
	cmapOf := func(fontID string) map[string]string {
		if m, ok := cmaps[fontID]; ok {
			return m
		}
		m := map[string]string{}
		if u := toUniRe.FindSubmatch(objs[fontID]); u != nil {
			cm := stream(string(u[1]))
			for _, block := range bfcharRe.FindAllSubmatch(cm, -1) {
				for _, p := range hexPairRe.FindAllSubmatch(block[1], -1) {
					m[strings.ToUpper(string(p[1]))] = utf16Hex(string(p[2]))
				}
			}
			for _, block := range bfrangeRe.FindAllSubmatch(cm, -1) {
				for _, p := range hexTripRe.FindAllSubmatch(block[1], -1) {
					lo, _ := strconv.ParseUint(string(p[1]), 16, 32)
					hi, _ := strconv.ParseUint(string(p[2]), 16, 32)
					dst, _ := strconv.ParseUint(string(p[3]), 16, 32)
					for g := lo; g <= hi && g-lo < 65536; g++ {
						m[fmt.Sprintf("%0*X", len(p[1]), g)] = string(rune(dst + g - lo))
					}
				}
			}
		}
		cmaps[fontID] = m
		return m
	}
	var pages []pdfPage
	pageRe := regexp.MustCompile(`/Type\s*/Page[^s]`)
	for _, o := range objs {
		if !pageRe.Match(o) {
			continue
		}
		var p pdfPage
		if mb := mediaBoxRe.FindSubmatch(o); mb != nil {
			x0, _ := strconv.ParseFloat(string(mb[1]), 64)
			y0, _ := strconv.ParseFloat(string(mb[2]), 64)
			x1, _ := strconv.ParseFloat(string(mb[3]), 64)
			y1, _ := strconv.ParseFloat(string(mb[4]), 64)
			p.width, p.height = x1-x0, y1-y0
		}
		// The fonts the page names, from its resources.
		res := o
		if r := regexp.MustCompile(`/Resources\s+(\d+) 0 R`).FindSubmatch(o); r != nil {
			res = objs[string(r[1])]
		}
		fonts := map[string]string{}
		if fd := fontDictRe.FindSubmatch(res); fd != nil {
			dict := fd[1]
			if len(fd[2]) > 0 {
				dict = objs[string(fd[2])]
			}
			for _, r := range refRe.FindAllSubmatch(dict, -1) {
				fonts[string(r[1])] = string(r[2])
			}
		}
		var content []byte
		if cm := contentsRe.FindSubmatch(o); cm != nil {
			ids := []string{string(cm[1])}
			if len(cm[2]) > 0 {
				ids = regexp.MustCompile(`(\d+) 0 R`).FindAllString(string(cm[2]), -1)
			}
			for _, cid := range ids {
				content = append(content, stream(strings.Fields(cid)[0])...)
			}
		}
		var text strings.Builder
		var cmap map[string]string
		// Text in a span with ActualText (glyphs a font lacks) is that
		// text, whatever glyphs draw it.
		actual := false
		for _, op := range opRe.FindAllSubmatch(content, -1) {
			switch {
			case len(op[1]) > 0:
				cmap = cmapOf(fonts[string(op[1])])
			case len(op[4]) > 0:
				text.WriteString(utf16Hex(string(op[4])))
				actual = true
			case len(op[5]) > 0:
				actual = false
			case actual:
			case len(op[2]) > 0:
				for _, h := range hexRe.FindAllSubmatch(op[2], -1) {
					text.WriteString(decodeGlyphs(string(h[1]), cmap))
				}
			default:
				text.WriteString(decodeGlyphs(string(op[3]), cmap))
			}
		}
		p.text = text.String()
		pages = append(pages, p)
	}
	return pages
}

// decodeGlyphs maps two-byte glyph ids to text through a ToUnicode map.
func decodeGlyphs(hex string, cmap map[string]string) string {
	var b strings.Builder
	for i := 0; i+4 <= len(hex); i += 4 {
		b.WriteString(cmap[strings.ToUpper(hex[i:i+4])])
	}
	return b.String()
}

// utf16Hex decodes a ToUnicode destination: UTF-16BE in hex.
func utf16Hex(h string) string {
	var units []uint16
	for i := 0; i+4 <= len(h); i += 4 {
		n, _ := strconv.ParseUint(h[i:i+4], 16, 16)
		units = append(units, uint16(n))
	}
	var b strings.Builder
	for i := 0; i < len(units); i++ {
		u := rune(units[i])
		if u >= 0xD800 && u < 0xDC00 && i+1 < len(units) {
			u = (u-0xD800)<<10 + (rune(units[i+1]) - 0xDC00) + 0x10000
			i++
		}
		b.WriteRune(u)
	}
	return b.String()
}
