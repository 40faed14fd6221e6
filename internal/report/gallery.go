package report

import (
	"context"
	"net/http"
	"strings"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/web"
)

// GalleryItem is a photo or video shown on the campaign's public pages.
type GalleryItem struct {
	Media
	Unit string
}

// publicWhere selects what the public may see: photos and videos a unit
// marked public, in reports that passed review.
const publicWhere = `m.public = 1 AND m.offer = 0 AND m.kind IN ('photo', 'video') AND r.live = 1 AND r.campaign_id = ?`

// Gallery lists the campaign's public photos and videos, newest first.
func (s *Service) Gallery(ctx context.Context, c campaign.Campaign) ([]GalleryItem, error) {
	rows, err := s.DB.Query(ctx, `SELECT m.id, o.name FROM report_media m JOIN reports r ON r.id = m.report_id
		JOIN organisations o ON o.id = r.org_id WHERE `+publicWhere+` ORDER BY m.id DESC`, c.ID)
	if err != nil {
		return nil, err
	}
	units := map[int64]string{}
	var ids []any
	var marks []string
	for rows.Next() {
		var id int64
		var unit string
		if err := rows.Scan(&id, &unit); err != nil {
			rows.Close()
			return nil, err
		}
		units[id] = unit
		ids, marks = append(ids, id), append(marks, "?")
	}
	rows.Close()
	if len(ids) == 0 {
		return nil, nil
	}
	ms, err := loadMedia(ctx, s.DB, "id IN ("+strings.Join(marks, ",")+")", ids...)
	if err != nil {
		return nil, err
	}
	var out []GalleryItem
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		base := "/campaigns/" + c.Slug + "/gallery/" + itoa(m.ID)
		m.URL = base
		if m.ThumbKey != "" {
			m.ThumbURL = base + "/thumb"
		}
		out = append(out, GalleryItem{Media: m, Unit: units[m.ID]})
	}
	return out, nil
}

// OpenPublic opens a public photo or video (or its thumbnail). Anything
// else answers NotFound.
func (s *Service) OpenPublic(ctx context.Context, c campaign.Campaign, mediaID int64, thumb bool) (Media, blob.Object, error) {
	var reportID int64
	err := s.DB.QueryRow(ctx, `SELECT r.id FROM report_media m JOIN reports r ON r.id = m.report_id WHERE m.id = ? AND `+publicWhere, mediaID, c.ID).Scan(&reportID)
	if err != nil {
		return Media{}, nil, errs.NotFoundf("public media %d", mediaID)
	}
	return s.OpenMedia(account.AsSystem(ctx), reportID, mediaID, thumb)
}

// SetPublic records whether the unit agrees to show a photo or video on
// the public pages. Errors: NotFound, Forbidden.
func (s *Service) SetPublic(ctx context.Context, id, mediaID int64, public bool) error {
	r, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	org, err := s.Accounts.OrgByID(ctx, r.OrgID)
	if err != nil {
		return err
	}
	if !canWrite(ctx, org) {
		return errs.ForbiddenErr()
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE report_media SET public = ? WHERE id = ? AND report_id = ?`, b2i(public), mediaID, r.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("media %d", mediaID)
		}
		return s.Audit.Record(ctx, tx, "report.media_public", "report", r.ID, map[string]any{"media": mediaID, "public": public})
	})
}

type galleryPage struct {
	web.Page
	C      campaign.Campaign
	Photos []GalleryItem
	Videos []GalleryItem
}

// publicCampaign is the campaign of a public gallery request, within the
// address's rate limit.
func (h *Handlers) publicCampaign(r *http.Request) (campaign.Campaign, error) {
	if err := h.Limiter.Allow(web.ClientIP(r.Context())); err != nil {
		return campaign.Campaign{}, err
	}
	return h.Service.Campaigns.Get(r.Context(), r.PathValue("slug"))
}

func (h *Handlers) gallery(w http.ResponseWriter, r *http.Request) {
	c, err := h.publicCampaign(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	items, err := h.Service.Gallery(r.Context(), c)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	p := galleryPage{Page: web.PageFor(r, "report.gallery.title", c.Title), C: c}
	for _, it := range items {
		if it.Kind == media.Video {
			p.Videos = append(p.Videos, it)
		} else {
			p.Photos = append(p.Photos, it)
		}
	}
	h.render(w, r, http.StatusOK, "gallery.html", p)
}

func (h *Handlers) galleryFile(w http.ResponseWriter, r *http.Request) {
	c, err := h.publicCampaign(r)
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	thumb := strings.HasSuffix(r.URL.Path, "/thumb")
	m, obj, err := h.Service.OpenPublic(r.Context(), c, pathID(r, "mid"), thumb)
	h.serveMedia(w, r, m, obj, thumb, err)
}
