// Package paper links the stamped paper copies units send with the records
// they were printed from: each printed revision of a table or summary report
// carries a short verification code, anyone holding the paper can check at
// /verify/{code} whether it is the current approved revision, and the
// organiser records the copy as received by that code.
package paper

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/audit"
	"github.com/sciweek/sciweek/internal/campaign"
	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/clock"
	"github.com/sciweek/sciweek/internal/platform/db"
)

// The kinds of printed record.
const (
	KindFiling = "filing"
	KindReport = "report"
)

// Printed is one printing of a record, as its domain describes it.
type Printed struct {
	Kind       string
	ObjectID   int64
	CampaignID int64
	OrgID      int64
	// Revision is the record's revision number as printed (0: never
	// submitted).
	Revision int
	// Fingerprint is Fingerprint of the printed contents.
	Fingerprint string
	// State is the record's state when printed (draft, submitted, …).
	State string
}

// Code is a verification code and what it was printed for.
type Code struct {
	Printed
	Code           string
	PrintedAt      time.Time
	RevokedAt      time.Time
	ReceivedAt     time.Time
	ReceivedByName string
}

// Received reports whether the organiser recorded the paper copy.
func (c Code) Received() bool { return !c.ReceivedAt.IsZero() }

// Document is what a record's domain says about it now, for the public
// verification page and the receipt log: names only, never a contact.
type Document struct {
	CampaignTitle string
	Title         string // e.g. 2020年科技活动周重点项目备案表
	OrgName       string
	// Current is the current approved revision, 0 when none is approved;
	// CurrentFingerprint its fingerprint and CurrentSince when it was
	// approved.
	Current            int
	CurrentFingerprint string
	CurrentSince       time.Time
	// URL is the record's page for staff.
	URL string
}

// Source looks up the records of one kind. Its methods run with the
// system's rights: the caller has checked who may know what.
type Source interface {
	Document(ctx context.Context, objectID int64) (Document, error)
	// Received is told when the organiser records the paper copy, inside
	// no transaction; a domain with its own mark of the paper copy sets it.
	Received(ctx context.Context, objectID int64, at time.Time, by string) error
}

// Service issues, verifies and receives the codes.
type Service struct {
	DB        *db.DB
	Audit     *audit.Log
	Clock     clock.Clock
	Campaigns *campaign.Service
	Sources   map[string]Source
	// BaseURL is the site's public address for the URLs printed under the
	// QR codes; empty means the address the request came to.
	BaseURL string
}

// Fingerprint is the SHA-256 of a record's contents, in hex.
func Fingerprint(contents []byte) string {
	sum := sha256.Sum256(contents)
	return hex.EncodeToString(sum[:])
}

// ShortFingerprint is a fingerprint shortened for reading aloud and
// comparing by eye: its first 16 hex digits in groups of four.
func ShortFingerprint(fp string) string {
	if len(fp) > 16 {
		fp = fp[:16]
	}
	var b strings.Builder
	for i, r := range strings.ToUpper(fp) {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// alphabet is Crockford's base32: no I, L, O or U, so a code read from
// paper is typed back the same.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// codeLen is the length of a code: 50 random bits.
const codeLen = 10

func newCode() string {
	b := make([]byte, codeLen)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return string(b)
}

// Normalize reads a code as typed or scanned: the code itself, grouped
// with spaces or dashes, in either case, or the verification URL that the
// QR code holds. It returns "" for anything that cannot be a code.
func Normalize(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "/verify/"); i >= 0 {
		s = s[i+len("/verify/"):]
	}
	s, _, _ = strings.Cut(s, "?")
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '/':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if !strings.ContainsRune(alphabet, r) {
			return ""
		}
		b.WriteRune(r)
	}
	if b.Len() != codeLen {
		return ""
	}
	return b.String()
}

// Display writes a code in two groups for reading: ABCDE-FGHJK.
func Display(code string) string {
	if len(code) != codeLen {
		return code
	}
	return code[:5] + "-" + code[5:]
}

// VerifyURL is the public address that checks a code.
func (s *Service) VerifyURL(base, code string) string {
	if s.BaseURL != "" {
		base = s.BaseURL
	}
	return strings.TrimRight(base, "/") + "/verify/" + code
}

const codeColumns = `code, kind, object_id, campaign_id, org_id, revision, fingerprint, state, printed_at, revoked_at, received_at, received_by_name`

func scanCode(row interface{ Scan(...any) error }) (Code, error) {
	var c Code
	var printed, revoked, received db.Time
	err := row.Scan(&c.Code, &c.Kind, &c.ObjectID, &c.CampaignID, &c.OrgID, &c.Revision, &c.Fingerprint, &c.State,
		&printed, &revoked, &received, &c.ReceivedByName)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.New(errs.NotFound, "paper.error.unknown")
	}
	c.PrintedAt, c.RevokedAt, c.ReceivedAt = inZone(printed), inZone(revoked), inZone(received)
	return c, err
}

func inZone(t db.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.In(clock.Zone)
}

// Issue returns the verification code of a printing: the code already
// given to the same contents of the same revision, or a new one. The
// caller has checked that the person may print the record.
func (s *Service) Issue(ctx context.Context, p Printed) (Code, error) {
	c, err := scanCode(s.DB.QueryRow(ctx, `SELECT `+codeColumns+` FROM paper_codes
		WHERE kind = ? AND object_id = ? AND revision = ? AND fingerprint = ? AND state = ? AND revoked_at IS NULL ORDER BY id DESC LIMIT 1`,
		p.Kind, p.ObjectID, p.Revision, p.Fingerprint, p.State))
	if err == nil || !errs.Is(err, errs.NotFound) {
		return c, err
	}
	var printer any
	if a := audit.ActorFrom(ctx); a.ID != 0 {
		printer = a.ID
	}
	for range 5 {
		code := newCode()
		err = s.DB.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO paper_codes (code, campaign_id, org_id, kind, object_id, revision, fingerprint, state, printed_by, printed_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, code, p.CampaignID, p.OrgID, p.Kind, p.ObjectID, p.Revision, p.Fingerprint, p.State,
				printer, db.At(s.Clock.Now())); err != nil {
				return err
			}
			return s.Audit.Record(ctx, tx, "paper.print", p.Kind, p.ObjectID, map[string]any{"code": code, "revision": p.Revision})
		})
		if db.IsUniqueViolation(err) {
			continue // a code already given, one chance in 2^50
		}
		if err != nil {
			return Code{}, err
		}
		return s.lookup(ctx, code)
	}
	return Code{}, err
}

func (s *Service) lookup(ctx context.Context, code string) (Code, error) {
	return scanCode(s.DB.QueryRow(ctx, `SELECT `+codeColumns+` FROM paper_codes WHERE code = ?`, code))
}

// Verification is what the public page tells about a code.
type Verification struct {
	Code Code
	Doc  Document
	// Current is true when the printed contents are those of the current
	// approved revision.
	Current bool
}

// Verify checks a code for anyone. Errors: NotFound "paper.error.unknown"
// for a code never given, revoked or whose record is gone; the error says
// nothing about any record.
func (s *Service) Verify(ctx context.Context, raw string) (Verification, error) {
	code := Normalize(raw)
	if code == "" {
		return Verification{}, errs.New(errs.NotFound, "paper.error.unknown")
	}
	c, err := s.lookup(ctx, code)
	if err != nil {
		return Verification{}, err
	}
	if !c.RevokedAt.IsZero() {
		return Verification{}, errs.New(errs.NotFound, "paper.error.unknown")
	}
	src, ok := s.Sources[c.Kind]
	if !ok {
		return Verification{}, errs.New(errs.NotFound, "paper.error.unknown")
	}
	doc, err := src.Document(account.AsSystem(ctx), c.ObjectID)
	if errs.Is(err, errs.NotFound) {
		return Verification{}, errs.New(errs.NotFound, "paper.error.unknown")
	}
	if err != nil {
		return Verification{}, err
	}
	return Verification{Code: c, Doc: doc, Current: doc.Current > 0 && doc.CurrentFingerprint == c.Fingerprint}, nil
}

// Receipt is a code the organiser has checked in, with its record.
type Receipt struct {
	Code Code
	Doc  Document
	// Already is true when the copy had been recorded before.
	Already bool
	Current bool
}

// Receive records that the paper copy bearing the code reached the
// organiser of campaign c: who and when, in the audit log too. Receiving
// it again changes nothing and says when it was first recorded. Errors:
// Forbidden (not the organiser), NotFound "paper.error.unknown" (also a
// code of another campaign), Invalid "paper.error.revoked".
func (s *Service) Receive(ctx context.Context, c campaign.Campaign, raw string) (Receipt, error) {
	if !s.Campaigns.CanEdit(ctx, c) {
		return Receipt{}, errs.ForbiddenErr()
	}
	code := Normalize(raw)
	if code == "" {
		return Receipt{}, codeError(errs.NotFound, "paper.error.unknown")
	}
	pc, err := s.lookup(ctx, code)
	if errs.Is(err, errs.NotFound) || (err == nil && pc.CampaignID != c.ID) {
		return Receipt{}, codeError(errs.NotFound, "paper.error.unknown")
	}
	if err != nil {
		return Receipt{}, err
	}
	if !pc.RevokedAt.IsZero() {
		return Receipt{}, codeError(errs.Invalid, "paper.error.revoked")
	}
	src, ok := s.Sources[pc.Kind]
	if !ok {
		return Receipt{}, codeError(errs.NotFound, "paper.error.unknown")
	}
	doc, err := src.Document(account.AsSystem(ctx), pc.ObjectID)
	if err != nil {
		return Receipt{}, err
	}
	rec := Receipt{Code: pc, Doc: doc, Current: doc.Current > 0 && doc.CurrentFingerprint == pc.Fingerprint}
	if pc.Received() {
		rec.Already = true
		return rec, nil
	}
	a := audit.ActorFrom(ctx)
	now := s.Clock.Now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE paper_codes SET received_at = ?, received_by = ?, received_by_name = ? WHERE code = ? AND received_at IS NULL`,
			db.At(now), nullID(a.ID), a.Name, code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "paper.error.stale")
		}
		return s.Audit.Record(ctx, tx, "paper.receive", pc.Kind, pc.ObjectID, map[string]any{"code": code, "revision": pc.Revision, "current": rec.Current})
	})
	if err != nil {
		return Receipt{}, err
	}
	if err := src.Received(ctx, pc.ObjectID, now, a.Name); err != nil {
		return Receipt{}, err
	}
	rec.Code, err = s.lookup(ctx, code)
	return rec, err
}

func codeError(code errs.Code, key string) error {
	return &errs.Error{Code: code, Msg: errs.Msg{Key: key}, Fields: map[string]errs.Msg{"entry": {Key: key}}}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Revoke withdraws a code, for a printed copy that must no longer be
// trusted (lost, or printed by mistake). Errors: Forbidden, NotFound.
func (s *Service) Revoke(ctx context.Context, c campaign.Campaign, raw string) error {
	if !s.Campaigns.CanEdit(ctx, c) {
		return errs.ForbiddenErr()
	}
	code := Normalize(raw)
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE paper_codes SET revoked_at = ? WHERE code = ? AND campaign_id = ? AND revoked_at IS NULL`,
			db.At(s.Clock.Now()), code, c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "paper.error.unknown")
		}
		return s.Audit.Record(ctx, tx, "paper.revoke", "campaign", c.Slug, map[string]any{"code": code})
	})
}

// Receipts lists the paper copies received for campaign c, newest first,
// for its organiser. Errors: Forbidden.
func (s *Service) Receipts(ctx context.Context, c campaign.Campaign) ([]Receipt, error) {
	if !s.Campaigns.CanEdit(ctx, c) {
		return nil, errs.ForbiddenErr()
	}
	rows, err := s.DB.Query(ctx, `SELECT `+codeColumns+` FROM paper_codes WHERE campaign_id = ? AND received_at IS NOT NULL ORDER BY received_at DESC, id DESC`, c.ID)
	if err != nil {
		return nil, err
	}
	var codes []Code
	for rows.Next() {
		pc, err := scanCode(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		codes = append(codes, pc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Receipt, 0, len(codes))
	for _, pc := range codes {
		r := Receipt{Code: pc}
		if src, ok := s.Sources[pc.Kind]; ok {
			if doc, err := src.Document(account.AsSystem(ctx), pc.ObjectID); err == nil {
				r.Doc, r.Current = doc, doc.Current > 0 && doc.CurrentFingerprint == pc.Fingerprint
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// ReceivedOf returns the latest receipt of a record's paper copy, or a
// zero Code when none was recorded. The caller has checked that the person
// may see the record.
func (s *Service) ReceivedOf(ctx context.Context, kind string, objectID int64) (Code, error) {
	c, err := scanCode(s.DB.QueryRow(ctx, `SELECT `+codeColumns+` FROM paper_codes
		WHERE kind = ? AND object_id = ? AND received_at IS NOT NULL AND revoked_at IS NULL ORDER BY received_at DESC LIMIT 1`, kind, objectID))
	if errs.Is(err, errs.NotFound) {
		return Code{}, nil
	}
	return c, err
}
