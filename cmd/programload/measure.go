package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// measureOptions say what one measuring run does.
type measureOptions struct {
	base, campaign string
	pids           []int
	gzip           bool
	duration       time.Duration
	clients        int // concurrent requests of the closed-loop runs
	rate           int // searches a second
}

// result is one kind of request's figures.
type result struct {
	name    string
	ok      int
	failed  int
	took    time.Duration
	latency []time.Duration
}

func (r *result) perSecond() float64 { return float64(r.ok) / r.took.Seconds() }

func (r *result) pct(p float64) time.Duration {
	if len(r.latency) == 0 {
		return 0
	}
	return r.latency[min(len(r.latency)-1, int(float64(len(r.latency))*p))]
}

func (r *result) add(lat time.Duration, ok bool) {
	if ok {
		r.ok++
		r.latency = append(r.latency, lat)
	} else {
		r.failed++
	}
}

// values are the filter values of the campaign, read from its API so
// that each exists, and words of its activities.
type values struct {
	days, districts, provinces, cities, categories, audiences []string
	common, rare                                              []string
	pages                                                     int
}

// readValues pages through the campaign's API and gathers its values.
func readValues(client *http.Client, base, slug string) (values, error) {
	var v values
	seen := map[string]bool{}
	addTo := func(list *[]string, kind, s string) {
		if s != "" && !seen[kind+s] {
			seen[kind+s] = true
			*list = append(*list, s)
		}
	}
	// Ten pages spread over the program, the first telling how many.
	for k, page, pages := 0, 1, 1; k < 10 && page <= pages; k, page = k+1, 1+(k+1)*pages/10 {
		res, err := client.Get(base + "/api/v1/campaigns/" + slug + "/activities?per_page=100&page=" + strconv.Itoa(page))
		if err != nil {
			return v, err
		}
		var body struct {
			Total int `json:"total"`
			Items []struct {
				Title                              string `json:"title"`
				Start                              string `json:"start"`
				Unit                               struct{ Name string }
				District, Province, City, Category *struct{ Code string }
				Audiences                          []struct{ Code string }
			} `json:"items"`
		}
		err = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			return v, fmt.Errorf("the campaign's API: %s %v", res.Status, err)
		}
		v.pages, pages = max(1, body.Total/20), max(1, (body.Total+99)/100)
		for _, it := range body.Items {
			if len(it.Start) >= 10 {
				addTo(&v.days, "day", it.Start[:10])
			}
			for _, r := range []struct {
				list *[]string
				kind string
				ref  *struct{ Code string }
			}{{&v.districts, "d", it.District}, {&v.provinces, "p", it.Province}, {&v.cities, "c", it.City}, {&v.categories, "a", it.Category}} {
				if r.ref != nil {
					addTo(r.list, r.kind, r.ref.Code)
				}
			}
			for _, a := range it.Audiences {
				addTo(&v.audiences, "u", a.Code)
			}
			if t := []rune(it.Title); len(t) >= 4 {
				addTo(&v.common, "w", string(t[len(t)-4:len(t)-2]))
			}
			addTo(&v.rare, "r", it.Unit.Name)
		}
	}
	if len(v.days) == 0 {
		return v, errors.New("the campaign lists no activity")
	}
	return v, nil
}

// filterQuery is a new random combination of filters: each filter is set
// or not, to one of the values that exist.
func (v values) filterQuery(r *rand.Rand) url.Values {
	q := url.Values{}
	for _, f := range []struct {
		key  string
		list []string
	}{{"day", v.days}, {"district", v.districts}, {"province", v.provinces}, {"city", v.cities}, {"category", v.categories},
		{"audience", v.audiences}, {"mode", []string{"onsite", "online", "both"}}, {"q", v.common}} {
		if len(f.list) > 0 && r.IntN(3) == 0 {
			q.Set(f.key, f.list[r.IntN(len(f.list))])
		}
	}
	for _, flag := range []string{"open_day", "bookable"} {
		if r.IntN(5) == 0 {
			q.Set(flag, "true")
		}
	}
	q.Set("page", strconv.Itoa(1+r.IntN(min(v.pages, 50))))
	return q
}

// searchWord draws a search of one of the kinds the figures ask for.
func (v values) searchWord(r *rand.Rand, i int) string {
	switch i % 6 {
	case 0:
		return "科"
	case 1:
		return "科技"
	case 2:
		return v.common[r.IntN(len(v.common))]
	case 3:
		return v.rare[r.IntN(len(v.rare))]
	case 4:
		return "无此活动" + strconv.Itoa(i)
	}
	return string([]rune(strings.Repeat("科学技术普及", 170))[:1000]) // a 1,000-character query
}

// servers spreads requests over one or more servers in turn, as a load
// balancer in front of them would.
type servers struct {
	bases []string
	n     atomic.Uint64
}

// url is the address of path on the next server.
func (s *servers) url(path string) string {
	return s.bases[int(s.n.Add(1))%len(s.bases)] + path
}

// closedLoop runs clients that each send the next request when the last
// is answered, for the duration, and returns the figures; next gives the
// path of each request on the servers.
func closedLoop(client *http.Client, name string, o measureOptions, to *servers, next func(r *rand.Rand) string) *result {
	res := &result{name: name}
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := time.Now().Add(o.duration)
	began := time.Now()
	var seq atomic.Uint64
	for range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seq.Add(1), 17))
			for time.Now().Before(stop) {
				res.get(&mu, client, to.url(next(r)))
			}
		}()
	}
	wg.Wait()
	return res.done(began)
}

// openLoop sends requests at a fixed rate, each on its own whatever the
// ones before it took.
func openLoop(client *http.Client, name string, o measureOptions, to *servers, next func(r *rand.Rand, i int) string) *result {
	res := &result{name: name}
	var mu sync.Mutex
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(o.rate))
	defer tick.Stop()
	r := rand.New(rand.NewPCG(1, 17))
	began := time.Now()
	for i := range int(o.duration.Seconds() * float64(o.rate)) {
		<-tick.C
		u := to.url(next(r, i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			res.get(&mu, client, u)
		}()
	}
	wg.Wait()
	return res.done(began)
}

// get sends one request and counts it under mu.
func (r *result) get(mu *sync.Mutex, client *http.Client, u string) {
	lat, ok := get(client, u)
	mu.Lock()
	r.add(lat, ok)
	mu.Unlock()
}

// done ends a run that began at began.
func (r *result) done(began time.Time) *result {
	r.took = time.Since(began)
	slices.Sort(r.latency)
	return r
}

// visitors numbers the requests, each sent as its own visitor's address
// in X-Forwarded-For: a server run with --trust-proxy then counts them as
// the crowd they stand for, not one client over its rate limit.
var visitors atomic.Uint32

func get(client *http.Client, u string) (time.Duration, bool) {
	t0 := time.Now()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return time.Since(t0), false
	}
	n := visitors.Add(1)
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255))
	res, err := client.Do(req)
	if err != nil {
		return time.Since(t0), false
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return time.Since(t0), err == nil && res.StatusCode == http.StatusOK
}

// measure runs the program's figures side by side against running
// servers (one, or several sharing a database, taking requests in turn):
// a static file of the list page's bytes served from this process, the
// list page with a new filter combination each request, the cached list
// page, and uncached searches at a fixed rate. Without gzip the client
// does not ask for compression, so the servers and the static file send
// the same bytes and no run pays for inflating them here.
func measure(w io.Writer, o measureOptions) error {
	if o.base == "" || o.campaign == "" || o.clients < 1 || o.rate < 1 {
		return errors.New("--base, --campaign, and positive --clients and --rate are required")
	}
	app := &servers{}
	for _, b := range strings.Split(o.base, ",") {
		app.bases = append(app.bases, strings.TrimSuffix(strings.TrimSpace(b), "/"))
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1024, DisableCompression: !o.gzip}}
	v, err := readValues(client, app.bases[0], o.campaign)
	if err != nil {
		return err
	}
	list := "/campaigns/" + o.campaign + "/activities"
	res, err := client.Get(app.bases[0] + list)
	if err != nil {
		return err
	}
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		return fmt.Errorf("the list page: %s %v", res.Status, err)
	}
	// The static baseline: the list page's bytes, served by Go here.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mod := time.Now()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		http.ServeContent(w, r, "list.html", mod, strings.NewReader(string(page)))
	})}
	go srv.Serve(ln)
	defer srv.Close()
	static := &servers{bases: []string{"http://" + ln.Addr().String()}}

	fmt.Fprintf(w, "campaign %s on %d server(s): %d days, %d districts, %d provinces, %d cities, %d areas, %d audiences, %d pages; list page %d bytes; gzip %v\n",
		o.campaign, len(app.bases), len(v.days), len(v.districts), len(v.provinces), len(v.cities), len(v.categories), len(v.audiences), v.pages, len(page), o.gzip)
	fmt.Fprintf(w, "before: %s\n", machine(o.pids))
	base := closedLoop(client, "static file", o, static, func(*rand.Rand) string { return "/" })
	filtered := closedLoop(client, "new filters", o, app, func(r *rand.Rand) string { return list + "?" + v.filterQuery(r).Encode() })
	during := machine(o.pids)
	cached := closedLoop(client, "cached list", o, app, func(*rand.Rand) string { return list })
	search := openLoop(client, fmt.Sprintf("searches %d/s", o.rate), o, app, func(r *rand.Rand, i int) string {
		// A page number of its own keeps each search out of the cache.
		return list + "?" + url.Values{"q": {v.searchWord(r, i)}, "page": {strconv.Itoa(1 + i%3)}, "n": {strconv.Itoa(i)}}.Encode()
	})
	fmt.Fprintf(w, "%-14s %10s %8s %9s %9s %9s %9s %7s\n", "", "req/s", "× static", "p50", "p90", "p99", "max", "failed")
	for _, r := range []*result{base, filtered, cached, search} {
		fmt.Fprintf(w, "%-14s %10.0f %8.3f %9s %9s %9s %9s %7d\n", r.name, r.perSecond(), r.perSecond()/base.perSecond(),
			r.pct(0.5).Round(10*time.Microsecond), r.pct(0.9).Round(10*time.Microsecond), r.pct(0.99).Round(10*time.Microsecond),
			r.pct(1).Round(10*time.Microsecond), r.failed)
	}
	fmt.Fprintf(w, "under load: %s\nafter: %s\n", during, machine(o.pids))
	return nil
}

// machine is the servers' resident memory (given their pids) and the
// load average.
func machine(pids []int) string {
	out := ""
	for _, pid := range pids {
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(line, "VmRSS:") {
					out += "server " + strconv.Itoa(pid) + " RSS " + strings.Join(strings.Fields(strings.TrimPrefix(line, "VmRSS:")), " ") + "; "
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		out += "load average " + strings.Join(f[:3], " ")
	}
	return out
}
