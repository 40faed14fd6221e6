package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sciweek/sciweek/internal/errs"
	"github.com/sciweek/sciweek/internal/i18n"
)

// describe turns a domain error into a message for the shell, in English.
func describe(err error) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	l := i18n.For(i18n.English)
	msg := l.T(e.Msg.Key, e.Msg.Args...)
	var fields []string
	for f, m := range e.Fields {
		fields = append(fields, fmt.Sprintf("  %s: %s", f, l.T(m.Key, m.Args...)))
	}
	sort.Strings(fields)
	if len(fields) > 0 {
		msg += "\n" + strings.Join(fields, "\n")
	}
	return fmt.Errorf("%s", msg)
}
