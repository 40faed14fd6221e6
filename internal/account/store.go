package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
)

const orgColumns = `o.id, COALESCE(o.parent_id, 0), o.code, o.name, o.name_en, o.kind, o.path, o.depth,
	o.contact_name, o.contact_phone, o.contact_email, o.address, o.status, o.created_at, COALESCE(p.code, '')`

const orgFrom = ` FROM organisations o LEFT JOIN organisations p ON p.id = o.parent_id `

func scanOrg(row interface{ Scan(...any) error }) (Organisation, error) {
	var o Organisation
	var created db.Time
	err := row.Scan(&o.ID, &o.ParentID, &o.Code, &o.Name, &o.NameEn, &o.Kind, &o.Path, &o.Depth,
		&o.ContactName, &o.ContactPhone, &o.ContactEmail, &o.Address, &o.Status, &created, &o.ParentCode)
	o.CreatedAt = created.In(Zone)
	return o, err
}

func findOrg(ctx context.Context, q db.Querier, where string, args ...any) (Organisation, error) {
	o, err := scanOrg(q.QueryRow(ctx, `SELECT `+orgColumns+orgFrom+`WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return o, errs.NotFoundf("organisation %v", args)
	}
	return o, err
}

func listOrgs(ctx context.Context, q db.Querier, where string, args ...any) ([]Organisation, error) {
	rows, err := q.Query(ctx, `SELECT `+orgColumns+orgFrom+`WHERE `+where+` ORDER BY o.path`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Organisation
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortTree(out)
	return out, nil
}

// sortTree puts organisations in tree order: each one followed by those
// below it, siblings in the order they were created. (Paths compare as
// text, so "/1/10/" would otherwise come before "/1/2/".)
func sortTree(orgs []Organisation) {
	key := func(o Organisation) []int64 {
		var k []int64
		for _, s := range strings.Split(strings.Trim(o.Path, "/"), "/") {
			n, _ := strconv.ParseInt(s, 10, 64)
			k = append(k, n)
		}
		return k
	}
	sort.SliceStable(orgs, func(i, j int) bool {
		a, b := key(orgs[i]), key(orgs[j])
		for n := 0; n < len(a) && n < len(b); n++ {
			if a[n] != b[n] {
				return a[n] < b[n]
			}
		}
		return len(a) < len(b)
	})
}

func insertOrg(ctx context.Context, tx *db.Tx, o *Organisation, parent *Organisation, now db.Time) error {
	var parentID any
	if parent != nil {
		parentID = parent.ID
	}
	err := tx.QueryRow(ctx, `INSERT INTO organisations (parent_id, code, name, name_en, kind, contact_name, contact_phone, contact_email, address, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		parentID, o.Code, o.Name, o.NameEn, o.Kind, o.ContactName, o.ContactPhone, o.ContactEmail, o.Address, o.Status, now, now).Scan(&o.ID)
	if err != nil {
		return err
	}
	o.Path, o.Depth = fmt.Sprintf("/%d/", o.ID), 0
	if parent != nil {
		o.ParentID = parent.ID
		o.ParentCode = parent.Code
		o.Path = parent.Path + fmt.Sprintf("%d/", o.ID)
		o.Depth = parent.Depth + 1
	}
	o.CreatedAt = now.Time
	_, err = tx.Exec(ctx, `UPDATE organisations SET path = ?, depth = ? WHERE id = ?`, o.Path, o.Depth, o.ID)
	return err
}

const accountColumns = `a.id, a.org_id, a.username, a.display_name, a.email, a.phone, a.locale, a.status,
	a.failed_logins, a.locked_until, a.created_at, a.password_hash`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var locked, created db.Time
	err := row.Scan(&a.ID, &a.OrgID, &a.Username, &a.DisplayName, &a.Email, &a.Phone, &a.Locale, &a.Status,
		&a.FailedLogins, &locked, &created, &a.passwordHash)
	a.LockedUntil, a.CreatedAt = locked.Time, created.In(Zone)
	return a, err
}

func findAccount(ctx context.Context, q db.Querier, where string, args ...any) (Account, error) {
	a, err := scanAccount(q.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.NotFoundf("account %v", args)
	}
	if err != nil {
		return a, err
	}
	a.Roles, err = loadRoles(ctx, q, a.ID)
	return a, err
}

func listAccounts(ctx context.Context, q db.Querier, where string, args ...any) ([]Account, error) {
	rows, err := q.Query(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE `+where+` ORDER BY a.username`, args...)
	if err != nil {
		return nil, err
	}
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Roles, err = loadRoles(ctx, q, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func loadRoles(ctx context.Context, q db.Querier, accountID int64) ([]Role, error) {
	rows, err := q.Query(ctx, `SELECT role FROM account_roles WHERE account_id = ?`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var have []Role
	for rows.Next() {
		var r Role
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		have = append(have, r)
	}
	// Keep the display order of Roles.
	var out []Role
	for _, r := range Roles {
		for _, h := range have {
			if h == r {
				out = append(out, r)
			}
		}
	}
	return out, rows.Err()
}

func setRoles(ctx context.Context, tx *db.Tx, accountID int64, roles []Role) error {
	if _, err := tx.Exec(ctx, `DELETE FROM account_roles WHERE account_id = ?`, accountID); err != nil {
		return err
	}
	for _, r := range roles {
		if _, err := tx.Exec(ctx, `INSERT INTO account_roles (account_id, role) VALUES (?, ?)`, accountID, r); err != nil {
			return err
		}
	}
	return nil
}

func rolesString(rs []Role) string {
	var s []string
	for _, r := range rs {
		s = append(s, string(r))
	}
	return strings.Join(s, ",")
}
