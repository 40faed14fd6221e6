package db

import "strings"

// Marks is n placeholders separated by commas: an IN list's, or a row of
// values'.
func Marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// Args are the values as a query's arguments.
func Args[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// In is the condition that column is one of the values, written out
// ("column IN (?, ?, …)"), and its arguments; with no values it is FALSE.
func In[T any](column string, values []T) (string, []any) {
	if len(values) == 0 {
		return "FALSE", nil
	}
	return column + " IN (" + Marks(len(values)) + ")", Args(values)
}

// Rows is n rows of values of columns placeholders each, separated by
// commas: a multi-row INSERT's VALUES list.
func Rows(n, columns int) string {
	return strings.TrimSuffix(strings.Repeat("("+Marks(columns)+"), ", n), ", ")
}
