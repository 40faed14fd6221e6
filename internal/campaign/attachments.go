package campaign

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// attachmentTypes are the files a notice may carry, by extension.
var attachmentTypes = map[string]string{
	".pdf": "application/pdf", ".doc": "application/msword", ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xls": "application/vnd.ms-excel", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".wps": "application/vnd.ms-works", ".et": "application/vnd.ms-excel", ".zip": "application/zip",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".txt": "text/plain; charset=utf-8",
}

// AddAttachment stores a file with the notice. The stored name is chosen by
// the server; the original name is kept for downloads. Errors: NotFound,
// Forbidden, Invalid (type), TooLarge.
func (s *Service) AddAttachment(ctx context.Context, slug, filename string, r io.Reader) (Attachment, error) {
	c, err := s.Get(ctx, slug)
	if err != nil {
		return Attachment{}, err
	}
	if !s.canEdit(ctx, c) {
		return Attachment{}, errs.ForbiddenErr()
	}
	filename = cleanFilename(filename)
	ext := strings.ToLower(filename[strings.LastIndex(filename, ".")+1:])
	ctype, ok := attachmentTypes["."+ext]
	if !ok || !strings.Contains(filename, ".") {
		return Attachment{}, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "campaign.error.attachment_type"}, Fields: map[string]errs.Msg{"file": {Key: "campaign.error.attachment_type"}}}
	}
	key := blob.NewKey("notice")
	size, err := s.Blobs.Put(ctx, key, r, MaxAttachmentBytes)
	if err == blob.ErrTooLarge {
		return Attachment{}, &errs.Error{Code: errs.TooLarge, Msg: errs.Msg{Key: "campaign.error.attachment_size", Args: []any{MaxAttachmentBytes >> 20}}, Fields: map[string]errs.Msg{"file": {Key: "campaign.error.attachment_size", Args: []any{MaxAttachmentBytes >> 20}}}}
	}
	if err != nil {
		return Attachment{}, err
	}
	if size == 0 {
		s.Blobs.Delete(ctx, key)
		return Attachment{}, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "campaign.error.attachment_empty"}, Fields: map[string]errs.Msg{"file": {Key: "campaign.error.attachment_empty"}}}
	}
	a := Attachment{Filename: filename, ContentType: ctype, Size: size, CreatedAt: s.Clock.Now(), blobKey: key}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO campaign_attachments (campaign_id, blob_key, filename, content_type, size, position, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.ID, key, filename, ctype, size, len(c.Attachments), db.At(a.CreatedAt)).Scan(&a.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "campaign.attachment.add", "campaign", c.Slug, map[string]any{"file": filename, "size": size})
	})
	if err != nil {
		s.Blobs.Delete(ctx, key)
		return Attachment{}, err
	}
	return a, nil
}

// cleanFilename keeps the last path element of a client's file name and
// drops control characters.
func cleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if len([]rune(name)) > 120 {
		name = string([]rune(name)[len([]rune(name))-120:])
	}
	if name == "" {
		name = "attachment"
	}
	return name
}

// RemoveAttachment deletes a notice attachment. Errors: NotFound, Forbidden.
func (s *Service) RemoveAttachment(ctx context.Context, slug string, id int64) error {
	c, err := s.Get(ctx, slug)
	if err != nil {
		return err
	}
	if !s.canEdit(ctx, c) {
		return errs.ForbiddenErr()
	}
	a, ok := c.attachment(id)
	if !ok {
		return errs.NotFoundf("attachment %d", id)
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM campaign_attachments WHERE id = ?`, id); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "campaign.attachment.remove", "campaign", c.Slug, map[string]any{"file": a.Filename})
	})
	if err != nil {
		return err
	}
	return s.Blobs.Delete(ctx, a.blobKey)
}

func (c Campaign) attachment(id int64) (Attachment, bool) {
	for _, a := range c.Attachments {
		if a.ID == id {
			return a, true
		}
	}
	return Attachment{}, false
}

// OpenAttachment opens a notice attachment for download. Errors: NotFound.
func (s *Service) OpenAttachment(ctx context.Context, slug string, id int64) (Attachment, blob.Object, time.Time, error) {
	c, err := s.Get(ctx, slug)
	if err != nil {
		return Attachment{}, nil, time.Time{}, err
	}
	a, ok := c.attachment(id)
	if !ok {
		return a, nil, time.Time{}, errs.NotFoundf("attachment %d", id)
	}
	obj, _, mod, err := s.Blobs.Open(ctx, a.blobKey)
	if err == blob.ErrNotFound {
		return a, nil, mod, errs.NotFoundf("attachment blob %s", a.blobKey)
	}
	return a, obj, mod, err
}
