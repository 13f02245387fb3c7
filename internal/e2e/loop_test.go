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

package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
	"github.com/andmoney/scim-operator/internal/testenv"
)

// The bank's directory. Anna and Bo are advisors through the group; the room is a meeting room;
// Cecilie joins later and is provisioned on demand.
var (
	anna    = simulator.User{ID: "a0000000-0000-4000-8000-000000000001", UserPrincipalName: "anna.jensen@bank.dk", DisplayName: "Anna Jensen", GivenName: "Anna", Surname: "Jensen", OfficeLocation: "Strandvejen 1"}
	bo      = simulator.User{ID: "a0000000-0000-4000-8000-000000000002", UserPrincipalName: "bo.nielsen@bank.dk", DisplayName: "Bo Nielsen", GivenName: "Bo", Surname: "Nielsen", OfficeLocation: "Strandvejen 1", MailNickname: "bo"}
	cecilie = simulator.User{ID: "a0000000-0000-4000-8000-000000000003", UserPrincipalName: "cecilie.holm@bank.dk", DisplayName: "Cecilie Holm", GivenName: "Cecilie", Surname: "Holm", OfficeLocation: "Havnegade 5"}
	room    = simulator.User{ID: "a0000000-0000-4000-8000-000000000004", UserPrincipalName: "room.hellerup.1@bank.dk", DisplayName: "Hellerup meeting room 1", OfficeLocation: "Strandvejen 1"}

	advisorsGroup = simulator.Group{ID: "b0000000-0000-4000-8000-000000000001", DisplayName: "Advisors", Members: []string{anna.ID, bo.ID}}
	roomsGroup    = simulator.Group{ID: "b0000000-0000-4000-8000-000000000002", DisplayName: "Meeting rooms", Members: []string{room.ID}}
)

// TestProvisioningLoop is the product, end to end: users assigned in Entra become records, stay
// current, are disabled when they leave scope and deleted when deleted; the mapping table is the
// single source of truth; provision on demand works without a cycle; a wrong token quarantines the
// job and the fix recovers it.
func TestProvisioningLoop(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	for _, u := range []simulator.User{anna, bo, cecilie, room} {
		sim.AddUser(u)
	}
	sim.AddGroup(advisorsGroup)
	sim.AddGroup(roomsGroup)

	// 1. The tenant and both applications, Ready.
	ns := newTenantNamespace(t, "e2e-")
	advisors := createApp(t, ns.Name, v1.ResourceTypeAdvisors, advisorsGroup.DisplayName)
	rooms := createApp(t, ns.Name, v1.ResourceTypeRooms, roomsGroup.DisplayName)
	waitReady(t, advisors)
	waitReady(t, rooms)

	// 2. A cycle of each job: the records hold exactly the mapped values; a second cycle writes nothing.
	cycle(t, advisors, "Succeeded")
	cycle(t, rooms, "Succeeded")
	g.Expect(record(t, ns.Name, advisors, anna.UserPrincipalName)).To(Equal(v1.RecordFields{
		UserName: anna.UserPrincipalName, DisplayName: anna.DisplayName, ExternalID: anna.ID,
		Active: new(true), WorkAddress: &v1.WorkAddress{Formatted: anna.OfficeLocation},
	}))
	g.Expect(advisorName(t, ns.Name, anna.UserPrincipalName)).To(Equal(&v1.PersonName{GivenName: "Anna", FamilyName: "Jensen"}))
	g.Expect(record(t, ns.Name, advisors, bo.UserPrincipalName).ExternalID).To(Equal(bo.ID))
	g.Expect(record(t, ns.Name, rooms, room.UserPrincipalName)).To(Equal(v1.RecordFields{
		UserName: room.UserPrincipalName, DisplayName: room.DisplayName, ExternalID: room.ID,
		Active: new(true), WorkAddress: &v1.WorkAddress{Formatted: room.OfficeLocation},
	}))
	mark := len(sim.SCIMRequests())
	cycle(t, advisors, "Succeeded")
	cycle(t, rooms, "Succeeded")
	g.Expect(requestsSince(mark)).To(BeEmpty(), "steady state costs no SCIM request")

	// 3. A new surname and office: exactly one PATCH, and the record follows.
	sim.UpdateUser(anna.ID, func(u *simulator.User) { u.Surname, u.OfficeLocation = "Kragh", "Havnegade 5" })
	mark = len(sim.SCIMRequests())
	cycle(t, advisors, "Succeeded")
	g.Expect(writesSince(mark)).To(ConsistOf(HavePrefix("PATCH ")))
	g.Expect(advisorName(t, ns.Name, anna.UserPrincipalName).FamilyName).To(Equal("Kragh"))
	g.Expect(record(t, ns.Name, advisors, anna.UserPrincipalName).WorkAddress.Formatted).To(Equal("Havnegade 5"))

	// 4. Bo leaves the group: his record is disabled, not deleted.
	sim.RemoveGroupMembers(advisorsGroup.ID, bo.ID)
	cycle(t, advisors, "Succeeded")
	g.Expect(record(t, ns.Name, advisors, bo.UserPrincipalName).Active).To(Equal(new(false)))

	// 5. The room's account is disabled: active false, computed by the Switch([IsSoftDeleted], …) row.
	sim.UpdateUser(room.ID, func(u *simulator.User) { u.Disabled = true })
	mark = len(sim.SCIMRequests())
	cycle(t, rooms, "Succeeded")
	g.Expect(record(t, ns.Name, rooms, room.UserPrincipalName).Active).To(Equal(new(false)))
	g.Expect(writesSince(mark)).To(ConsistOf(HavePrefix("PATCH ")))
	disable := lastLog(t, rooms)
	g.Expect(disable.ProvisioningAction).To(Equal("disable"))
	g.Expect(disable.ModifiedProperties).To(ConsistOf(HaveField("DisplayName", "active")))
	g.Expect(*disable.ModifiedProperties[0].NewValue).To(Equal("False"), "the value the active row's Switch computes")

	// 6. Anna is hard-deleted in Entra: her record is deleted.
	annaRecord := advisorObject(t, ns.Name, anna.UserPrincipalName)
	sim.DeleteUser(anna.ID)
	mark = len(sim.SCIMRequests())
	cycle(t, advisors, "Succeeded")
	g.Expect(writesSince(mark)).To(ConsistOf(HavePrefix("DELETE ")))
	g.Eventually(func() bool {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(annaRecord), &v1.Advisor{})
		return client.IgnoreNotFound(err) == nil && err != nil
	}).WithTimeout(10 * time.Second).Should(BeTrue())

	// 7. The mapping table changes: the controller pushes the schema, the next cycle writes the new
	// values. Bo rejoins the group in the same cycle, so his PATCH also re-enables him.
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(advisors), advisors)).To(Succeed())
	mappings := v1.SeedMappings(v1.ResourceTypeAdvisors)
	for i := range mappings {
		if mappings[i].Target == v1.TargetDisplayName {
			mappings[i].Source = `Join(" ", [displayName], "-", [mailNickname])`
		}
	}
	advisors.Spec.Mappings = mappings
	g.Expect(k8s.Update(ctx, advisors)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(advisors), advisors)).To(Succeed())
		c := apimeta.FindStatusCondition(advisors.Status.Conditions, v1.MappingsSyncedCondition)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.ObservedGeneration).To(Equal(advisors.Generation))
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
	}).WithTimeout(60 * time.Second).Should(Succeed())
	schema, _ := sim.JobSchema(advisors.Status.JobID)
	g.Expect(string(schema)).To(ContainSubstring("mailNickname"))
	sim.AddGroupMembers(advisorsGroup.ID, bo.ID)
	cycle(t, advisors, "Succeeded")
	boRecord := record(t, ns.Name, advisors, bo.UserPrincipalName)
	g.Expect(boRecord.DisplayName).To(Equal("Bo Nielsen - bo"))
	g.Expect(boRecord.Active).To(Equal(new(true)))

	// 8. Cecilie joins and is provisioned on demand: her record appears before any cycle.
	sim.AddGroupMembers(advisorsGroup.ID, cecilie.ID)
	job, _ := sim.Job(advisors.Status.JobID)
	cycleBefore := job.Status.LastExecution.ActivityIdentifier
	mark = len(sim.SCIMRequests())
	annotate(t, advisors, v1.ProvisionOnDemandAnnotation, cecilie.UserPrincipalName)
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(advisors), advisors)).To(Succeed())
		g.Expect(advisors.Status.OnDemand).NotTo(BeNil())
		g.Expect(advisors.Status.OnDemand.Results).To(HaveLen(1))
	}).WithTimeout(60 * time.Second).Should(Succeed())
	result := advisors.Status.OnDemand.Results[0]
	g.Expect(result.Result).To(Equal("Success"), result.Details)
	g.Expect(result.Action).To(Equal("Create"))
	g.Expect(requestsSince(mark)).To(ConsistOf(HavePrefix("GET /advisors/scim/Users?filter="), HavePrefix("POST /advisors/scim/Users")))
	g.Expect(record(t, ns.Name, advisors, cecilie.UserPrincipalName).ExternalID).To(Equal(cecilie.ID))
	job, _ = sim.Job(advisors.Status.JobID)
	g.Expect(job.Status.LastExecution.ActivityIdentifier).To(Equal(cycleBefore), "no cycle ran")

	// 9. Entra holds a wrong token (rotated while the controller was not looking): the cycle fails
	// with 401, the job is quarantined and the condition says why. Rotating the token fixes it.
	sim.SetSecret(rooms.Status.ServicePrincipalID, "SecretToken", "a-token-the-endpoint-never-issued")
	failed := cycle(t, rooms, "Failed")
	g.Expect(failed.Error.Code).To(Equal(simulator.CodeInvalidCredentials))
	g.Expect(failed.Error.Message).To(ContainSubstring("401"))
	waitCondition(t, rooms, v1.ProvisioningHealthyCondition, metav1.ConditionFalse, v1.QuarantinedReason, "401")
	// Unique per run: two applications of one kind sharing a token would select neither (go test -count).
	rotated := "rooms-token-rotated-" + rooms.Namespace
	rotateToken(t, rooms, rotated)
	g.Eventually(func() string { return sim.Secrets(rooms.Status.ServicePrincipalID)["SecretToken"] }).
		WithTimeout(60 * time.Second).Should(Equal(rotated))
	annotate(t, rooms, v1.RestartAnnotation, "after-token-fix")
	g.Eventually(func() string {
		job, _ := sim.Job(rooms.Status.JobID)
		return job.Status.Code
	}).WithTimeout(60 * time.Second).ShouldNot(Equal(simulator.StatusQuarantine))
	g.Eventually(func() string {
		execution, err := sim.RunCycle(ctx, rooms.Status.JobID)
		if err != nil {
			return err.Error()
		}
		return execution.State
	}).WithTimeout(30 * time.Second).WithPolling(time.Second).Should(Equal("Succeeded"))
	waitCondition(t, rooms, v1.ProvisioningHealthyCondition, metav1.ConditionTrue, "", "")
}

// newTenantNamespace creates a namespace named after prefix, the Secret "graph" and the ScimTenant
// "bank" signing in to the simulator with it.
func newTenantNamespace(t *testing.T, prefix string) *corev1.Namespace {
	t.Helper()
	g := NewWithT(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}
	g.Expect(k8s.Create(t.Context(), ns)).To(Succeed())
	createSecret(t, ns.Name, "graph", v1.SecretTypeTenantCredentials, "client-secret", clientSecret)
	g.Expect(k8s.Create(t.Context(), &v1.ScimTenant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "bank"},
		Spec:       simulatorTenantSpec(),
	})).To(Succeed())
	return ns
}

// createSecret creates a Secret the operator may read for use (the value of v1.SecretTypeLabel).
func createSecret(t *testing.T, ns, name, use, key, value string) {
	t.Helper()
	testenv.CreateSecret(t, k8s, ns, name, use, key, value)
}

func rotateToken(t *testing.T, app *v1.ScimApplication, token string) {
	t.Helper()
	s := &corev1.Secret{}
	if err := k8s.Get(t.Context(), client.ObjectKey{Namespace: app.Namespace, Name: app.Spec.TokenSecretRef.Name}, s); err != nil {
		t.Fatal(err)
	}
	s.Data = map[string][]byte{app.Spec.TokenSecretRef.Key: []byte(token)}
	if err := k8s.Update(t.Context(), s); err != nil {
		t.Fatal(err)
	}
}

func createApp(t *testing.T, ns string, rt v1.ResourceType, group string) *v1.ScimApplication {
	t.Helper()
	app := testenv.Application(ns, rt, group)
	createSecret(t, ns, app.Spec.TokenSecretRef.Name, v1.SecretTypeSCIMToken, app.Spec.TokenSecretRef.Key, testenv.Token(ns, rt))
	if err := k8s.Create(t.Context(), app); err != nil {
		t.Fatalf("create application: %v", err)
	}
	return app
}

func waitReady(t *testing.T, app *v1.ScimApplication) {
	t.Helper()
	waitCondition(t, app, v1.ReadyCondition, metav1.ConditionTrue, "", "")
}

func waitCondition(t *testing.T, app *v1.ScimApplication, conditionType string, status metav1.ConditionStatus, reason, messagePart string) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(app), app)).To(Succeed())
		c := apimeta.FindStatusCondition(app.Status.Conditions, conditionType)
		g.Expect(c).NotTo(BeNil(), conditionType)
		g.Expect(c.Status).To(Equal(status), "%s: %s %s", conditionType, c.Reason, c.Message)
		if reason != "" {
			g.Expect(c.Reason).To(Equal(reason), c.Message)
		}
		g.Expect(c.Message).To(ContainSubstring(messagePart))
	}).WithTimeout(90 * time.Second).WithPolling(250 * time.Millisecond).Should(Succeed())
}

// cycle runs one provisioning cycle of the application's job and expects its state.
func cycle(t *testing.T, app *v1.ScimApplication, state string) simulator.TaskExecution {
	t.Helper()
	execution, err := sim.RunCycle(t.Context(), app.Status.JobID)
	if err != nil {
		t.Fatalf("cycle of %s: %v", app.Name, err)
	}
	if execution.State != state {
		t.Fatalf("cycle of %s ended %s, want %s (error %+v); logs: %+v", app.Name, execution.State, state, execution.Error, lastLog(t, app))
	}
	return execution
}

func requestsSince(mark int) []string {
	var out []string
	for _, r := range sim.SCIMRequests()[mark:] {
		out = append(out, r.String())
	}
	return out
}

func writesSince(mark int) []string {
	var out []string
	for _, r := range sim.SCIMRequests()[mark:] {
		if r.IsWrite() {
			out = append(out, r.String())
		}
	}
	return out
}

func lastLog(t *testing.T, app *v1.ScimApplication) simulator.ProvisioningLog {
	t.Helper()
	for _, entry := range slices.Backward(sim.ProvisioningLogs()) {
		if entry.JobID == app.Status.JobID {
			return entry
		}
	}
	return simulator.ProvisioningLog{}
}

// record returns the RecordFields of the application's Advisor or Room with the userName; the SCIM
// endpoint writes records synchronously, so no waiting is needed.
func record(t *testing.T, ns string, app *v1.ScimApplication, userName string) v1.RecordFields {
	t.Helper()
	selector := client.MatchingLabels{v1.ApplicationLabel: app.Name}
	if app.Spec.ResourceType == v1.ResourceTypeRooms {
		list := &v1.RoomList{}
		if err := k8s.List(t.Context(), list, client.InNamespace(ns), selector); err != nil {
			t.Fatal(err)
		}
		for _, r := range list.Items {
			if strings.EqualFold(r.Spec.UserName, userName) {
				return r.Spec.RecordFields
			}
		}
	} else {
		list := &v1.AdvisorList{}
		if err := k8s.List(t.Context(), list, client.InNamespace(ns), selector); err != nil {
			t.Fatal(err)
		}
		for _, a := range list.Items {
			if strings.EqualFold(a.Spec.UserName, userName) {
				return a.Spec.RecordFields
			}
		}
	}
	t.Fatalf("no record of %s for %s", userName, app.Name)
	return v1.RecordFields{}
}

func advisorObject(t *testing.T, ns, userName string) *v1.Advisor {
	t.Helper()
	list := &v1.AdvisorList{}
	if err := k8s.List(t.Context(), list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for i := range list.Items {
		if strings.EqualFold(list.Items[i].Spec.UserName, userName) {
			return &list.Items[i]
		}
	}
	t.Fatalf("no advisor %s", userName)
	return nil
}

func advisorName(t *testing.T, ns, userName string) *v1.PersonName {
	t.Helper()
	return advisorObject(t, ns, userName).Spec.Name
}

// annotate sets an annotation with a merge patch, as `kubectl annotate` does.
func annotate(t *testing.T, obj client.Object, key, value string) {
	t.Helper()
	testenv.Annotate(t, k8s, obj, key, value)
}
