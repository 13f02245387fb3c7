/*
Copyright 2026 &Money.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package scim

import (
	"bytes"
	"strconv"
)

var itemsPerPageKey = []byte(`"itemsPerPage":`)

// setItemsPerPage rewrites the itemsPerPage member of a list response elimity marshalled, which holds the
// requested count, to n, the number of resources returned (RFC 7644 §3.4.2). elimity marshals the response
// as a map, so the members are in key order and itemsPerPage follows Resources; the last occurrence of the
// key is the top-level member (inside a JSON string a quote is escaped, so the key cannot occur in a
// value). A body without the member is returned unchanged.
func setItemsPerPage(body []byte, n int) []byte {
	i := bytes.LastIndex(body, itemsPerPageKey)
	if i < 0 {
		return body
	}
	start := i + len(itemsPerPageKey)
	end := start
	for end < len(body) && (body[end] == '-' || body[end] >= '0' && body[end] <= '9') {
		end++
	}
	if end == start {
		return body
	}
	out := make([]byte, 0, len(body)+8)
	out = append(out, body[:start]...)
	out = strconv.AppendInt(out, int64(n), 10)
	return append(out, body[end:]...)
}
