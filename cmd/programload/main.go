// Command programload measures the public program under load: it seeds a
// SQLite data directory with a campaign of approved activities, serves a
// file of a given size as the static baseline, and fires GET requests at a
// fixed rate to report latency percentiles. run.sh beside it puts the steps
// together with wrk.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/app"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/demo"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/platform/clock"
)

const usage = `programload — load figures for the public program

  programload seed --data DIR [--n 2000]           a demo with N approved activities in the upcoming campaign
  programload static --file F --addr :8091         serve F as a static file at /file
  programload rate --url URL [--rate 200] [--duration 10s] [--search]
                                                   GET at a fixed rate; --search makes every request a new search
  programload measure --base URL --campaign SLUG [--pid PID] [--duration 10s] [--clients 16] [--rate 200]
                                                   side by side: a static file of the list page's bytes, the list
                                                   page with new filters each request, the cached list page and
                                                   uncached searches at --rate; req/s ratios, percentiles, RSS, load
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "programload:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("no command")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	switch args[0] {
	case "seed":
		data := fs.String("data", "", "data directory (empty or new)")
		n := fs.Int("n", 2000, "approved activities")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return seed(*data, *n)
	case "static":
		file := fs.String("file", "", "file to serve")
		addr := fs.String("addr", "127.0.0.1:8091", "listen address")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		body, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		mod := time.Now()
		http.HandleFunc("/file", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			http.ServeContent(w, r, "file.html", mod, strings.NewReader(string(body)))
		})
		return http.ListenAndServe(*addr, nil)
	case "rate":
		u := fs.String("url", "", "URL to GET")
		rate := fs.Int("rate", 200, "requests per second")
		d := fs.Duration("duration", 10*time.Second, "how long")
		search := fs.Bool("search", false, "a different search query each request, so none is answered from the cache")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return fire(*u, *rate, *d, *search)
	case "measure":
		var o measureOptions
		fs.StringVar(&o.base, "base", "http://127.0.0.1:8080", "the running server's address, or several servers' separated by commas (taking requests in turn)")
		fs.StringVar(&o.campaign, "campaign", "", "the campaign's slug")
		pids := fs.String("pid", "", "the servers' process ids, separated by commas, for their resident memory")
		fs.BoolVar(&o.gzip, "gzip", false, "ask for gzip answers (the static file is sent plain either way)")
		fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each kind of request runs")
		fs.IntVar(&o.clients, "clients", 16, "concurrent requests of the static, filter and cached runs")
		fs.IntVar(&o.rate, "rate", 200, "uncached searches a second")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		for _, p := range strings.FieldsFunc(*pids, func(r rune) bool { return r == ',' }) {
			pid, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				return fmt.Errorf("--pid: %q is not a process id", p)
			}
			o.pids = append(o.pids, pid)
		}
		return measure(os.Stdout, o)
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

var titles = []string{"人工智能科普展", "机器人编程体验", "科学实验秀", "海洋生物标本展", "茶叶品质检测技术讲座", "VR看世界遗产", "防疫知识讲座",
	"智能制造开放日", "青少年科学营", "科技成果惠民展", "农业技术下乡", "陶瓷新材料展", "石材加工技术展", "纺织服装智能制造", "科普微视频展播"}
var places = []string{"泉州科技馆", "华侨大学泉州校区", "泉州师范学院东海校区", "晋江市科技馆", "石狮市科技馆", "安溪县感德镇", "德化县陶瓷博物馆", "洛江区罗溪镇"}

// seed loads the demo's organisations and campaigns into a new SQLite
// directory and files, submits and approves n projects for the upcoming
// campaign, spread over the demo's units.
func seed(dir string, n int) error {
	if dir == "" {
		return errors.New("--data is required")
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Now()
	a, err := app.Open(ctx, app.Config{DataDir: dir}, log, clock.NewFixed(now))
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := demo.Load(ctx, a.Accounts, a.Campaigns, nil, now); err != nil {
		return err
	}
	sys := account.AsSystem(ctx)
	cs, err := a.Campaigns.List(sys, campaign.Filter{})
	if err != nil {
		return err
	}
	var c campaign.Campaign
	for _, x := range cs {
		if x.PhaseAt(now) == campaign.PhaseFiling {
			c = x
		}
	}
	if c.ID == 0 {
		return errors.New("the demo has no campaign open for filing")
	}
	owner, err := a.Accounts.OrgByID(sys, c.OwnerOrgID)
	if err != nil {
		return err
	}
	orgs, err := a.Accounts.Subtree(sys, owner)
	if err != nil {
		return err
	}
	var units []account.Organisation
	for _, o := range orgs {
		if o.ID != owner.ID && o.Status == account.StatusActive {
			units = append(units, o)
		}
	}
	start := time.Now()
	days := c.Days()
	for u, org := range units {
		var items []filing.Values
		for i := u; i < n; i += len(units) {
			day := days[i%len(days)]
			h := 8 + i%10
			items = append(items, filing.Values{
				filing.KeyTitle: fmt.Sprintf("%s（第%d场）", titles[i%len(titles)], i+1), filing.KeyHost: org.Name,
				filing.KeyCategory: c.Categories[i%len(c.Categories)].Name, filing.KeyMode: filing.Modes[i%7%3],
				filing.KeyStart:    day.Add(time.Duration(h) * time.Hour).Format("2006-01-02 15:04"),
				filing.KeyEnd:      day.Add(time.Duration(h+2) * time.Hour).Format("2006-01-02 15:04"),
				filing.KeyPlace:    places[i%len(places)] + strconv.Itoa(i%30+1) + "号厅",
				filing.KeyContent:  "面向公众的科普活动，介绍" + titles[(i+3)%len(titles)] + "的科学原理，现场互动体验。",
				filing.KeyAudience: c.Audiences[i%len(c.Audiences)].Name, filing.KeyExpected: strconv.Itoa(50 + i%500),
				filing.KeyContact: "联络员", filing.KeyPhone: "0595-22579330",
			})
		}
		if len(items) == 0 {
			continue
		}
		f, err := a.Filings.ImportItems(sys, c, org.Code, 1, items)
		if err != nil {
			return fmt.Errorf("%s: %w", org.Code, err)
		}
		if f, err = a.Filings.Submit(sys, f.ID, f.Version); err != nil {
			return fmt.Errorf("%s submit: %w", org.Code, err)
		}
		for f.State == filing.StateSubmitted {
			if err := a.Filings.Approve(sys, f.ID, f.Version, ""); err != nil {
				return fmt.Errorf("%s approve: %w", org.Code, err)
			}
			if f, err = a.Filings.Get(sys, f.ID); err != nil {
				return err
			}
		}
	}
	o, err := a.Program.Overview(ctx, c)
	if err != nil {
		return err
	}
	fmt.Printf("campaign %s: %d approved activities from %d units in %s (%s)\n", c.Slug, o.Activities, len(o.Units), time.Since(start).Round(time.Millisecond), filepath.Join(dir, "sciweek.db"))
	return nil
}

var queries = []string{"科技", "人工智能", "机器人", "茶", "泉州科技馆", "实验", "展", "VR", "陶瓷 材料", "科普 讲座", "海洋", "智能制造", "第1", "防疫"}

// fire sends GETs at a fixed rate, each on its own, whatever the answers
// before it took, and prints the latency percentiles.
func fire(target string, rate int, d time.Duration, search bool) error {
	if target == "" || rate <= 0 {
		return errors.New("--url and a positive --rate are required")
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 0}}
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	total := int(d.Seconds() * float64(rate))
	began := time.Now()
	for i := 0; i < total; i++ {
		<-tick.C
		u := target
		if search {
			q := url.Values{"q": {queries[i%len(queries)]}, "page": {strconv.Itoa(1 + i/len(queries)%3)}, "n": {strconv.Itoa(i)}}
			sep := "?"
			if strings.Contains(u, "?") {
				sep = "&"
			}
			u += sep + q.Encode()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			res, err := client.Get(u)
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			el := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || res.StatusCode != 200 {
				errs++
				return
			}
			lat = append(lat, el)
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	fmt.Printf("%d requests at %d/s over %s: %d ok, %d failed; p50 %s, p90 %s, p99 %s, max %s\n",
		total, rate, time.Since(began).Round(time.Millisecond), len(lat), errs,
		pct(0.50).Round(10*time.Microsecond), pct(0.90).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), pct(1).Round(10*time.Microsecond))
	return nil
}
