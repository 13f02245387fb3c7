package simulator

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// defaultPageSize is the page size when a client sends no $top; small enough that paging
// code in the controller gets exercised.
const defaultPageSize = 100

// filterSpec says which properties a collection can be filtered and sorted on, and whether
// string comparisons ignore case (directory objects) or not (audit logs, §7).
type filterSpec struct {
	properties      map[string]bool
	caseInsensitive bool
}

// queryError is a message rejecting a query option, sent verbatim as the message of Graph's
// OData error. It is Graph's wire text (capitalised, ending in a full stop) rather than a Go
// error string, so it keeps Graph's punctuation.
type queryError string

func (e queryError) Error() string { return string(e) }

func queryErrorf(format string, args ...any) error {
	return queryError(fmt.Sprintf(format, args...))
}

func directoryFilter(properties ...string) filterSpec {
	return newFilterSpec(true, properties)
}

func auditFilter(properties ...string) filterSpec {
	return newFilterSpec(false, properties)
}

func newFilterSpec(caseInsensitive bool, properties []string) filterSpec {
	spec := filterSpec{properties: map[string]bool{}, caseInsensitive: caseInsensitive}
	for _, p := range properties {
		spec.properties[strings.ToLower(p)] = true
	}
	return spec
}

// writeCollection answers a list request, applying $filter, $orderby, $top/$skiptoken
// paging and $select the way Graph does for the properties the controller uses.
func (c *call) writeCollection(items []map[string]any, contextFragment string, spec filterSpec) {
	if text := c.query.Get("$filter"); text != "" {
		expr, err := parseFilter(text, spec)
		if err != nil {
			c.fail(http.StatusBadRequest, codeUnsupportedQuery, err.Error())
			return
		}
		filtered := items[:0:0]
		for _, item := range items {
			if expr.matches(item) {
				filtered = append(filtered, item)
			}
		}
		items = filtered
	}
	if orderBy := c.query.Get("$orderby"); orderBy != "" {
		if err := sortItems(items, orderBy, spec); err != nil {
			c.fail(http.StatusBadRequest, codeUnsupportedQuery, err.Error())
			return
		}
	}
	pageSize := defaultPageSize
	if top := c.query.Get("$top"); top != "" {
		n, err := strconv.Atoi(top)
		if err != nil || n < 1 || n > 999 {
			c.fail(http.StatusBadRequest, codeRequestBadRequest, fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and 999 inclusive.", top))
			return
		}
		pageSize = n
	}
	offset := 0
	if token := c.query.Get("$skiptoken"); token != "" {
		n, err := decodeSkipToken(token)
		if err != nil {
			c.fail(http.StatusBadRequest, codeRequestBadRequest, "Invalid $skiptoken.")
			return
		}
		offset = n
	}
	if offset > len(items) {
		offset = len(items)
	}
	end := min(offset+pageSize, len(items))
	page := items[offset:end]
	selected := make([]map[string]any, 0, len(page))
	for _, item := range page {
		selected = append(selected, selectProperties(item, c.query.Get("$select")))
	}
	response := map[string]any{
		"@odata.context": c.context(contextFragment),
		"value":          selected,
	}
	if end < len(items) {
		response["@odata.nextLink"] = c.nextLink(end)
	}
	c.writeJSON(http.StatusOK, response)
}

// writeEntity answers a single entity, applying $select.
func (c *call) writeEntity(item map[string]any) {
	c.writeJSON(http.StatusOK, selectProperties(item, c.query.Get("$select")))
}

func (c *call) nextLink(offset int) string {
	q := url.Values{}
	for k, v := range c.query {
		if k != "$skiptoken" {
			q[k] = v
		}
	}
	q.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte("offset:"+strconv.Itoa(offset))))
	return c.baseURL + strings.TrimPrefix(c.r.URL.Path, "/v1.0") + "?" + q.Encode()
}

func decodeSkipToken(token string) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, fmt.Errorf("decode skiptoken: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("skiptoken %q is not an offset", raw)
	}
	return n, nil
}

// selectProperties keeps only the properties named in $select (and OData annotations).
func selectProperties(item map[string]any, selectParam string) map[string]any {
	if strings.TrimSpace(selectParam) == "" {
		return item
	}
	wanted := map[string]bool{}
	for p := range strings.SplitSeq(selectParam, ",") {
		wanted[strings.ToLower(strings.TrimSpace(p))] = true
	}
	out := map[string]any{}
	for k, v := range item {
		if strings.HasPrefix(k, "@odata.") || wanted[strings.ToLower(k)] {
			out[k] = v
		}
	}
	return out
}

func sortItems(items []map[string]any, orderBy string, spec filterSpec) error {
	fields := strings.Fields(orderBy)
	if len(fields) == 0 || len(fields) > 2 {
		return fmt.Errorf("invalid $orderby clause '%s'", orderBy)
	}
	property := fields[0]
	if !spec.properties[strings.ToLower(property)] {
		return queryErrorf("Sorting not supported for property '%s'.", property)
	}
	descending := len(fields) == 2 && strings.EqualFold(fields[1], "desc")
	if len(fields) == 2 && !descending && !strings.EqualFold(fields[1], "asc") {
		return fmt.Errorf("invalid $orderby direction '%s'", fields[1])
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := lookupPath(items[i], property), lookupPath(items[j], property)
		cmp, ok := compareValues(a, b, false)
		if !ok {
			return false
		}
		if descending {
			return cmp > 0
		}
		return cmp < 0
	})
	return nil
}

// lookupPath walks "a/b/c" through nested maps, matching keys case-insensitively.
func lookupPath(item map[string]any, path string) any {
	var current any = item
	for part := range strings.SplitSeq(path, "/") {
		m, ok := current.(map[string]any)
		if !ok {
			return nil
		}
		next, found := m[part]
		if !found {
			for k, v := range m {
				if strings.EqualFold(k, part) {
					next, found = v, true
					break
				}
			}
		}
		if !found {
			return nil
		}
		current = next
	}
	return current
}

// compareValues orders two filter operands: times, numbers, booleans and strings. ok is
// false when they are not comparable.
func compareValues(a, b any, caseInsensitive bool) (int, bool) {
	if a == nil || b == nil {
		if a == nil && b == nil {
			return 0, true
		}
		return 0, false
	}
	if ta, okA := asTime(a); okA {
		if tb, okB := asTime(b); okB {
			return ta.Compare(tb), true
		}
	}
	switch av := a.(type) {
	case float64:
		bv, ok := b.(float64)
		if !ok {
			return 0, false
		}
		switch {
		case av < bv:
			return -1, true
		case av > bv:
			return 1, true
		}
		return 0, true
	case bool:
		bv, ok := b.(bool)
		if !ok {
			return 0, false
		}
		if av == bv {
			return 0, true
		}
		if !av {
			return -1, true
		}
		return 1, true
	case string:
		bv, ok := b.(string)
		if !ok {
			return 0, false
		}
		if caseInsensitive {
			av, bv = strings.ToLower(av), strings.ToLower(bv)
		}
		return strings.Compare(av, bv), true
	}
	return 0, false
}

// filterTime marks a literal that was written as an unquoted date/time in $filter.
type filterTime struct{ t time.Time }

func asTime(v any) (time.Time, bool) {
	switch tv := v.(type) {
	case filterTime:
		return tv.t, true
	case string:
		if len(tv) < 10 || tv[4] != '-' {
			return time.Time{}, false
		}
		return parseFilterTime(tv)
	}
	return time.Time{}, false
}

func parseFilterTime(text string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, text); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
