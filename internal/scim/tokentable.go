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
	"crypto/sha256"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// tokenDigest is the SHA-256 of a bearer token: the only form in which tokens stay in memory. The zero
// digest stands for no token (no SHA-256 of a token is all zeros).
type tokenDigest [sha256.Size]byte

// appEntry is what the token table knows of one ScimApplication.
type appEntry struct {
	app       store.App
	tenantURL string
	digest    tokenDigest
	// previous is the token the Secret held before a rotation: Entra keeps sending it until the
	// controller's secrets PUT succeeds, so it stays accepted until status.secretsHash moves on from
	// pushedHash, and never past previousUntil.
	previous      tokenDigest
	previousUntil time.Time
	pushedHash    string
	// appVersion and secretVersion are the resource versions the row was built from: a failed
	// authentication re-reads only applications whose cached versions differ.
	appVersion, secretVersion string
}

func (e *appEntry) hasToken() bool { return e.digest != tokenDigest{} }

// rotationOverlap bounds how long a rotated-out token keeps working while Entra has not been given the
// new one (the controller's secrets PUT keeps failing).
const rotationOverlap = time.Hour

// table is one immutable version of the token table: the rows, and the rows by the digests they accept
// (current and previous). It knows nothing of the API server; the token controller builds its rows.
type table struct {
	rows     map[types.NamespacedName]appEntry
	byDigest map[tokenDigest][]appEntry
}

// with returns the table with an application's row replaced (nil removes it), carrying over the token
// Entra may still hold. A rotation starts when the token changes while Entra has been given one
// (status.secretsHash is set); it ends when the hash changes (the controller pushed the new token), when
// the Secret goes back to the previous token, or at the overlap's end. A row built from an older Secret
// than the row in place changes nothing: it returns t itself.
func (t *table) with(name types.NamespacedName, e *appEntry, secretsHash string, now time.Time) *table {
	old, had := t.rows[name]
	if had && e != nil && olderVersion(e.secretVersion, old.secretVersion) {
		return t
	}
	rows := make(map[types.NamespacedName]appEntry, len(t.rows)+1)
	for k, r := range t.rows {
		if k != name {
			rows[k] = r
		}
	}
	if e != nil {
		next := *e
		switch {
		case had && now.Before(old.previousUntil) && old.pushedHash == secretsHash:
			next.previous, next.previousUntil, next.pushedHash = old.previous, old.previousUntil, old.pushedHash
		case had && old.hasToken() && next.hasToken() && old.digest != next.digest && secretsHash != "":
			next.previous, next.previousUntil, next.pushedHash = old.digest, now.Add(rotationOverlap), secretsHash
		}
		if !next.hasToken() || next.previous == next.digest {
			next.previous, next.previousUntil, next.pushedHash = tokenDigest{}, time.Time{}, ""
		}
		rows[name] = next
	}
	byDigest := make(map[tokenDigest][]appEntry, len(rows))
	for _, r := range rows {
		if r.hasToken() {
			byDigest[r.digest] = append(byDigest[r.digest], r)
		}
		if !r.previousUntil.IsZero() {
			byDigest[r.previous] = append(byDigest[r.previous], r)
		}
	}
	return &table{rows: rows, byDigest: byDigest}
}

// olderVersion reports whether resourceVersion a is older than b. They are etcd revisions; when either
// is not a number (or is empty), neither counts as older.
func olderVersion(a, b string) bool {
	x, errA := strconv.ParseUint(a, 10, 64)
	y, errB := strconv.ParseUint(b, 10, 64)
	return errA == nil && errB == nil && x < y
}

// lookup returns the application a bearer token belongs to among those of the given kind. The digest
// (not the token) is the map key, so lookup time tells nothing about the token. A token shared by two
// applications of one kind selects neither.
func (t *table) lookup(token []byte, kind model.Kind, now time.Time) (appEntry, bool) {
	if len(token) == 0 {
		return appEntry{}, false
	}
	d := sha256.Sum256(token)
	var found appEntry
	n := 0
	for _, e := range t.byDigest[d] {
		// The previous token is indexed too, but accepted only until its overlap ends.
		if e.app.Kind.Kind == kind && (e.digest == d || now.Before(e.previousUntil)) {
			found = e
			n++
		}
	}
	if n != 1 {
		return appEntry{}, false
	}
	return found, true
}
