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

package msgraph_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/andmoney/scim-operator/internal/graph"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
)

const (
	aliceID = "0b6d3c57-0f4e-4a43-9a0a-2d8f3f0c1a01"
	bobID   = "0b6d3c57-0f4e-4a43-9a0a-2d8f3f0c1a02"
	teamID  = "7c1e0a44-51b3-4c55-8d0f-6a1d2b3c4d01"

	schemaPutRoute   = "PUT /servicePrincipals/{sp}/synchronization/jobs/{job}/schema"
	schemaPatchRoute = "PATCH /servicePrincipals/{sp}/synchronization/jobs/{job}/schema"
)

func directory() []simulator.Option {
	return []simulator.Option{
		simulator.WithUsers(
			simulator.User{ID: aliceID, UserPrincipalName: "alice@andmoney.dk", DisplayName: "Alice Advisor", GivenName: "Alice", Surname: "Advisor", OfficeLocation: "Copenhagen"},
			simulator.User{ID: bobID, UserPrincipalName: "bob@andmoney.dk", DisplayName: "Bob Booker", GivenName: "Bob", Surname: "Booker"},
		),
		simulator.WithGroups(
			simulator.Group{ID: teamID, DisplayName: "Advisors team", Members: []string{aliceID}},
			simulator.Group{DisplayName: "Rooms team"},
			simulator.Group{DisplayName: "Rooms team"},
			simulator.Group{DisplayName: "O'Brien's team"},
		),
	}
}

// TestAdvisorsFlow walks docs/graph.md §0 for the advisors application through the real SDK,
// azidentity (client secret) and the simulator.
func TestAdvisorsFlow(t *testing.T) {
	g := NewWithT(t)
	clock := simulator.NewManualClock(time.Now().UTC().Truncate(time.Second))
	e := newEnv(t, append(directory(),
		simulator.WithClock(clock.Now),
		simulator.WithReplicationLag(30*time.Second, false),
		simulator.WithFlowTypesWithSpaces(),
	)...)
	c := e.client(t, secretCredentials())
	ctx := ctxFor(t)

	g.Expect(c.Ping(ctx)).To(Succeed())

	// 1. Instantiate the non-gallery template.
	sp, err := c.InstantiateApplication(ctx, "advisors")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(sp.ID).NotTo(BeEmpty())
	g.Expect(sp.AppID).NotTo(BeEmpty())
	g.Expect(sp.ApplicationObjectID).NotTo(BeEmpty())
	g.Expect(sp.DisplayName).To(Equal("advisors"))
	g.Expect(sp.AppRoles).To(ContainElement(graph.AppRole{ID: graph.UserAppRoleID, DisplayName: "User"}))
	apps := e.sim.Applications()
	g.Expect(apps).To(HaveLen(1))
	g.Expect(apps[0].ID).To(Equal(sp.ApplicationObjectID))
	g.Expect(apps[0].ServicePrincipalID).To(Equal(sp.ID))

	// Replication lag: the new service principal is not readable yet, nor writable.
	_, err = c.GetServicePrincipal(ctx, sp.ID)
	g.Expect(graph.IsReplicationLag(err)).To(BeTrue(), "got %v", err)
	g.Expect(graph.IsNotFound(err)).To(BeTrue())
	g.Expect(graphError(g, err).Code).To(Equal("Request_ResourceNotFound"))
	_, err = c.CreateJob(ctx, sp.ID, graph.ScimJobTemplateID)
	g.Expect(graph.IsReplicationLag(err)).To(BeTrue(), "got %v", err)

	clock.Advance(31 * time.Second)
	read, err := c.GetServicePrincipal(ctx, sp.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(read).To(Equal(sp))

	// 2. Find or create the scim job.
	jobs, err := c.ListJobs(ctx, sp.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(jobs).To(BeEmpty())
	job, err := c.CreateJob(ctx, sp.ID, graph.ScimJobTemplateID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(job.ID).To(HavePrefix("scim." + strings.ReplaceAll(tenantID, "-", "") + "."))
	g.Expect(job.TemplateID).To(Equal("scim"))
	g.Expect(job.ScheduleState).To(Equal("Disabled"))
	g.Expect(job.Status.Code).To(Equal("NotConfigured"))
	g.Expect(job.Status.LastExecution).To(BeNil())
	g.Expect(job.Status.SteadyStateLastAchievedTime.IsZero()).To(BeTrue())
	_, err = c.GetJob(ctx, sp.ID, job.ID)
	g.Expect(graph.IsReplicationLag(err)).To(BeTrue(), "the new job lags too: %v", err)
	clock.Advance(31 * time.Second)
	jobs, err = c.ListJobs(ctx, sp.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(jobs).To(ConsistOf(*job))
	_, err = c.CreateJob(ctx, sp.ID, graph.ScimJobTemplateID)
	g.Expect(graph.IsConflict(err)).To(BeTrue(), "a second scim job: %v", err)

	// Provisioning before the credentials are saved fails and is logged as a failure.
	schema, err := c.GetSchema(ctx, sp.ID, job.ID)
	g.Expect(err).NotTo(HaveOccurred())
	ruleID := ruleIDOf(g, schema)
	failedAt := clock.Now()
	result, err := c.ProvisionOnDemand(ctx, sp.ID, job.ID, ruleID, aliceID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(result.Result).To(Equal("Failure"))
	g.Expect(result.Details).To(ContainSubstring(simulator.CodeInvalidCredentials))

	// 3. Admin credentials: test connection, then PUT the whole set.
	tenantURL := "https://api.test-env.booking.andmoney.dk/advisors/scim"
	creds := []graph.Secret{{Key: "BaseAddress", Value: tenantURL}, {Key: "SecretToken", Value: "s3cr3t-token"}}
	g.Expect(c.ValidateCredentials(ctx, sp.ID, job.ID, creds)).To(Succeed())
	err = c.ValidateCredentials(ctx, sp.ID, job.ID, []graph.Secret{{Key: "BaseAddress", Value: "not a url"}, {Key: "SecretToken", Value: "x"}})
	g.Expect(graphError(g, err).StatusCode).To(Equal(400))
	g.Expect(graphError(g, err).Code).To(Equal(simulator.CodeCredentialValidationUnavailable))

	notify := `{"Enabled":true,"Recipients":"ops@andmoney.dk","DeleteThresholdEnabled":true,"DeleteThresholdValue":500}`
	secrets := append(creds, graph.Secret{Key: "SyncNotificationSettings", Value: notify}, graph.Secret{Key: "SyncAll", Value: "false"})
	g.Expect(c.PutSecrets(ctx, sp.ID, secrets)).To(Succeed())
	g.Expect(e.sim.Secrets(sp.ID)).To(Equal(map[string]string{
		"BaseAddress": tenantURL, "SecretToken": "s3cr3t-token", "SyncNotificationSettings": notify, "SyncAll": "false",
	}))
	g.Expect(c.ValidateCredentials(ctx, sp.ID, job.ID, nil)).To(Succeed(), "saved credentials")
	// A key outside the enum is sent as written, and Graph rejects the mis-cased name.
	err = c.PutSecrets(ctx, sp.ID, []graph.Secret{{Key: "baseAddress", Value: tenantURL}})
	g.Expect(graphError(g, err).Message).To(ContainSubstring("'baseAddress'"))
	g.Expect(e.sim.Secrets(sp.ID)).To(HaveKeyWithValue("SecretToken", "s3cr3t-token"), "a rejected PUT changes nothing")

	// 4. Mappings: GET raw, edit, PUT raw. Unknown keys and flowTypes with spaces survive.
	var doc map[string]any
	g.Expect(json.Unmarshal(schema, &doc)).To(Succeed())
	users := userMapping(g, doc)
	g.Expect(users["flowTypes"]).To(Equal("Add, Update, Delete"))
	setExternalIDSource(g, users, "objectId")
	users["x-future-property"] = map[string]any{"kept": true}
	doc["x-unknown-top-level"] = []any{"a", 1.0}
	edited, err := json.Marshal(doc)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c.PutSchema(ctx, sp.ID, job.ID, edited)).To(Succeed())
	g.Expect(e.sim.CallCount(schemaPutRoute)).To(Equal(1))
	g.Expect(e.sim.CallCount(schemaPatchRoute)).To(BeZero())
	stored, ok := e.sim.JobSchema(job.ID)
	g.Expect(ok).To(BeTrue())
	jsonEqual(g, stored, edited)
	again, err := c.GetSchema(ctx, sp.ID, job.ID)
	g.Expect(err).NotTo(HaveOccurred())
	jsonEqual(g, again, edited)
	g.Expect(string(again)).To(ContainSubstring(`"flowTypes":"Add, Update, Delete"`))
	// A schema the backend rejects surfaces as a 400.
	setExternalIDSource(g, users, "noSuchAttribute")
	bad, _ := json.Marshal(doc)
	err = c.PutSchema(ctx, sp.ID, job.ID, bad)
	g.Expect(graphError(g, err).StatusCode).To(Equal(400))

	// 6. Assignments, including a duplicate.
	user, err := c.GetUser(ctx, "alice@andmoney.dk")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(*user).To(Equal(graph.Principal{ID: aliceID, DisplayName: "Alice Advisor", UserPrincipalName: "alice@andmoney.dk"}))
	byID, err := c.GetUser(ctx, aliceID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(byID).To(Equal(user))
	_, err = c.GetUser(ctx, "nobody@andmoney.dk")
	g.Expect(graph.IsNotFound(err)).To(BeTrue(), "got %v", err)
	team, err := c.GetGroup(ctx, teamID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(*team).To(Equal(graph.Principal{ID: teamID, DisplayName: "Advisors team"}))
	found, err := c.FindGroups(ctx, "Advisors team")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(found).To(ConsistOf(*team))
	rooms, err := c.FindGroups(ctx, "Rooms team")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rooms).To(HaveLen(2), "display names are not unique")
	quoted, err := c.FindGroups(ctx, "O'Brien's team")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(quoted).To(HaveLen(1))
	none, err := c.FindGroups(ctx, "nobody's team")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(none).To(BeEmpty())

	first, err := c.Assign(ctx, sp.ID, aliceID, graph.UserAppRoleID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(first.ID).NotTo(BeEmpty())
	g.Expect(first.PrincipalID).To(Equal(aliceID))
	g.Expect(first.PrincipalType).To(Equal("User"))
	g.Expect(first.AppRoleID).To(Equal(graph.UserAppRoleID))
	duplicate, err := c.Assign(ctx, sp.ID, aliceID, graph.UserAppRoleID)
	g.Expect(err).NotTo(HaveOccurred(), "an existing assignment is success")
	g.Expect(duplicate).To(Equal(first))
	groupAssignment, err := c.Assign(ctx, sp.ID, teamID, graph.UserAppRoleID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(groupAssignment.PrincipalType).To(Equal("Group"))
	g.Expect(e.sim.Assignments(sp.ID)).To(HaveLen(2))
	listed, err := c.ListAssignments(ctx, sp.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(listed).To(ConsistOf(*first, *groupAssignment))
	g.Expect(c.Unassign(ctx, sp.ID, groupAssignment.ID)).To(Succeed())
	g.Expect(c.Unassign(ctx, sp.ID, groupAssignment.ID)).To(Succeed(), "already removed is success")
	g.Expect(e.sim.Assignments(sp.ID)).To(HaveLen(1))
	_, err = c.Assign(ctx, sp.ID, "2a3b4c5d-0000-4000-8000-000000000000", graph.UserAppRoleID)
	g.Expect(graphError(g, err).Message).To(ContainSubstring("Not a valid reference update"))

	// 7. Start, pause, start, a cycle, quarantine, restart with a reset scope.
	g.Expect(c.StartJob(ctx, sp.ID, job.ID)).To(Succeed())
	started, err := c.GetJob(ctx, sp.ID, job.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(started.ScheduleState).To(Equal("Active"))
	g.Expect(started.Status.Code).To(Equal("NotRun"))
	g.Expect(c.PauseJob(ctx, sp.ID, job.ID)).To(Succeed())
	paused, err := c.GetJob(ctx, sp.ID, job.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(paused.ScheduleState).To(Equal("Paused"))
	g.Expect(paused.Status.Code).To(Equal("Paused"))
	g.Expect(c.StartJob(ctx, sp.ID, job.ID)).To(Succeed())
	_, err = e.sim.RunCycle(ctx, job.ID)
	g.Expect(err).NotTo(HaveOccurred())
	cycled, err := c.GetJob(ctx, sp.ID, job.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cycled.Status.Code).To(Equal("Active"))
	g.Expect(cycled.Status.LastExecution).NotTo(BeNil())
	g.Expect(cycled.Status.LastExecution.State).To(Equal("Succeeded"))
	g.Expect(cycled.Status.LastExecution.CountExports).To(BeNumerically("==", 1), "alice is exported")
	g.Expect(cycled.Status.LastSuccessfulExecution).NotTo(BeNil())
	g.Expect(cycled.Status.SteadyStateLastAchievedTime).To(BeTemporally("~", clock.Now(), time.Second))
	g.Expect(e.sim.Exported(job.ID)).To(HaveKeyWithValue(aliceID, HaveKeyWithValue("externalId", aliceID)), "the PUT mapping is used")

	g.Expect(e.sim.QuarantineJob(job.ID, simulator.QuarantineFault{})).To(Succeed())
	quarantined, err := c.GetJob(ctx, sp.ID, job.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(quarantined.Status.Code).To(Equal("Quarantine"))
	g.Expect(quarantined.Status.Quarantine).NotTo(BeNil())
	g.Expect(quarantined.Status.Quarantine.Reason).To(Equal("EncounteredQuarantineException"))
	g.Expect(quarantined.Status.Quarantine.ErrorCode).To(Equal(simulator.CodeInvalidCredentials))
	g.Expect(quarantined.Status.Quarantine.NextAttempt).To(BeTemporally(">", clock.Now()))
	g.Expect(c.RestartJob(ctx, sp.ID, job.ID, "Watermark, Escrows, QuarantineState")).To(Succeed())
	restarted, err := c.GetJob(ctx, sp.ID, job.ID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(restarted.Status.Quarantine).To(BeNil(), "QuarantineState was reset")
	g.Expect(restarted.Status.SteadyStateLastAchievedTime.IsZero()).To(BeTrue(), "Watermark was reset")
	g.Expect(c.RestartJob(ctx, sp.ID, job.ID, "Watermark, Everything")).NotTo(Succeed())

	// 8. Provision on demand: the assigned user is created, the unassigned one skipped.
	clock.Advance(time.Minute)
	result, err = c.ProvisionOnDemand(ctx, sp.ID, job.ID, ruleID, bobID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(result.Result).To(Equal("Skipped"))
	g.Expect(result.Details).To(ContainSubstring("not assigned"))
	g.Expect(c.PauseJob(ctx, sp.ID, job.ID)).To(Succeed())
	g.Expect(c.Assign(ctx, sp.ID, bobID, graph.UserAppRoleID)).NotTo(BeNil())
	result, err = c.ProvisionOnDemand(ctx, sp.ID, job.ID, ruleID, bobID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(*result).To(Equal(graph.OnDemandResult{Result: "Success", Action: "Create"}))
	_, err = c.ProvisionOnDemand(ctx, sp.ID, job.ID, "no-such-rule", bobID)
	g.Expect(graphError(g, err).StatusCode).To(Equal(400))

	// 9. Provisioning failures: only the failure, newest first, after since.
	failures, err := c.ListProvisioningFailures(ctx, job.ID, failedAt.Add(-time.Second), 10)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(failures).To(HaveLen(1))
	g.Expect(failures[0].Status).To(Equal("failure"))
	g.Expect(failures[0].Action).To(Equal("other"))
	g.Expect(failures[0].ErrorCode).NotTo(BeEmpty())
	g.Expect(failures[0].Reason).To(ContainSubstring("Admin credentials"))
	g.Expect(failures[0].SourceDisplayName).To(Equal("alice@andmoney.dk"))
	g.Expect(failures[0].ActivityDateTime).To(BeTemporally("~", failedAt, time.Second))
	later, err := c.ListProvisioningFailures(ctx, job.ID, failedAt.Add(time.Second), 10)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(later).To(BeEmpty())

	// Deletion: job, then application; both idempotent.
	g.Expect(c.DeleteJob(ctx, sp.ID, job.ID)).To(Succeed())
	g.Expect(c.DeleteJob(ctx, sp.ID, job.ID)).To(Succeed())
	g.Expect(e.sim.Jobs(sp.ID)).To(BeEmpty())
	g.Expect(c.DeleteApplication(ctx, sp.ApplicationObjectID)).To(Succeed())
	g.Expect(c.DeleteApplication(ctx, sp.ApplicationObjectID)).To(Succeed())
	g.Expect(e.sim.Applications()).To(BeEmpty())
	_, err = c.GetServicePrincipal(ctx, sp.ID)
	g.Expect(graph.IsNotFound(err)).To(BeTrue())

	// One token served the whole flow.
	g.Expect(e.sim.CallCount(tokenRoute)).To(Equal(1))
}

// TestProvisioningFailuresNewestFirst checks ordering, the limit and paging of the failure query.
func TestProvisioningFailuresNewestFirst(t *testing.T) {
	g := NewWithT(t)
	clock := simulator.NewManualClock(time.Now().UTC().Truncate(time.Second))
	e := newEnv(t, append(directory(), simulator.WithClock(clock.Now))...)
	c := e.client(t, secretCredentials())
	ctx := ctxFor(t)

	sp, err := c.InstantiateApplication(ctx, "rooms")
	g.Expect(err).NotTo(HaveOccurred())
	job, err := c.CreateJob(ctx, sp.ID, graph.ScimJobTemplateID)
	g.Expect(err).NotTo(HaveOccurred())
	schema, err := c.GetSchema(ctx, sp.ID, job.ID)
	g.Expect(err).NotTo(HaveOccurred())
	ruleID := ruleIDOf(g, schema)
	start := clock.Now()
	var times []time.Time
	for _, user := range []string{aliceID, bobID, aliceID} {
		clock.Advance(time.Minute)
		times = append(times, clock.Now())
		r, err := c.ProvisionOnDemand(ctx, sp.ID, job.ID, ruleID, user)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(r.Result).To(Equal("Failure"))
	}
	all, err := c.ListProvisioningFailures(ctx, job.ID, start, 0)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(all).To(HaveLen(3))
	g.Expect(all[0].ActivityDateTime).To(BeTemporally("~", times[2], time.Second))
	g.Expect(all[2].ActivityDateTime).To(BeTemporally("~", times[0], time.Second))
	two, err := c.ListProvisioningFailures(ctx, job.ID, start, 2)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(two).To(Equal(all[:2]))
	other, err := c.ListProvisioningFailures(ctx, "scim.other.job", start, 10)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(other).To(BeEmpty())
}

func ruleIDOf(g *WithT, schema []byte) string {
	var doc struct {
		SynchronizationRules []struct {
			ID string `json:"id"`
		} `json:"synchronizationRules"`
	}
	g.Expect(json.Unmarshal(schema, &doc)).To(Succeed())
	g.Expect(doc.SynchronizationRules).NotTo(BeEmpty())
	return doc.SynchronizationRules[0].ID
}

// userMapping returns the User object mapping of the first rule of a decoded schema.
func userMapping(g *WithT, doc map[string]any) map[string]any {
	rules, _ := doc["synchronizationRules"].([]any)
	g.Expect(rules).NotTo(BeEmpty())
	rule, _ := rules[0].(map[string]any)
	mappings, _ := rule["objectMappings"].([]any)
	for _, m := range mappings {
		om, _ := m.(map[string]any)
		if om["sourceObjectName"] == "User" {
			return om
		}
	}
	g.Expect("no User object mapping").To(BeEmpty())
	return nil
}

func setExternalIDSource(g *WithT, userMapping map[string]any, attribute string) {
	mappings, _ := userMapping["attributeMappings"].([]any)
	for _, m := range mappings {
		am, _ := m.(map[string]any)
		if am["targetAttributeName"] == "externalId" {
			am["source"] = map[string]any{"expression": "[" + attribute + "]", "name": attribute, "type": "Attribute", "parameters": []any{}}
			return
		}
	}
	g.Expect("no externalId mapping").To(BeEmpty())
}
