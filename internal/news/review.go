package news

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/review"
)

func (s *Service) engine() *review.Engine {
	return &review.Engine{DB: s.DB, Audit: s.Audit, Clock: s.Clock}
}

// kind is how the review engine stores articles.
var kind = review.Kind{Name: "news", Table: "articles", Events: "news_events", EventsColumn: "article_id"}

func subject(a Article, org account.Organisation, owner int64) review.Subject {
	return review.Subject{ID: a.ID, Org: org, State: a.State, Stage: a.StageOrgID, Version: a.Version, Owner: owner}
}

// load returns an article for an action on it, whoever asks (the rules
// decide), as its organisation sees it, with the organisation and the
// campaign. Errors: NotFound.
func (s *Service) load(ctx context.Context, id int64) (Article, account.Organisation, campaign.Campaign, error) {
	a, err := s.Get(account.AsSystem(ctx), id)
	if err != nil {
		return a, account.Organisation{}, campaign.Campaign{}, err
	}
	org, c, err := review.Place(ctx, s.Accounts, s.Campaigns, a.OrgID, a.CampaignSlug)
	return a, org, c, err
}

// content is what an author writes: the article's columns, or, while an
// approved revision is public, the changed revision awaiting review.
type content struct {
	SectionID   int64     `json:"section_id"`
	SectionCode string    `json:"section"`
	Title       string    `json:"title"`
	Summary     string    `json:"summary"`
	Body        string    `json:"body"`
	Link        string    `json:"link"`
	CoverKey    string    `json:"cover_key"`
	CoverType   string    `json:"cover_type"`
	PublishAt   time.Time `json:"publish_at"`
}

func contentOf(a Article) content {
	return content{a.SectionID, a.SectionCode, a.Title, a.Summary, a.Body, a.Link, a.CoverKey, a.CoverType, a.PublishAt}
}

// withPending is the article as its pending revision would make it.
func (a Article) withPending() Article {
	var p content
	if a.pending == "" || json.Unmarshal([]byte(a.pending), &p) != nil {
		return a
	}
	a.SectionID, a.SectionCode, a.Title, a.Summary, a.Body, a.Link = p.SectionID, p.SectionCode, p.Title, p.Summary, p.Body, p.Link
	a.CoverKey, a.CoverType, a.PublishAt, a.Pending = p.CoverKey, p.CoverType, inZone(p.PublishAt), true
	return a
}

// compose is what the author wrote over base, with a new cover stored and
// the publish time settled, and the notes for the author.
func (s *Service) compose(ctx context.Context, base content, live bool, in Input, k checked, submit bool) (content, []Note, error) {
	notes := Removals(in.Body)
	cn := content{k.section.ID, k.section.Code, in.Title, in.Summary, in.Body, in.Link, base.CoverKey, base.CoverType, k.publishAt}
	if k.cover != nil {
		key := blob.NewKey("news")
		if _, err := s.Blobs.Put(ctx, key, bytes.NewReader(k.cover), MaxCoverBytes); err != nil {
			return cn, notes, err
		}
		cn.CoverKey, cn.CoverType = key, k.coverType
	} else if in.RemoveCover {
		cn.CoverKey, cn.CoverType = "", ""
	}
	if at := cn.PublishAt; at.IsZero() || at.Before(s.now()) {
		if !at.IsZero() && submit {
			notes = append(notes, Note{Field: "publish_at", Msg: errs.Msg{Key: "news.note.published_now"}})
		}
		cn.PublishAt = s.now()
		if live {
			cn.PublishAt = base.PublishAt // a public article keeps its date
		}
	}
	return cn, notes, nil
}

// ownSection refuses a section the organisation does not publish in: the
// notices are the organiser's.
func (s *Service) ownSection(ctx context.Context, c campaign.Campaign, org account.Organisation, sec Section) error {
	if sec.Code == SectionNotices && org.ID != c.OwnerOrgID {
		f := errs.Fields{}
		f.Add("section", "review.error.section_not_own")
		return f.Err()
	}
	return nil
}

// Create writes a new article for the caller's organisation. With submit,
// it goes to review along the organisation tree; the organiser's own is
// approved at once. It returns notes for the author: what the sanitiser
// will remove, and a past publish time taken as now. Errors: Forbidden,
// Invalid.
func (s *Service) Create(ctx context.Context, c campaign.Campaign, in Input, submit bool) (Article, []Note, error) {
	p := account.FromContext(ctx)
	if p == nil || !s.inTree(ctx, c, p.Org) {
		return Article{}, nil, errs.ForbiddenErr()
	}
	if _, err := s.engine().Edit(ctx, kind, review.Subject{Org: p.Org, State: StateDraft, Owner: c.OwnerOrgID}); err != nil {
		return Article{}, nil, err
	}
	k, err := s.check(ctx, c, &in)
	if err == nil {
		err = s.ownSection(ctx, c, p.Org, k.section)
	}
	if err != nil {
		return Article{}, nil, err
	}
	cn, notes, err := s.compose(ctx, content{}, false, in, k, submit)
	if err != nil {
		return Article{}, notes, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		now := db.At(s.now())
		if err := tx.QueryRow(ctx, `INSERT INTO articles (campaign_id, section_id, org_id, title, summary, body, link, cover_key, cover_type, publish_at,
			state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?) RETURNING id`,
			c.ID, cn.SectionID, p.Org.ID, cn.Title, cn.Summary, cn.Body, cn.Link, cn.CoverKey, cn.CoverType, db.At(cn.PublishAt), now, now).Scan(&id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "news.create", "article", id, map[string]any{"title": in.Title})
	})
	if err != nil {
		return Article{}, notes, err
	}
	return s.saved(ctx, id, submit, notes)
}

// Update saves an article its organisation is writing. Changing one that
// is approved makes a new revision: the approved one stays public until
// the new one is approved. With submit it goes to review. Errors:
// NotFound, Forbidden, Invalid, Conflict.
func (s *Service) Update(ctx context.Context, id int64, version int, in Input, submit bool) (Article, []Note, error) {
	a, org, c, err := s.load(ctx, id)
	if err != nil {
		return a, nil, err
	}
	sub := subject(a, org, c.OwnerOrgID)
	if _, err := s.engine().Edit(ctx, kind, sub); err != nil {
		return a, nil, err
	}
	if a.Version != version {
		return a, nil, review.Changed()
	}
	k, err := s.check(ctx, c, &in)
	if err == nil {
		err = s.ownSection(ctx, c, org, k.section)
	}
	if err != nil {
		return a, nil, err
	}
	cn, notes, err := s.compose(ctx, contentOf(a), a.Live, in, k, submit)
	if err != nil {
		return a, notes, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		q := `UPDATE articles SET section_id = ?, title = ?, summary = ?, body = ?, link = ?, cover_key = ?, cover_type = ?, publish_at = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`
		args := []any{cn.SectionID, cn.Title, cn.Summary, cn.Body, cn.Link, cn.CoverKey, cn.CoverType, db.At(cn.PublishAt)}
		if a.Live {
			b, _ := json.Marshal(cn)
			q, args = `UPDATE articles SET pending = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, []any{string(b)}
		}
		res, err := tx.Exec(ctx, q, append(args, db.At(s.now()), id, version)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return review.Changed()
		}
		if err := s.Audit.Record(ctx, tx, "news.update", "article", id, map[string]any{"title": in.Title, "pending": a.Live}); err != nil {
			return err
		}
		sub.Version++
		return s.engine().Revise(ctx, tx, kind, sub)
	})
	if err != nil {
		return a, notes, err
	}
	return s.saved(ctx, id, submit, notes)
}

// saved sends a stored article on to review when asked, and returns it.
func (s *Service) saved(ctx context.Context, id int64, submit bool, notes []Note) (Article, []Note, error) {
	if submit {
		var version int
		if err := s.DB.QueryRow(ctx, `SELECT version FROM articles WHERE id = ?`, id).Scan(&version); err != nil {
			return Article{}, notes, err
		}
		a, err := s.Submit(ctx, id, version)
		return a, notes, err
	}
	a, err := s.Get(ctx, id)
	return a, notes, err
}

// Submit sends an article, as it is, for review along the organisation
// tree; the organiser's own is approved at once. Errors: NotFound,
// Forbidden, Conflict.
func (s *Service) Submit(ctx context.Context, id int64, version int) (Article, error) {
	a, org, c, err := s.load(ctx, id)
	if err != nil {
		return a, err
	}
	if _, err := s.engine().Submit(ctx, kind, subject(a, org, c.OwnerOrgID), version, review.Step{Set: "comment = ''", Then: s.promote(ctx, id)}); err != nil {
		return a, err
	}
	return s.Get(ctx, id)
}

// promote is what the last approval of article id does, in its
// transaction: the pending revision becomes the public one, and a publish
// time that passed while a first revision waited means now.
func (s *Service) promote(ctx context.Context, id int64) func(tx *db.Tx, to review.State) error {
	return func(tx *db.Tx, to review.State) error {
		if to != StateApproved {
			return nil
		}
		var pending string
		if err := tx.QueryRow(ctx, `SELECT pending FROM articles WHERE id = ?`, id).Scan(&pending); err != nil {
			return err
		}
		if pending != "" {
			var cn content
			if err := json.Unmarshal([]byte(pending), &cn); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE articles SET section_id = ?, title = ?, summary = ?, body = ?, link = ?, cover_key = ?, cover_type = ?,
				publish_at = ? WHERE id = ?`, cn.SectionID, cn.Title, cn.Summary, cn.Body, cn.Link, cn.CoverKey, cn.CoverType, db.At(cn.PublishAt), id); err != nil {
				return err
			}
		}
		now := db.At(s.now())
		_, err := tx.Exec(ctx, `UPDATE articles SET publish_at = CASE WHEN live = 0 AND publish_at < ? THEN ? ELSE publish_at END, live = 1, pending = ''
			WHERE id = ?`, now, now, id)
		return err
	}
}

// Approve passes an article at the caller's level, with an optional
// comment: a district forwards it to the level above, the organiser
// publishes it. Errors: NotFound, Forbidden, Conflict (not under review;
// someone else decided first).
func (s *Service) Approve(ctx context.Context, id int64, version int, comment string) (Article, error) {
	a, org, c, err := s.load(ctx, id)
	if err != nil {
		return a, err
	}
	if _, err := s.engine().Approve(ctx, kind.Telling(s.Notices, c, a.Title, a.URL()), subject(a, org, c.OwnerOrgID), version, comment, s.orgName(ctx, a.StageOrgID),
		review.Step{Then: s.promote(ctx, id)}); err != nil {
		return a, err
	}
	return s.Get(ctx, id)
}

// Return sends an article back to its author with a comment. Errors:
// NotFound, Forbidden, Conflict, Invalid (no comment).
func (s *Service) Return(ctx context.Context, id int64, version int, comment string) error {
	a, org, c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	return s.engine().Return(ctx, kind.Telling(s.Notices, c, a.Title, a.URL()), subject(a, org, c.OwnerOrgID), version, comment, nil, s.orgName(ctx, a.StageOrgID),
		review.Step{Set: "comment = ?", Args: []any{strings.TrimSpace(comment)}})
}

// Reopen takes a submitted or approved article back into a draft to change
// it; an approved revision stays public until the changed one is approved.
// Errors: NotFound, Forbidden, Conflict.
func (s *Service) Reopen(ctx context.Context, id int64, version int) error {
	a, org, c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	return s.engine().Reopen(ctx, kind, subject(a, org, c.OwnerOrgID), version, review.Step{})
}

// Events lists an article's review history, oldest first.
func (s *Service) Events(ctx context.Context, id int64) ([]review.Event, error) {
	a, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.inChain(ctx, a) {
		return nil, nil // the public sees the article, not its review
	}
	return s.engine().History(ctx, kind, id)
}

func (s *Service) orgName(ctx context.Context, id int64) string {
	o, _ := s.Accounts.OrgByID(ctx, id)
	return o.Name
}

// allowed reports whether the rules let the caller take action on a now.
func (s *Service) allowed(ctx context.Context, a Article, action review.Action) bool {
	org, c, err := review.Place(ctx, s.Accounts, s.Campaigns, a.OrgID, a.CampaignSlug)
	return err == nil && review.Allowed(ctx, subject(a, org, c.OwnerOrgID), action)
}

// MayDecide answers whether the caller may decide on the article now, with
// the refusal the rules give (it is audited). Errors: NotFound,
// Unauthenticated, Forbidden, Conflict.
func (s *Service) MayDecide(ctx context.Context, id int64) error {
	a, org, c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	_, err = s.engine().Check(ctx, kind, subject(a, org, c.OwnerOrgID), review.Approve)
	return err
}

// CanReview reports whether the article waits for the caller's decision.
func (s *Service) CanReview(ctx context.Context, a Article) bool {
	return s.allowed(ctx, a, review.Approve)
}

// CanEdit reports whether the caller may change the article now.
func (s *Service) CanEdit(ctx context.Context, c campaign.Campaign, a Article) bool {
	return s.allowed(ctx, a, review.Edit)
}

// canWrite reports whether the caller may write for org: its own filers,
// coordinators and administrators.
func canWrite(p *account.Principal, orgID int64) bool {
	return p != nil && p.Org.ID == orgID && (p.Has(account.RoleFiler) || p.Has(account.RoleCoordinator) || p.Has(account.RoleAdmin))
}

// inTree reports whether org lies in the tree of the campaign's organiser.
func (s *Service) inTree(ctx context.Context, c campaign.Campaign, org account.Organisation) bool {
	owner, err := s.Accounts.OrgByID(ctx, c.OwnerOrgID)
	return err == nil && owner.Contains(org)
}
