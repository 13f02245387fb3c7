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

package msgraph

import (
	"context"
	"fmt"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
)

// collectionPage is one page of a Graph collection, as every SDK collection response has it.
type collectionPage[M any] interface {
	GetValue() []M
	GetOdataNextLink() *string
}

// collectPages walks a Graph collection page by page and returns the converted items that keep
// says to keep. fetch gets the first page for an empty nextLink, else the page at nextLink; its
// errors are returned as they are. A nil first or later page ends the list. With limit > 0 the
// walk stops as soon as limit items are kept, fetching no more pages than it needs; maxPages
// bounds the walk either way.
func collectPages[P collectionPage[M], M, R any](fetch func(nextLink string) (P, error), keep func(M) (R, bool), limit int) ([]R, error) {
	var out []R
	next := ""
	for page := 0; ; page++ {
		res, err := fetch(next)
		if err != nil {
			return nil, err
		}
		if any(res) == nil {
			return out, nil
		}
		for _, m := range res.GetValue() {
			if limit > 0 && len(out) == limit {
				return out, nil
			}
			if r, ok := keep(m); ok {
				out = append(out, r)
			}
		}
		next = deref(res.GetOdataNextLink())
		if next == "" || (limit > 0 && len(out) >= limit) || page >= maxPages {
			return out, nil
		}
	}
}

// keepAll keeps every item of a collection, converted.
func keepAll[M, R any](convert func(M) R) func(M) (R, bool) {
	return func(m M) (R, bool) { return convert(m), true }
}

// rawPages fetches a collection for collectPages with raw requests: first for the first page, then
// a GET of each nextLink. Errors carry op.
func rawPages[P any](ctx context.Context, c *Client, op string, first *abs.RequestInformation, factory serialization.ParsableFactory) func(nextLink string) (P, error) {
	return func(nextLink string) (P, error) {
		var zero P
		ri := first
		if nextLink != "" {
			var err error
			if ri, err = c.nextRequest(nextLink); err != nil {
				return zero, fmt.Errorf("%s: %w", op, err)
			}
		}
		res, err := c.adapter.Send(ctx, ri, factory, errorMappings)
		if err != nil {
			return zero, mapError(op, err)
		}
		list, ok := res.(P)
		if !ok {
			return zero, fmt.Errorf("%s: unexpected answer %T", op, res)
		}
		return list, nil
	}
}
