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
	"container/list"
	"context"
	"sync"

	"github.com/andmoney/scim-operator/internal/graph"
)

// Factory builds and caches Clients per cache key. It implements graph.Factory and is safe for
// concurrent use. Building a client does no network I/O: the first token is requested by the
// first Graph call.
type Factory struct {
	opts options

	mu      sync.Mutex
	entries map[string]*list.Element
	lru     *list.List // front = most recently used; values are *cacheEntry
}

type cacheEntry struct {
	key    string
	client *Client
}

var _ graph.Factory = (*Factory)(nil)

// NewFactory returns a Factory whose clients use opts.
func NewFactory(opts ...Option) *Factory {
	return &Factory{
		opts:    buildOptions(opts),
		entries: map[string]*list.Element{},
		lru:     list.New(),
	}
}

// ForTenant returns the cached client for cacheKey, or builds one from creds and endpoints.
// The caller must change cacheKey whenever creds or endpoints change: a cached client is
// returned without looking at them.
func (f *Factory) ForTenant(_ context.Context, cacheKey string, creds graph.Credentials, endpoints graph.Endpoints) (graph.Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if el, ok := f.entries[cacheKey]; ok {
		f.lru.MoveToFront(el)
		return el.Value.(*cacheEntry).client, nil
	}
	c, err := newClient(creds, endpoints, f.opts)
	if err != nil {
		return nil, err
	}
	f.entries[cacheKey] = f.lru.PushFront(&cacheEntry{key: cacheKey, client: c})
	for f.lru.Len() > f.opts.cacheSize {
		oldest := f.lru.Back()
		entry := oldest.Value.(*cacheEntry)
		f.lru.Remove(oldest)
		delete(f.entries, entry.key)
		entry.client.closeIdleConnections()
	}
	return c, nil
}

// Forget drops a cached client, e.g. when its ScimTenant is deleted.
func (f *Factory) Forget(cacheKey string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if el, ok := f.entries[cacheKey]; ok {
		f.lru.Remove(el)
		delete(f.entries, cacheKey)
		el.Value.(*cacheEntry).client.closeIdleConnections()
	}
}

// Len returns the number of cached clients.
func (f *Factory) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lru.Len()
}
