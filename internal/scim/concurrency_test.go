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

package scim_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// TestParallelCreates races 50 POSTs over 5 userNames (in varying case): exactly one per name wins, the
// rest get 409 uniqueness, and exactly 5 records exist.
func TestParallelCreates(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	const names, perName = 5, 10
	var (
		mu     sync.Mutex
		codes  = map[int]int{}
		byName = map[string]int{}
		wg     sync.WaitGroup
	)
	for i := range names * perName {
		wg.Go(func() {
			name := fmt.Sprintf("race%d@contoso.com", i%names)
			if i%2 == 1 {
				name = strings.ToUpper(name)
			}
			r := e.do(http.MethodPost, "/Users", userBody(e.prefix, name, fmt.Sprint(i)))
			mu.Lock()
			defer mu.Unlock()
			codes[r.status]++
			if r.status == http.StatusCreated {
				byName[strings.ToLower(name)]++
			} else {
				g.Expect(r.body).To(HaveKeyWithValue("scimType", "uniqueness"), "%s", r.raw)
			}
		})
	}
	wg.Wait()
	g.Expect(codes).To(Equal(map[int]int{http.StatusCreated: names, http.StatusConflict: names*perName - names}))
	g.Expect(byName).To(HaveLen(names))
	g.Expect(records(t, e)).To(HaveLen(names))
	claims := &v1.UserNameClaimList{}
	g.Expect(cluster.Client.List(t.Context(), claims, client.InNamespace(e.app.Namespace))).To(Succeed())
	g.Expect(claims.Items).To(HaveLen(names))
}

// TestRenames checks that a rename keeps the id, that renaming onto a taken userName is a 409, that the
// old userName is free afterwards, and that renames racing creates of the same name let exactly one win.
func TestRenames(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeRooms)
	rename := func(id, to string) response {
		return e.do(http.MethodPatch, "/Users/"+id, patchBody(fmt.Sprintf(`{"op":"Replace","path":"userName","value":%q}`, to)))
	}
	a, b := e.create("a@contoso.com"), e.create("b@contoso.com")

	expectError(g, rename(a, "B@CONTOSO.COM"), http.StatusConflict, "uniqueness")
	r := rename(a, "A@contoso.com") // Only the case changes: no new claim needed.
	g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
	r = rename(a, "c@contoso.com")
	g.Expect(r.status).To(Equal(http.StatusOK), "%s", r.raw)
	g.Expect(r.body).To(HaveKeyWithValue("id", a))
	g.Expect(e.create("a@contoso.com")).NotTo(Equal(a), "the old userName is free")
	expectError(g, e.do(http.MethodPost, "/Users", userBody(e.prefix, "C@contoso.com", "x")), http.StatusConflict, "uniqueness")

	// Races: for each target name, two existing records rename onto it while two POSTs create it.
	for round := range 5 {
		target := fmt.Sprintf("target%d@contoso.com", round)
		x, y := e.create(fmt.Sprintf("x%d@contoso.com", round)), e.create(fmt.Sprintf("y%d@contoso.com", round))
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins int
		)
		count := func(r response) {
			mu.Lock()
			defer mu.Unlock()
			switch r.status {
			case http.StatusOK, http.StatusCreated:
				wins++
			default:
				g.Expect(r.status).To(Equal(http.StatusConflict), "%s", r.raw)
			}
		}
		wg.Go(func() { count(rename(x, target)) })
		wg.Go(func() { count(rename(y, strings.ToUpper(target))) })
		wg.Go(func() { count(e.do(http.MethodPost, "/Users", userBody(e.prefix, target, "p1"))) })
		wg.Go(func() { count(e.do(http.MethodPost, "/Users", userBody(e.prefix, target, "p2"))) })
		wg.Wait()
		g.Expect(wins).To(Equal(1), "round %d", round)
		holders := 0
		for _, obj := range records(t, e) {
			if strings.EqualFold(obj.(*v1.Room).Spec.UserName, target) {
				holders++
			}
		}
		g.Expect(holders).To(Equal(1), "round %d", round)
	}
	// Every record holds exactly one claim: nothing leaked by the losers.
	claims := &v1.UserNameClaimList{}
	g.Expect(cluster.Client.List(t.Context(), claims, client.InNamespace(e.app.Namespace))).To(Succeed())
	g.Expect(claims.Items).To(HaveLen(len(records(t, e))))
	_ = b
}

// TestStaleClaims covers a request that died between its claim and its record: the claim holds the
// userName open (503, try again later) while its request might still be running, and is reclaimed once it is older than the grace
// period; a claim whose record holds the userName is never reclaimed.
func TestStaleClaims(t *testing.T) {
	g := NewWithT(t)
	e := newApp(t, newNamespace(t), v1.ResourceTypeAdvisors)
	app := store.App{Namespace: e.app.Namespace, Name: e.app.Name, Kind: model.AdvisorKind}
	orphan := &v1.UserNameClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: app.Namespace, Name: store.ClaimName(app.Name, "stale@contoso.com")},
		Spec: v1.UserNameClaimSpec{Application: app.Name, UserName: "stale@contoso.com",
			RecordName: "00000000-0000-4000-8000-00000000dead"},
	}
	g.Expect(cluster.Client.Create(t.Context(), orphan)).To(Succeed())

	// The server's grace period (minutes) has not passed: the creator might still be writing the record,
	// so the outcome is open: try again later, not "taken".
	r := e.do(http.MethodPost, "/Users", userBody(e.prefix, "Stale@contoso.com", "x"))
	expectError(g, r, http.StatusServiceUnavailable, "")
	g.Expect(r.header.Get("Retry-After")).NotTo(BeEmpty())

	// A store whose grace period has passed reclaims it.
	st := store.New(testMgr.GetCache(), testMgr.GetAPIReader(), testMgr.GetClient(),
		store.Options{CacheWait: 5 * time.Second, ClaimGrace: time.Nanosecond, MaxConflictRetries: 5})
	rec, err := st.Create(t.Context(), app, model.User{UserName: "Stale@contoso.com", Active: true})
	g.Expect(err).NotTo(HaveOccurred())
	claim := &v1.UserNameClaim{}
	g.Expect(cluster.Client.Get(t.Context(), client.ObjectKeyFromObject(orphan), claim)).To(Succeed())
	g.Expect(claim.Spec.RecordName).To(Equal(rec.ID))
	g.Expect(claim.UID).NotTo(Equal(orphan.UID))

	// A live holder keeps its userName, whatever the grace period.
	_, err = st.Create(t.Context(), store.App{Namespace: app.Namespace, Name: app.Name, Kind: app.Kind},
		model.User{UserName: "STALE@contoso.com", Active: true})
	g.Expect(err).To(MatchError(store.ErrUserNameTaken))
	g.Expect(records(t, e)).To(HaveLen(1))
}
