package report

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/media"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// thumbSide is the longest side of thumbnails and posters.
const thumbSide = 640

// CanUpload checks, before any byte of an upload is read, that the caller
// may add media to the report now, and returns the byte limit for kind.
// Errors: NotFound, Forbidden, Conflict, DeadlinePassed.
func (s *Service) CanUpload(ctx context.Context, id int64, kind media.Kind) (int64, error) {
	_, c, _, err := s.open(ctx, id)
	if err != nil {
		return 0, err
	}
	return media.UploadLimit(kind, Limits(c)), nil
}

// cleanName keeps the last element of a client's file name, for display
// and downloads only; storage keys are always the server's.
func cleanName(name, ext string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if !utf8.ValidString(name) || strings.Trim(name, ".") == "" {
		name = "file" + ext
	}
	if len(name) > 200 {
		name = name[:200]
		for !utf8.ValidString(name) {
			name = name[:len(name)-1]
		}
	}
	return name
}

// Upload reads one file from body as it arrives, checks it as kind, and
// stores it with its thumbnail or poster. A photo larger than the bounds
// is refused with an offer: the photo re-encoded into the bounds, kept
// aside until AcceptOffer. Nothing is left behind by a refused or broken
// upload. Errors: NotFound, Forbidden, Conflict, DeadlinePassed, Invalid,
// Unsupported, TooLarge.
func (s *Service) Upload(ctx context.Context, id int64, kind media.Kind, filename string, public bool, body io.Reader) (Media, *Media, error) {
	r, c, _, err := s.open(ctx, id)
	if err != nil {
		return Media{}, nil, err
	}
	lim := Limits(c)
	display := cleanName(filename, "")
	f, size, err := media.Spool(s.SpoolDir, body, media.UploadLimit(kind, lim))
	if errors.Is(err, media.ErrTooLarge) {
		return Media{}, nil, media.TooLarge(display, media.UploadLimit(kind, lim))
	}
	if err != nil {
		return Media{}, nil, errs.Wrap(errs.Invalid, err, "report.error.upload_broken", display)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	checked, cerr := s.Tools.Check(ctx, kind, display, f, size, lim)
	if cerr != nil {
		if e, ok := errs.As(cerr); ok && e.Msg.Key == "media.photo.too_big" {
			if offer, ok := s.offer(ctx, r, checked, display, public, f); ok {
				return Media{}, &offer, cerr
			}
		}
		return Media{}, nil, cerr
	}
	m := Media{ReportID: r.ID, Kind: kind, Public: public, Filename: media.NameFor(cleanName(filename, checked.Ext), checked.Ext), ContentType: checked.ContentType,
		Size: size, Duration: checked.Duration, Width: checked.Width, Height: checked.Height}
	var thumb []byte
	switch kind {
	case media.Photo:
		f.Seek(0, io.SeekStart)
		if img, err := media.DecodePhoto(checked, f); err != nil {
			return Media{}, nil, errs.New(errs.Invalid, "media.photo.not_photo", display)
		} else {
			thumb = media.Thumbnail(img, thumbSide)
		}
	case media.Video:
		thumb, _ = s.Tools.Poster(ctx, f.Name(), checked.Duration)
	}
	m.Key = blob.NewKey("reports/" + itoa(r.ID))
	if _, err := blob.PutFile(ctx, s.Blobs, m.Key, f); err != nil {
		return Media{}, nil, err
	}
	return m, nil, s.record(ctx, &m, thumb)
}

// record stores the thumbnail and the media row; on failure it removes
// what it stored.
func (s *Service) record(ctx context.Context, m *Media, thumb []byte) error {
	if len(thumb) > 0 {
		m.ThumbKey = m.Key + "-thumb"
		if _, err := s.Blobs.Put(ctx, m.ThumbKey, bytes.NewReader(thumb), 0); err != nil {
			s.Blobs.Delete(ctx, m.Key)
			return err
		}
	}
	m.CreatedAt = s.Clock.Now().In(clock.Zone)
	var uploader any
	if p := account.FromContext(ctx); p != nil {
		uploader = p.ID
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertMedia(ctx, tx, m, uploader, s.now()); err != nil {
			return err
		}
		if m.Offer {
			return nil
		}
		return s.Audit.Record(ctx, tx, "report.media", "report", m.ReportID, map[string]any{"kind": m.Kind, "file": m.Filename, "size": m.Size})
	})
	if err != nil {
		s.Blobs.Delete(ctx, m.Key)
		if m.ThumbKey != "" {
			s.Blobs.Delete(ctx, m.ThumbKey)
		}
		return err
	}
	m.URLs()
	return nil
}

// offer re-encodes a too-large photo into the campaign's bounds and keeps
// it aside, not part of the report, until the unit accepts it.
func (s *Service) offer(ctx context.Context, r Report, checked media.Checked, display string, public bool, f *os.File) (Media, bool) {
	c, err := s.Campaigns.Get(account.AsSystem(ctx), r.CampaignSlug)
	if err != nil {
		return Media{}, false
	}
	lim := Limits(c)
	f.Seek(0, io.SeekStart)
	img, err := media.DecodePhoto(checked, f)
	if err != nil {
		return Media{}, false
	}
	b, ok := media.Reencode(img, lim.PhotoMin, lim.PhotoMax)
	if !ok {
		return Media{}, false
	}
	name := strings.TrimSuffix(display, display[len(display)-len(extension(display)):]) + ".jpg"
	bounds := img.Bounds()
	m := Media{ReportID: r.ID, Kind: media.Photo, Offer: true, Public: public, Filename: cleanName(name, ".jpg"), ContentType: "image/jpeg",
		Size: int64(len(b)), Width: bounds.Dx(), Height: bounds.Dy(), Key: blob.NewKey("reports/" + itoa(r.ID))}
	if _, err := s.Blobs.Put(ctx, m.Key, bytes.NewReader(b), 0); err != nil {
		return Media{}, false
	}
	if err := s.record(ctx, &m, media.Thumbnail(img, thumbSide)); err != nil {
		return Media{}, false
	}
	return m, true
}

func extension(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}

// AcceptOffer adds a re-encoded photo offered by Upload to the report.
// Errors: NotFound, Forbidden, Conflict, DeadlinePassed.
func (s *Service) AcceptOffer(ctx context.Context, id, mediaID int64) (Media, error) {
	r, _, _, err := s.open(ctx, id)
	if err != nil {
		return Media{}, err
	}
	ms, err := loadMedia(ctx, s.DB, "report_id = ? AND id = ? AND offer = 1", r.ID, mediaID)
	if err != nil {
		return Media{}, err
	}
	if len(ms) == 0 {
		return Media{}, errs.NotFoundf("offer %d", mediaID)
	}
	m := ms[0]
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE report_media SET offer = 0 WHERE id = ?`, m.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "report.media", "report", r.ID, map[string]any{"kind": m.Kind, "file": m.Filename, "size": m.Size, "reencoded": true})
	})
	m.Offer = false
	return m, err
}

// DeleteMedia removes a file from a report the unit may still change.
// Errors: NotFound, Forbidden, Conflict, DeadlinePassed.
func (s *Service) DeleteMedia(ctx context.Context, id, mediaID int64) error {
	r, _, _, err := s.open(ctx, id)
	if err != nil {
		return err
	}
	ms, err := loadMedia(ctx, s.DB, "report_id = ? AND id = ?", r.ID, mediaID)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return errs.NotFoundf("media %d", mediaID)
	}
	m := ms[0]
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM report_media WHERE id = ?`, m.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "report.media_delete", "report", r.ID, map[string]any{"file": m.Filename})
	})
	if err != nil {
		return err
	}
	s.Blobs.Delete(ctx, m.Key)
	if m.ThumbKey != "" {
		s.Blobs.Delete(ctx, m.ThumbKey)
	}
	return nil
}

// OpenMedia opens a file of a report the caller may see (or its
// thumbnail), offers included. Errors: NotFound.
func (s *Service) OpenMedia(ctx context.Context, id, mediaID int64, thumb bool) (Media, blob.Object, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return Media{}, nil, err
	}
	ms, err := loadMedia(ctx, s.DB, "report_id = ? AND id = ?", r.ID, mediaID)
	if err != nil {
		return Media{}, nil, err
	}
	if len(ms) == 0 || (thumb && ms[0].ThumbKey == "") {
		return Media{}, nil, errs.NotFoundf("media %d", mediaID)
	}
	m := ms[0]
	key := m.Key
	if thumb {
		key = m.ThumbKey
	}
	obj, _, mod, err := s.Blobs.Open(ctx, key)
	if err != nil {
		return m, nil, errs.Wrap(errs.NotFound, err, "error.not_found")
	}
	m.CreatedAt = mod
	return m, obj, nil
}
