package account

import (
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/platform/db"
	"github.com/sciweek/sciweek/internal/validate"
)

// Limits of a bulk import.
const (
	// MaxImportRows is the most units one import creates.
	MaxImportRows = 500
	// MaxWorkbookBytes is the largest workbook accepted for upload.
	MaxWorkbookBytes = 5 << 20
	// maxUnzippedBytes bounds what a workbook may unpack to, so that a
	// small zip bomb cannot fill the memory.
	maxUnzippedBytes = 40 << 20
	// maxSheetXMLBytes is how much of one worksheet is unpacked in memory.
	maxSheetXMLBytes = 8 << 20
)

// ImportColumns are the columns of a unit list, in the order a pasted
// list gives them: 单位名称, 代码, 联系人, 联系电话, 电子邮箱.
var ImportColumns = []string{"name", "code", "contact_name", "contact_phone", "contact_email"}

// UnitRow is one unit of a bulk import, as read from a list or a sheet.
type UnitRow struct {
	// Row is the line of the pasted list or the row of the sheet, for
	// messages that the clerk can find again.
	Row          int
	Name         string
	Code         string
	ContactName  string
	ContactPhone string
	ContactEmail string
}

func (u *UnitRow) set(column, value string) {
	switch column {
	case "name":
		u.Name = value
	case "code":
		u.Code = value
	case "contact_name":
		u.ContactName = value
	case "contact_phone":
		u.ContactPhone = value
	case "contact_email":
		u.ContactEmail = value
	}
}

func (u UnitRow) empty() bool {
	return u.Name == "" && u.Code == "" && u.ContactName == "" && u.ContactPhone == "" && u.ContactEmail == ""
}

// RowError is a problem with one cell of an import.
type RowError struct {
	Row int
	// Column is one of ImportColumns.
	Column string
	Msg    errs.Msg
}

// ImportedUnit is a unit created by an import, with the one-time password
// of its filer account.
type ImportedUnit struct {
	Row      int
	Name     string
	Code     string
	Username string
	Password string
}

// listSeparator splits a pasted line: a tab, a comma (half or full width),
// a full-width space, or two spaces and more.
var listSeparator = regexp.MustCompile("\t|,|，|\u3000+|[ \u3000]{2,}")

// ParseUnitList reads a pasted list, one unit a line. Blank lines and a
// header line starting with 单位名称 are skipped.
func ParseUnitList(text string) []UnitRow {
	var out []UnitRow
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if clean(line) == "" {
			continue
		}
		cells := listSeparator.Split(strings.TrimFunc(line, isBlank), -1)
		if isNameHeader(cells[0]) {
			continue
		}
		u := UnitRow{Row: i + 1}
		for j, c := range cells {
			if j < len(ImportColumns) {
				u.set(ImportColumns[j], clean(c))
			}
		}
		out = append(out, u)
	}
	return out
}

func isBlank(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b' }

// clean trims spaces of any width from a cell.
func clean(s string) string { return strings.TrimFunc(s, isBlank) }

// foldWidth turns full-width ASCII forms, which Chinese input methods
// produce, into plain ASCII; for codes, phone numbers and addresses.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - 0xFEE0
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// headerNames maps the headings a unit sheet may use to its columns.
var headerNames = map[string]string{
	"单位名称": "name", "单位": "name", "名称": "name",
	"代码": "code", "单位代码": "code", "用户名": "code",
	"联系人":  "contact_name",
	"联系电话": "contact_phone", "电话": "contact_phone", "手机": "contact_phone", "手机号码": "contact_phone",
	"电子邮箱": "contact_email", "邮箱": "contact_email", "电子邮件": "contact_email", "email": "contact_email", "e-mail": "contact_email",
}

// headerColumn returns the column a heading names, or "".
func headerColumn(cell string) string {
	h := strings.Map(func(r rune) rune {
		if isBlank(r) || r == '*' || r == '＊' {
			return -1
		}
		return unicode.ToLower(r)
	}, cell)
	h = strings.TrimSuffix(strings.TrimSuffix(h, "（必填）"), "(必填)")
	return headerNames[h]
}

// ReadUnitWorkbook reads the units from the first sheet of an .xlsx
// workbook: the header row is the first holding 单位名称; title rows above
// it and blank rows below it are skipped. Errors: Invalid (not a workbook,
// no header row), TooLarge (unpacks to too much).
func ReadUnitWorkbook(r io.Reader) ([]UnitRow, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxWorkbookBytes+1))
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "import.error.not_xlsx")
	}
	if len(b) > MaxWorkbookBytes {
		return nil, errs.New(errs.TooLarge, "import.error.too_large", MaxWorkbookBytes>>20)
	}
	if !bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		return nil, errs.New(errs.Invalid, "import.error.not_xlsx")
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzippedBytes, UnzipXMLSizeLimit: maxSheetXMLBytes})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return nil, errs.Wrap(errs.TooLarge, err, "import.error.unzip_too_large")
		}
		return nil, errs.Wrap(errs.Invalid, err, "import.error.not_xlsx")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errs.New(errs.Invalid, "import.error.not_xlsx")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "import.error.not_xlsx")
	}
	defer rows.Close()
	var columns map[int]string
	var out []UnitRow
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, err, "import.error.not_xlsx")
		}
		if columns == nil {
			columns = headerRow(cells)
			continue
		}
		u := UnitRow{Row: n}
		for i, c := range cells {
			if col := columns[i]; col != "" {
				v := clean(c)
				if col == "contact_phone" {
					v = numberAsDigits(v)
				}
				u.set(col, v)
			}
		}
		if !u.empty() {
			out = append(out, u)
		}
		if len(out) > MaxImportRows {
			break
		}
	}
	if err := rows.Error(); err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "import.error.not_xlsx")
	}
	if columns == nil {
		return nil, errs.New(errs.Invalid, "import.error.no_header")
	}
	return out, nil
}

// isNameHeader reports whether a cell is the 单位名称 heading.
func isNameHeader(cell string) bool {
	return strings.Contains(strings.Map(func(r rune) rune {
		if isBlank(r) {
			return -1
		}
		return r
	}, cell), "单位名称")
}

// headerRow maps cell positions to columns when cells is the header row
// (it names 单位名称), and returns nil otherwise.
func headerRow(cells []string) map[int]string {
	m := map[int]string{}
	found := false
	for i, c := range cells {
		col := headerColumn(c)
		if col == "" {
			continue
		}
		if col == "name" && isNameHeader(c) {
			found = true
		}
		if _, dup := m[i]; !dup {
			m[i] = col
		}
	}
	if !found {
		return nil
	}
	return m
}

// numberAsDigits writes a phone number that a spreadsheet stored as a
// number (13812345678, 1.3812345678E10) as its digits.
func numberAsDigits(s string) string {
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e15 || f != float64(int64(f)) {
		return s
	}
	return strconv.FormatInt(int64(f), 10)
}

// CheckUnits normalises the rows and validates each of them for an import
// under the parent bureau, without saving anything: codes left empty get a
// generated one. It returns the rows and a problem per faulty cell.
// Errors: Unauthenticated, Forbidden, Invalid (no rows, too many, unknown
// parent).
func (s *Service) CheckUnits(ctx context.Context, parentCode string, rows []UnitRow) ([]UnitRow, []RowError, error) {
	if _, err := s.importParent(ctx, parentCode); err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "import.error.empty"}, Fields: map[string]errs.Msg{"rows": {Key: "import.error.empty"}}}
	}
	if len(rows) > MaxImportRows {
		return nil, nil, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "import.error.too_many", Args: []any{MaxImportRows}},
			Fields: map[string]errs.Msg{"rows": {Key: "import.error.too_many", Args: []any{MaxImportRows}}}}
	}
	out := make([]UnitRow, len(rows))
	var problems []RowError
	seen := map[string]int{}
	for i, u := range rows {
		u.Name = clean(u.Name)
		u.Code = strings.ToLower(clean(foldWidth(u.Code)))
		u.ContactName = clean(u.ContactName)
		u.ContactPhone = clean(foldWidth(u.ContactPhone))
		u.ContactEmail = clean(foldWidth(u.ContactEmail))
		if u.Code == "" {
			u.Code = newUnitCode()
		}
		bad := func(col, key string, args ...any) {
			problems = append(problems, RowError{Row: u.Row, Column: col, Msg: errs.Msg{Key: key, Args: args}})
		}
		switch {
		case u.Name == "":
			bad("name", "org.error.name_required")
		case validate.TooLong(u.Name, 100):
			bad("name", "error.too_long", 100)
		}
		switch {
		case !validate.IsCode(u.Code) || !validate.IsUsername(u.Code):
			bad("code", "import.error.code")
		case reservedCodes[u.Code]:
			bad("code", "orgs.error.code_reserved")
		case seen[u.Code] != 0:
			bad("code", "import.error.code_repeated", seen[u.Code])
		default:
			seen[u.Code] = u.Row
			taken, err := s.codeTaken(ctx, u.Code)
			if err != nil {
				return nil, nil, err
			}
			if taken {
				bad("code", "import.error.code_taken")
			}
		}
		if validate.TooLong(u.ContactName, 60) {
			bad("contact_name", "error.too_long", 60)
		}
		if u.ContactPhone != "" && !validate.IsPhone(u.ContactPhone) {
			bad("contact_phone", "error.phone")
		}
		if u.ContactEmail != "" && !validate.IsEmail(u.ContactEmail) {
			bad("contact_email", "error.email")
		}
		out[i] = u
	}
	return out, problems, nil
}

// codeTaken reports whether an organisation or an account already uses code.
func (s *Service) codeTaken(ctx context.Context, code string) (bool, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM organisations WHERE code = ?) + (SELECT COUNT(*) FROM accounts WHERE username = ?)`, code, code).Scan(&n)
	return n > 0, err
}

// importParent returns the bureau units are imported under, when the
// caller may create units there.
func (s *Service) importParent(ctx context.Context, code string) (Organisation, error) {
	p := FromContext(ctx)
	if p == nil && !isSystem(ctx) {
		return Organisation{}, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	parentErr := &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: map[string]errs.Msg{"parent": {Key: "org.error.parent_unknown"}}}
	parent, err := s.Org(ctx, strings.ToLower(strings.TrimSpace(code)))
	if errs.Is(err, errs.NotFound) {
		return parent, parentErr
	}
	if err != nil {
		return parent, err
	}
	if !isSystem(ctx) {
		if !p.CanSee(parent) {
			return parent, parentErr
		}
		if !p.CanCreateUnder(parent, KindUnit) {
			return parent, errs.ForbiddenErr()
		}
	}
	if parent.Kind != KindBureau {
		return parent, &errs.Error{Code: errs.Invalid, Msg: errs.Msg{Key: "error.invalid"}, Fields: map[string]errs.Msg{"parent": {Key: "org.error.parent_not_bureau"}}}
	}
	return parent, nil
}

// ImportUnits checks the rows again and, when every one is valid, creates
// each unit under the parent bureau with a filer account whose username is
// the unit's code and whose password is generated, all in one
// transaction. The passwords are returned once and stored only as hashes.
// Errors: as CheckUnits; Invalid with the row problems when any row is
// faulty, in which case nothing is saved.
func (s *Service) ImportUnits(ctx context.Context, parentCode string, rows []UnitRow) ([]ImportedUnit, []RowError, error) {
	parent, err := s.importParent(ctx, parentCode)
	if err != nil {
		return nil, nil, err
	}
	rows, problems, err := s.CheckUnits(ctx, parentCode, rows)
	if err != nil {
		return nil, nil, err
	}
	if len(problems) > 0 {
		return nil, problems, errs.New(errs.Invalid, "import.error.rows", len(problems))
	}
	var out []ImportedUnit
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, u := range rows {
			org, err := s.createOrg(ctx, tx, OrgInput{ParentCode: parent.Code, Code: u.Code, Name: u.Name, Kind: KindUnit,
				ContactName: u.ContactName, ContactPhone: u.ContactPhone, ContactEmail: u.ContactEmail}, StatusActive)
			if err != nil {
				return rowErr(u.Row, err)
			}
			password := RandomPassword()
			acc := AccountInput{OrgCode: org.Code, Username: u.Code, DisplayName: u.ContactName, Email: u.ContactEmail,
				Phone: u.ContactPhone, Password: password, Roles: []Role{RoleFiler}}
			if _, err := s.createAccount(ctx, tx, org, acc, StatusActive, HashPassword(password)); err != nil {
				return rowErr(u.Row, err)
			}
			out = append(out, ImportedUnit{Row: u.Row, Name: u.Name, Code: org.Code, Username: u.Code, Password: password})
		}
		return s.Audit.Record(ctx, tx, "org.import", "organisation", parent.Code, map[string]any{"units": len(rows)})
	})
	if err != nil {
		var re *rowError
		if errors.As(err, &re) {
			return nil, []RowError{{Row: re.row, Column: "code", Msg: re.msg}}, errs.New(errs.Invalid, "import.error.rows", 1)
		}
		return nil, nil, err
	}
	return out, nil, nil
}

// rowError is a conflict met while saving one row, such as a code taken
// by someone else between the check and the save.
type rowError struct {
	row int
	msg errs.Msg
	err error
}

func (e *rowError) Error() string { return e.err.Error() }
func (e *rowError) Unwrap() error { return e.err }

func rowErr(row int, err error) error {
	if e, ok := errs.As(err); ok && (e.Code == errs.Conflict || e.Code == errs.Invalid) {
		return &rowError{row: row, msg: e.Msg, err: err}
	}
	return err
}
