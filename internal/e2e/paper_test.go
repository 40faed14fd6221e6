package e2e_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
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

// pdfPage is one page of a PDF: its size in points and its text, with
// the white space between words and lines taken out (a header cell may
// wrap).
type pdfPage struct {
	width, height float64
	text          string
}

var pageSizeRe = regexp.MustCompile(`(?m)^Page\s+(\d+)\s+size:\s+([\d.]+) x ([\d.]+) pts`)

// pdfPages reads the pages of a PDF with poppler's pdfinfo and pdftotext,
// which read every font Chromium embeds (CID, Type 3 for synthesised
// bold). Without them the test skips, naming the package.
func pdfPages(t *testing.T, data []byte) []pdfPage {
	t.Helper()
	for _, tool := range []string{"pdfinfo", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian package poppler-utils): the printed pages cannot be read", tool)
		}
	}
	file := filepath.Join(t.TempDir(), "print.pdf")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command("pdfinfo", "-f", "1", "-l", "1000", file).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	var pages []pdfPage
	for _, m := range pageSizeRe.FindAllStringSubmatch(string(info), -1) {
		var p pdfPage
		p.width, _ = strconv.ParseFloat(m[2], 64)
		p.height, _ = strconv.ParseFloat(m[3], 64)
		text, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", "-f", m[1], "-l", m[1], file, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext page %s: %v", m[1], err)
		}
		p.text = strings.Join(strings.Fields(string(text)), "")
		pages = append(pages, p)
	}
	return pages
}
