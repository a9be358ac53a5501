package sqldb

import (
	"strconv"
	"strings"
)

// filter builds a WHERE clause with numbered placeholders, which both
// engines accept, so that each Find method states only its conditions.
type filter struct {
	where []string
	args  []any
}

// arg adds a value and returns its placeholder.
func (f *filter) arg(v any) string {
	f.args = append(f.args, v)
	return "$" + strconv.Itoa(len(f.args))
}

// eq adds cond, whose "?" stands for v.
func (f *filter) eq(cond string, v any) {
	f.where = append(f.where, strings.Replace(cond, "?", f.arg(v), 1))
}

// in adds "col IN (…)" for vs.
func (f *filter) in(col string, vs []any) {
	f.where = append(f.where, col+" IN ("+placeholders(&f.args, vs)+")")
}

// raw adds a condition without values.
func (f *filter) raw(cond string) { f.where = append(f.where, cond) }

// clause returns "WHERE … AND …", or "" without conditions.
func (f *filter) clause() string {
	if len(f.where) == 0 {
		return ""
	}
	return "WHERE " + strings.Join(f.where, " AND ")
}

// limit returns " LIMIT $n" for n, or for def when n is not positive.
func (f *filter) limit(n, def int) string {
	if n <= 0 {
		n = def
	}
	return " LIMIT " + f.arg(n)
}
