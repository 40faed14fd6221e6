package filing

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/blob"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/web"
)

// MaxScanBytes bounds the stamped scan of a table.
const MaxScanBytes = 20 << 20

// scanTypes are what a stamped scan may be, told from the file's first
// bytes rather than its name.
var scanTypes = map[string]string{"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

func scanError(code errs.Code, key string, args ...any) error {
	return &errs.Error{Code: code, Msg: errs.Msg{Key: key, Args: args}, Fields: map[string]errs.Msg{"scan": {Key: key, Args: args}}}
}

// AttachScan stores the stamped scan of a filing's paper table (PDF, JPEG
// or PNG), replacing any earlier one. Errors: NotFound, Forbidden,
// Conflict, Invalid (not a PDF or image), TooLarge.
func (s *Service) AttachScan(ctx context.Context, id int64, filename string, r io.Reader) error {
	f, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	org, err := s.Accounts.OrgByID(ctx, f.OrgID)
	if err != nil {
		return err
	}
	if !canWrite(ctx, org) {
		return errs.ForbiddenErr()
	}
	if !f.Editable() {
		return errs.New(errs.Conflict, "filing.error.not_editable")
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	if n == 0 {
		return scanError(errs.Invalid, "filing.scan.empty")
	}
	ctype, _, _ := strings.Cut(http.DetectContentType(head), ";")
	if _, ok := scanTypes[ctype]; !ok {
		return scanError(errs.Invalid, "filing.scan.type")
	}
	key := blob.NewKey("scans")
	body := &clientReader{r: r}
	size, err := s.Blobs.Put(ctx, key, io.MultiReader(bytes.NewReader(head), body), MaxScanBytes)
	if err == blob.ErrTooLarge {
		return scanError(errs.TooLarge, "filing.scan.too_large", MaxScanBytes>>20)
	}
	var tooBig *http.MaxBytesError
	if errors.As(body.err, &tooBig) {
		return scanError(errs.TooLarge, "filing.scan.too_large", MaxScanBytes>>20)
	}
	if err != nil && (body.err != nil || ctx.Err() != nil) {
		return cutOff(cmp.Or(body.err, ctx.Err()))
	}
	if err != nil {
		return err
	}
	name := filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if name = strings.TrimSpace(name); name == "" || len(name) > 200 {
		name = "scan" + scanTypes[ctype]
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE filings SET scan_key = ?, scan_name = ?, scan_type = ?, scan_size = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			key, name, ctype, size, s.now(), f.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, "filing.scan", "filing", f.ID, map[string]any{"file": name, "size": size})
	})
	if err != nil {
		s.Blobs.Delete(ctx, key)
		return err
	}
	if f.Scan.Key != "" {
		s.Blobs.Delete(ctx, f.Scan.Key)
	}
	return nil
}

// clientReader remembers the error of reading the client's upload, to tell
// a client that went away from a failure of the storage.
type clientReader struct {
	r   io.Reader
	err error
}

func (c *clientReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// cutOff is the outcome of an upload the client stopped sending: the
// client's doing, not the server's, and nothing is stored.
func cutOff(err error) error {
	e := errs.Wrap(errs.Invalid, err, "hardening.upload.cut_off")
	e.Fields = map[string]errs.Msg{"scan": e.Msg}
	return e
}

// isCutOff reports whether err is an upload the client stopped sending.
func isCutOff(err error) bool {
	e, ok := errs.As(err)
	return ok && e.Msg.Key == "hardening.upload.cut_off"
}

func (h *Handlers) uploadScan(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	id := web.FormID(r.PathValue("id"))
	web.AllowSlow(w, 15*time.Minute)
	r.Body = http.MaxBytesReader(w, r.Body, MaxScanBytes+1<<20)
	err := scanError(errs.Invalid, "filing.scan.missing")
	if mr, merr := r.MultipartReader(); merr == nil {
		for {
			part, perr := mr.NextPart()
			if perr != nil {
				var tooBig *http.MaxBytesError
				switch {
				case errors.As(perr, &tooBig):
					err = scanError(errs.TooLarge, "filing.scan.too_large", MaxScanBytes>>20)
				case perr != io.EOF:
					err = cutOff(perr)
				}
				break
			}
			if part.FormName() == "scan" && part.FileName() != "" {
				err = h.Service.AttachScan(r.Context(), id, part.FileName(), part)
				break
			}
		}
	}
	if isCutOff(err) {
		// The client has gone: say so in the log, answer, and do no more.
		h.Server.Log.Warn("scan upload cut off", "request_id", web.RequestID(r.Context()), "path", r.URL.Path, "err", err)
		h.Server.Error(w, r, err)
		return
	}
	f, gerr := h.Service.Get(r.Context(), id)
	if gerr != nil {
		h.Server.Error(w, r, gerr)
		return
	}
	c, cerr := h.Service.Campaigns.Get(account.AsSystem(r.Context()), f.CampaignSlug)
	if cerr != nil {
		h.Server.Error(w, r, cerr)
		return
	}
	if err != nil {
		if _, _, ok := web.FormErrors(r, err); ok {
			h.showFiling(w, r, c, f, web.FormStatus(err), err, "")
			return
		}
		h.Server.Error(w, r, err)
		return
	}
	web.SetFlash(w, "filing.scan.saved")
	web.Redirect(w, r, filingURL(c, f)+"#scan")
}

func (h *Handlers) downloadScan(w http.ResponseWriter, r *http.Request) {
	if _, err := account.RequireLogin(r); err != nil {
		h.Server.Error(w, r, err)
		return
	}
	id := web.FormID(r.PathValue("id"))
	f, err := h.Service.Get(r.Context(), id)
	if err == nil && f.Scan.Key == "" {
		err = errs.NotFoundf("no scan")
	}
	if err != nil {
		h.Server.Error(w, r, err)
		return
	}
	obj, _, mod, err := h.Service.Blobs.Open(r.Context(), f.Scan.Key)
	if err != nil {
		h.Server.Error(w, r, errs.Wrap(errs.NotFound, err, "error.not_found"))
		return
	}
	defer obj.Close()
	w.Header().Set("Content-Type", f.Scan.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": f.Scan.Filename}))
	w.Header().Set("Cache-Control", "private, no-store")
	web.AllowSlow(w, 15*time.Minute)
	http.ServeContent(w, r, "", mod, obj)
}
