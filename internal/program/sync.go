package program

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/filing"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// FilingChanged brings the program in line with one filing after it was
// approved, reopened or returned; filingID 0 re-reads every filing of the
// campaign (its form changed). It is the hook filing.Service calls.
func (s *Service) FilingChanged(ctx context.Context, campaignID, filingID int64) {
	var err error
	if filingID == 0 {
		err = s.syncCampaign(ctx, campaignID)
	} else {
		err = s.syncFiling(ctx, filingID)
	}
	if err == nil {
		err = s.patch(ctx, campaignID, filingID)
	}
	if err != nil {
		s.Log.Error("program sync", "campaign", campaignID, "filing", filingID, "err", err)
		s.Invalidate()
		return
	}
	// The indexes hold the change already: only what was made from them
	// is dropped here; other servers patch theirs the same way.
	s.forget(false)
	if s.Peers != nil {
		s.Peers.ProgramChanged(campaignID, filingID)
	}
}

// rebuildInline is how many filings start-up syncs before it serves; more
// are synced in the background.
const rebuildInline = 200

// Rebuild brings the program in line with the approved tables at start-up.
// It compares each filing's approved revision with the one its program
// rows were written from, one query each side, and syncs only the filings
// that differ: a few before serving, more in the background, so start-up
// never waits on a whole national program.
func (s *Service) Rebuild(ctx context.Context) error {
	behind, err := s.behind(ctx)
	if err != nil {
		return err
	}
	if len(behind) <= rebuildInline {
		err = s.syncFilings(ctx, behind)
		s.InvalidateLocal() // at start-up: the other servers' pages are theirs
		go s.warm(context.WithoutCancel(ctx))
		return err
	}
	s.Log.Info("program sync runs in the background", "filings", len(behind))
	go func() {
		started := time.Now()
		if err := s.syncFilings(context.WithoutCancel(ctx), behind); err != nil {
			s.Log.Error("program sync", "err", err)
		}
		s.Log.Info("program synced", "filings", len(behind), "took", time.Since(started))
		s.InvalidateLocal()
		s.warm(context.WithoutCancel(ctx))
	}()
	return nil
}

// warm builds the index of every public campaign chain, after start-up,
// so the first visitor does not wait for it.
func (s *Service) warm(ctx context.Context) {
	cs, err := s.Campaigns.List(account.AsSystem(ctx), campaign.Filter{})
	if err != nil {
		return
	}
	for _, c := range cs {
		if c.ParentID == 0 && c.State != campaign.StateDraft {
			if _, _, err := s.indexFor(ctx, c); err != nil {
				s.Log.Warn("program index", "campaign", c.Slug, "err", err)
			}
		}
	}
}

// behind lists the filings whose approved revision is not the one the
// program was last written from.
func (s *Service) behind(ctx context.Context) ([]int64, error) {
	revs, err := s.Filings.ApprovedRevisions(account.AsSystem(ctx))
	if err != nil {
		return nil, err
	}
	synced, err := db.Pairs[int64, int](ctx, s.DB, `SELECT filing_id, revision FROM program_synced`)
	if err != nil {
		return nil, err
	}
	// A loader that wrote the program's rows of approved filings without
	// recording it (a database from before program_synced was kept by
	// every writer) has them taken as written from the approved revision:
	// only the filings without a record are asked about.
	var unrecorded []int64
	for id, r := range revs {
		if _, ok := synced[id]; !ok && r.Number > 0 {
			unrecorded = append(unrecorded, id)
		}
	}
	published, err := s.filingsWithRows(ctx, unrecorded)
	if err != nil {
		return nil, err
	}
	var out []int64
	for id, r := range revs {
		rev, ok := synced[id]
		if !ok && published[id] {
			continue
		}
		if r.Number != rev {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, nil
}

// filingsWithRows are those of the filings with activities stored,
// listed or not.
func (s *Service) filingsWithRows(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for chunk := range slices.Chunk(ids, 500) {
		in, args := db.In("filing_id", chunk)
		some, err := db.Set[int64](ctx, s.DB, `SELECT DISTINCT filing_id FROM program_activities WHERE `+in, args...)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, some)
	}
	return out, nil
}

func (s *Service) syncFilings(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if err := s.syncFiling(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) syncCampaign(ctx context.Context, campaignID int64) error {
	ids, err := s.Filings.IDs(ctx, campaignID)
	if err != nil {
		return err
	}
	return s.syncFilings(ctx, ids)
}

// syncFiling writes the items of the filing's approved revision as
// activities, keeping the id of each item already listed, and unlists the
// items the approved revision no longer holds.
func (s *Service) syncFiling(ctx context.Context, filingID int64) error {
	sys := account.AsSystem(ctx)
	f, err := s.Filings.Get(sys, filingID)
	if err != nil {
		return err
	}
	c, err := s.Campaigns.Get(sys, f.CampaignSlug)
	if err != nil {
		return err
	}
	items, err := s.Filings.ApprovedRevisionItems(sys, f)
	if err != nil {
		return err
	}
	t, _, err := s.Filings.Template(sys, c, f.Table)
	if err != nil {
		return err
	}
	org, err := s.Accounts.OrgByID(sys, f.OrgID)
	if err != nil {
		return err
	}
	district := s.districtOf(sys, org, c.OwnerOrgID)
	province, city, err := s.levelsOf(sys, c, org)
	if err != nil {
		return err
	}
	var acts []Activity
	for i, it := range items {
		a, ok := fromItem(c, t, f.Table, it.Values)
		if !ok {
			continue // an approved item always reads; a hand-edited one may not
		}
		a.CampaignID, a.FilingID, a.ItemUID, a.Position = c.ID, f.ID, it.UID, i
		a.UnitCode, a.UnitName = org.Code, org.Name
		a.DistrictCode, a.DistrictName = district.Code, district.Name
		a.ProvinceCode, a.ProvinceName, a.CityCode, a.CityName = province.Code, province.Name, city.Code, city.Name
		acts = append(acts, a)
	}
	now := db.At(s.Clock.Now())
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		old, err := stored(ctx, tx, f.ID)
		if err != nil {
			return err
		}
		keep := map[string]bool{}
		for _, a := range acts {
			keep[a.ItemUID] = true
			d := digest(&a)
			if o, ok := old[a.ItemUID]; ok && o.listed && o.digest == d {
				continue // unchanged: its updated_at and ETags stay
			}
			if err := upsert(ctx, tx, &a, d, now); err != nil {
				return err
			}
		}
		for uid, o := range old {
			if o.listed && !keep[uid] {
				if _, err := tx.Exec(ctx, `UPDATE program_activities SET listed = FALSE, updated_at = ? WHERE id = ?`, now, o.id); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO program_synced (filing_id, revision) VALUES (?, ?)
			ON CONFLICT (filing_id) DO UPDATE SET revision = excluded.revision`, f.ID, f.ApprovedRevision); err != nil {
			return err
		}
		return nil
	})
}

type storedRow struct {
	id     int64
	digest string
	listed bool
}

// stored returns the filing's activities as stored, by item uid.
func stored(ctx context.Context, tx *db.Tx, filingID int64) (map[string]storedRow, error) {
	rows, err := tx.Query(ctx, `SELECT id, item_uid, digest, listed FROM program_activities WHERE filing_id = ?`, filingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]storedRow{}
	for rows.Next() {
		var r storedRow
		var uid string
		if err := rows.Scan(&r.id, &uid, &r.digest, &r.listed); err != nil {
			return nil, err
		}
		out[uid] = r
	}
	return out, rows.Err()
}

// digest sums what the program shows of an activity, so an unchanged one
// is left alone.
func digest(a *Activity) string {
	b, _ := json.Marshal(a)
	sum := sha256.Sum256(append(b, searchText(a)...))
	return hex.EncodeToString(sum[:16])
}

// districtOf is the organisation one level below the organiser on org's
// path: the district bureau it files under (itself for a district).
func (s *Service) districtOf(ctx context.Context, org account.Organisation, ownerID int64) account.Organisation {
	ids := append(org.AncestorIDs(), org.ID)
	for i, id := range ids {
		if id == ownerID && i+1 < len(ids) {
			if d, err := s.Accounts.OrgByID(ctx, ids[i+1]); err == nil {
				return d
			}
		}
	}
	return account.Organisation{}
}

// levelsOf is the province and the city of an activity of c filed by org.
// The top of a campaign chain is the national level: the organiser of the
// chain's second level is the province, of its third the city; below the
// lowest campaign the organisation tree goes on, so a unit filing straight
// with its province has the city bureau above it as its city. A campaign
// outside any chain has neither.
func (s *Service) levelsOf(ctx context.Context, c campaign.Campaign, org account.Organisation) (province, city account.Organisation, err error) {
	if c.ParentID == 0 {
		return province, city, nil
	}
	chain, err := s.Campaigns.Ancestors(ctx, c)
	if err != nil {
		return province, city, err
	}
	var levels []int64
	for _, x := range append(chain, c) {
		levels = append(levels, x.OwnerOrgID)
	}
	path := append(org.AncestorIDs(), org.ID)
	for i, id := range path {
		if id == c.OwnerOrgID {
			for _, below := range path[i+1:] {
				if below != org.ID || org.Kind == account.KindBureau {
					levels = append(levels, below)
				}
			}
		}
	}
	if len(levels) > 1 {
		if province, err = s.Accounts.OrgByID(ctx, levels[1]); err != nil {
			return province, city, err
		}
	}
	if len(levels) > 2 {
		city, err = s.Accounts.OrgByID(ctx, levels[2])
	}
	return province, city, err
}

func upsert(ctx context.Context, tx *db.Tx, a *Activity, digest string, now db.Time) error {
	sessions, _ := json.Marshal(a.Sessions)
	fields, _ := json.Marshal(a.Fields)
	_, err := tx.Exec(ctx, `INSERT INTO program_activities (campaign_id, filing_id, item_uid, table_no, listed, position, title, unit_code, unit_name,
		district_code, district_name, province_code, province_name, city_code, city_name, host, organizer, category_code, category_name, audience_codes, audience_names, mode, start_at, end_at, days,
		sessions, address, content, online_url, capacity, expected, fields, search_text, digest, updated_at)
		VALUES (?, ?, ?, ?, TRUE, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (filing_id, item_uid) DO UPDATE SET listed = TRUE, position = excluded.position, title = excluded.title,
		unit_code = excluded.unit_code, unit_name = excluded.unit_name, district_code = excluded.district_code,
		district_name = excluded.district_name, province_code = excluded.province_code, province_name = excluded.province_name,
		city_code = excluded.city_code, city_name = excluded.city_name, host = excluded.host, organizer = excluded.organizer,
		category_code = excluded.category_code, category_name = excluded.category_name, audience_codes = excluded.audience_codes,
		audience_names = excluded.audience_names, mode = excluded.mode, start_at = excluded.start_at, end_at = excluded.end_at,
		days = excluded.days, sessions = excluded.sessions, address = excluded.address, content = excluded.content,
		online_url = excluded.online_url, capacity = excluded.capacity, expected = excluded.expected, fields = excluded.fields,
		search_text = excluded.search_text, digest = excluded.digest, updated_at = excluded.updated_at`,
		a.CampaignID, a.FilingID, a.ItemUID, tableOf(a.Kind), a.Position, a.Title, a.UnitCode, a.UnitName,
		a.DistrictCode, a.DistrictName, a.ProvinceCode, a.ProvinceName, a.CityCode, a.CityName, a.Host, a.Organizer, a.CategoryCode, a.CategoryName, joinList(a.AudienceCodes), joinList(a.AudienceNames),
		string(a.Mode), db.At(a.Start), db.At(a.End), joinList(a.Days), string(sessions), a.Address, a.Content, a.OnlineURL,
		a.Capacity, a.Expected, string(fields), searchText(a), digest, now)
	return err
}

func tableOf(k Kind) int {
	if k == KindOpenDay {
		return 2
	}
	return 1
}

// joinList stores a list as ",a,b," so one value is found with LIKE '%,a,%'.
func joinList(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return "," + strings.Join(xs, ",") + ","
}

func splitList(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

var urlRe = regexp.MustCompile(`https?://[^\s，。；、“”"'<>（）()]+`)

// modeOf reads 活动形式.
func modeOf(v string) Mode {
	switch v {
	case filing.Modes[1]:
		return ModeOnline
	case filing.Modes[2]:
		return ModeBoth
	}
	return ModeOnsite
}

// fromItem reads one approved item as an activity; false when it has no
// readable time.
func fromItem(c campaign.Campaign, t filing.Template, table int, v filing.Values) (Activity, bool) {
	year := c.Start.Year()
	var a Activity
	a.CampaignSlug = c.Slug
	for _, f := range t.Fields {
		if f.Public && strings.TrimSpace(v[f.Key]) != "" {
			a.Fields = append(a.Fields, Field{Key: f.Key, Label: f.Label, LabelEn: f.LabelEn, Value: v[f.Key]})
		}
	}
	if table == 2 {
		a.Kind, a.Mode = KindOpenDay, ModeOnsite
		if unit := strings.TrimSpace(v[filing.KeyUnitName]); unit != "" {
			a.Title = unit + "开放日"
		}
		a.Content, a.Address = v[filing.KeyOpenContent], v[filing.KeyAddress]
		slots, _, ok := filing.ParseSlots(v[filing.KeySlots], c.Start, c.End)
		if !ok {
			return a, false
		}
		for _, sl := range slots {
			a.Sessions = append(a.Sessions, Session{Start: sl.Start.In(clock.Zone), End: sl.End.In(clock.Zone)})
		}
		a.Capacity, _ = strconv.Atoi(v[filing.KeyCapacity])
	} else {
		a.Kind = KindProject
		a.Title = strings.TrimSpace(v[filing.KeyTitle])
		a.Host, a.Organizer = v[filing.KeyHost], v[filing.KeyOrganizer]
		a.Mode = modeOf(v[filing.KeyMode])
		a.Content, a.Address = v[filing.KeyContent], v[filing.KeyPlace]
		a.Expected, _ = strconv.Atoi(v[filing.KeyExpected])
		start, startClock, ok1 := filing.ParseDateTime(v[filing.KeyStart], year)
		end, endClock, ok2 := filing.ParseDateTime(v[filing.KeyEnd], year)
		if !ok1 {
			return a, false
		}
		if !ok2 || end.Before(start) {
			end, endClock = start, startClock
		}
		if !endClock {
			end = end.Add(24*time.Hour - time.Minute) // a date alone runs to the end of the day
		}
		a.Sessions = []Session{{Start: start.In(clock.Zone), End: end.In(clock.Zone)}}
		for _, term := range c.Categories {
			if term.Name == v[filing.KeyCategory] {
				a.CategoryCode, a.CategoryName = term.Code, term.Name
			}
		}
		for _, name := range strings.Split(strings.ReplaceAll(v[filing.KeyAudience], "\r\n", "\n"), "\n") {
			for _, term := range c.Audiences {
				if term.Name == strings.TrimSpace(name) {
					a.AudienceCodes = append(a.AudienceCodes, term.Code)
					a.AudienceNames = append(a.AudienceNames, term.Name)
				}
			}
		}
	}
	if a.Title == "" || len(a.Sessions) == 0 {
		return a, false
	}
	sort.Slice(a.Sessions, func(i, j int) bool { return a.Sessions[i].Start.Before(a.Sessions[j].Start) })
	a.Start, a.End = a.Sessions[0].Start, a.Sessions[0].End
	for _, s := range a.Sessions {
		if s.End.After(a.End) {
			a.End = s.End
		}
	}
	seen := map[string]bool{}
	for _, s := range a.Sessions {
		for d := dayOf(s.Start); !d.After(s.End.In(clock.Zone)); d = d.AddDate(0, 0, 1) {
			k := d.Format("2006-01-02")
			if !seen[k] {
				seen[k] = true
				a.Days = append(a.Days, k)
			}
		}
	}
	sort.Strings(a.Days)
	if a.Online() {
		for _, text := range []string{a.Address, a.Content} {
			if u := urlRe.FindString(text); u != "" {
				a.OnlineURL = u
				break
			}
		}
		for _, f := range a.Fields {
			if a.OnlineURL == "" {
				a.OnlineURL = urlRe.FindString(f.Value)
			}
		}
	}
	return a, true
}

func dayOf(t time.Time) time.Time {
	t = t.In(clock.Zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, clock.Zone)
}

func errNoActivity(id any) error { return errs.NotFoundf("activity %v", fmt.Sprint(id)) }
