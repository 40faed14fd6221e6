package account

import (
	"context"
	"strings"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/validate"
)

// Registration is a unit's request to join, made by the unit itself.
type Registration struct {
	DistrictCode string
	UnitName     string
	UnitCode     string
	Address      string
	ContactName  string
	ContactPhone string
	ContactEmail string
	Username     string
	Password     string
	Confirm      string
}

// Register records a unit and its first account, both pending until the
// district's coordinator (or an organiser above it) approves them.
// Errors: Invalid (with fields), Conflict (code or username taken).
func (s *Service) Register(ctx context.Context, in Registration) (Organisation, error) {
	org := OrgInput{ParentCode: in.DistrictCode, Code: in.UnitCode, Name: in.UnitName, Kind: KindUnit,
		ContactName: in.ContactName, ContactPhone: in.ContactPhone, ContactEmail: in.ContactEmail, Address: in.Address}
	org.normalize()
	if org.Code == "" {
		org.Code = newUnitCode()
	}
	acc := AccountInput{OrgCode: org.Code, Username: in.Username, DisplayName: in.ContactName, Email: in.ContactEmail,
		Phone: in.ContactPhone, Password: in.Password, Roles: []Role{RoleFiler}}
	acc.normalize()
	f := errs.Fields{}
	if org.ParentCode == "" {
		f.Add("district", "register.error.district")
	} else if ok, err := s.isDistrict(ctx, org.ParentCode); err != nil {
		return Organisation{}, err
	} else if !ok {
		f.Add("district", "register.error.district_unknown")
	}
	org.validate(f)
	if org.ContactName == "" {
		f.Add("contact_name", "register.error.contact_name")
	}
	if org.ContactPhone == "" {
		f.Add("contact_phone", "error.required")
	}
	acc.validate(f)
	if in.Password != in.Confirm {
		f.Add("confirm", "account.error.confirm")
	}
	if validate.TooLong(in.Address, 200) {
		f.Add("address", "error.too_long", 200)
	}
	if err := f.Err(); err != nil {
		return Organisation{}, err
	}
	hash := HashPassword(acc.Password)
	if _, err := s.Account(ctx, acc.Username); err == nil {
		// The answer is the same as for a new name, so that the form
		// cannot be used to find out which usernames exist; the attempt is
		// kept in the audit log for the coordinators.
		s.Audit.Record(ctx, s.DB, "registration.duplicate", "account", acc.Username, map[string]any{"unit": org.Name})
		return Organisation{Code: org.Code, Name: org.Name, ParentCode: org.ParentCode, Kind: KindUnit, Status: StatusPending}, nil
	} else if !errs.Is(err, errs.NotFound) {
		return Organisation{}, err
	}
	var out Organisation
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.createOrg(ctx, tx, org, StatusPending)
		if err != nil {
			return err
		}
		_, err = s.createAccount(ctx, tx, out, acc, StatusPending, hash)
		return err
	})
	if e, ok := errs.As(err); ok && e.Fields["username"].Key != "" {
		// Taken between the check and the insert: the same answer again.
		return Organisation{Code: org.Code, Name: org.Name, ParentCode: org.ParentCode, Kind: KindUnit, Status: StatusPending}, nil
	}
	return out, err
}

// isDistrict reports whether code names one of the Districts.
func (s *Service) isDistrict(ctx context.Context, code string) (bool, error) {
	ds, err := s.Districts(ctx)
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		if d.Code == code {
			return true, nil
		}
	}
	return false, nil
}

// PendingRegistrations lists the units waiting for the caller's approval.
func (s *Service) PendingRegistrations(ctx context.Context) ([]Organisation, error) {
	p := FromContext(ctx)
	if p == nil || !(p.Has(RoleAdmin) || p.Has(RoleCoordinator)) {
		return nil, errs.ForbiddenErr()
	}
	return listOrgs(ctx, s.DB, "o.status = 'pending' AND o.path LIKE ?", p.Org.Path+"%")
}

// DecideRegistration approves or rejects a pending unit and its accounts;
// a rejection needs a reason. Errors: NotFound, Forbidden, Invalid (no
// reason), Conflict (no longer pending).
func (s *Service) DecideRegistration(ctx context.Context, code string, approve bool, reason string) error {
	org, err := s.Org(ctx, code)
	if err != nil {
		return err
	}
	p := FromContext(ctx)
	if !isSystem(ctx) && !p.CanManage(org) {
		return errs.ForbiddenErr()
	}
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: map[string]errs.Msg{"reason": {Key: "registrations.error.reason"}}}
	}
	if validate.TooLong(reason, 500) {
		return &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: map[string]errs.Msg{"reason": {Key: "error.too_long", Args: []any{500}}}}
	}
	if org.Status != StatusPending {
		return errs.New(errs.Conflict, "register.error.not_pending")
	}
	status, action := StatusActive, "registration.approve"
	if !approve {
		status, action = StatusRejected, "registration.reject"
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		// Guard against a second coordinator deciding at the same moment.
		res, err := tx.Exec(ctx, `UPDATE organisations SET status = ?, updated_at = ? WHERE id = ? AND status = 'pending'`, status, s.now(), org.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "register.error.not_pending")
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET status = ?, updated_at = ? WHERE org_id = ? AND status = 'pending'`, status, s.now(), org.ID); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, action, "organisation", org.Code, map[string]any{"reason": strings.TrimSpace(reason)})
	})
}
