package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sciweek/sciweek/internal/account"
	"github.com/sciweek/sciweek/internal/platform/db"
)

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, check := configFlags(fs)
	status := fs.Bool("status", false, "show applied and pending migrations only")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	d, err := db.Open(ctx, db.Config{URL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return err
	}
	defer d.Close()
	if *status {
		st, err := d.Status(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database: %s\nschema: %d (this sciweek knows up to %d)\napplied: %v\n", d.Dialect, st.Current(), st.Latest, st.Applied)
		if len(st.Unknown) > 0 {
			fmt.Fprintf(stdout, "newer than this sciweek: %v\n", st.Unknown)
		}
		if len(st.Pending) == 0 {
			fmt.Fprintln(stdout, "pending: none")
		}
		for _, m := range st.Pending {
			fmt.Fprintf(stdout, "pending: %s\n", m.Name)
		}
		return nil
	}
	n, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
	return nil
}

func orgAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var in account.OrgInput
	var kind string
	a, _, err := open(ctx, "org add", args, stderr, func(fs *flag.FlagSet) func() error {
		fs.StringVar(&in.Code, "code", "", "short unique code used in URLs and the API (required)")
		fs.StringVar(&in.Name, "name", "", "name, e.g. 泉州市科学技术局 (required)")
		fs.StringVar(&in.NameEn, "name-en", "", "English name")
		fs.StringVar(&in.ParentCode, "parent", "", "code of the organisation above (none for the top)")
		fs.StringVar(&kind, "kind", "bureau", "bureau or unit")
		return nil
	})
	if err != nil {
		return err
	}
	defer a.Close()
	in.Kind = account.Kind(kind)
	org, err := a.Accounts.CreateOrg(account.AsSystem(ctx), in)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created organisation %s (%s)\n", org.Code, org.Name)
	return nil
}

func userAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var org, username, name, email, roles, password string
	a, _, err := open(ctx, "user add", args, stderr, func(fs *flag.FlagSet) func() error {
		fs.StringVar(&org, "org", "", "organisation code (required)")
		fs.StringVar(&username, "username", "", "login name (required)")
		fs.StringVar(&name, "name", "", "display name")
		fs.StringVar(&email, "email", "", "e-mail address")
		fs.StringVar(&roles, "roles", "filer", "comma-separated roles: admin, coordinator, filer, checkin")
		fs.StringVar(&password, "password", "", "password (default: a random one, printed)")
		return nil
	})
	if err != nil {
		return err
	}
	defer a.Close()
	var rs []account.Role
	for _, s := range strings.Split(roles, ",") {
		r, ok := account.ParseRole(strings.TrimSpace(s))
		if !ok {
			return fmt.Errorf("unknown role %q (use admin, coordinator, filer or checkin)", s)
		}
		rs = append(rs, r)
	}
	generated := password == ""
	if generated {
		password = account.RandomPassword()
	}
	sys := account.AsSystem(ctx)
	acc, err := a.Accounts.CreateAccount(sys, account.AccountInput{OrgCode: org, Username: username, DisplayName: name, Email: email, Password: password, Roles: rs})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created account %s in %s with roles %s\n", acc.Username, org, roles)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	return nil
}

func tokenAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var username, label string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		username, args = args[0], args[1:]
	}
	a, fs, err := open(ctx, "token add", args, stderr, func(fs *flag.FlagSet) func() error {
		fs.StringVar(&label, "name", "", "a label to recognise the token by")
		return nil
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if username == "" && fs.NArg() > 0 {
		username = fs.Arg(0)
	}
	if username == "" {
		return errors.New("usage: sciweek token add USERNAME [--name LABEL]")
	}
	token, err := a.Accounts.CreateToken(account.AsSystem(ctx), username, label)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(stdout, token)
	return nil
}
