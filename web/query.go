package web

import (
	"net/url"
	"strings"
)

// maxPlainParams bounds the parameters of a query that query reads in
// place, far under url.ParseQuery's limit (10,000 unless GODEBUG's
// urlmaxqueryparams lowers it).
const maxPlainParams = 16

// query reads the parameters of a request's query as r.URL.Query().Get
// does. Partner lookups come thousands of times a second with a plain
// query (no escapes, no '+', no ';', a few parameters): it is read in
// place, with no map built; any other is parsed by url.ParseQuery, once.
type query struct {
	raw    string
	values url.Values // the parsed query, if it is not plain
}

// newQuery returns the query of raw, a URL's RawQuery.
func newQuery(raw string) query {
	// Three IndexByte calls are faster than one ContainsAny here.
	escaped := strings.IndexByte(raw, '%') >= 0 || strings.IndexByte(raw, '+') >= 0 || strings.IndexByte(raw, ';') >= 0
	if escaped || strings.Count(raw, "&") >= maxPlainParams {
		values, _ := url.ParseQuery(raw) // as URL.Query, which ignores errors
		return query{values: values}
	}
	return query{raw: raw}
}

// Get returns the first value of key, or "".
func (q query) Get(key string) string {
	if q.values != nil {
		return q.values.Get(key)
	}
	for rest := q.raw; rest != ""; {
		var param string
		param, rest, _ = strings.Cut(rest, "&")
		if k, v, _ := strings.Cut(param, "="); k == key && param != "" {
			return v
		}
	}
	return ""
}
