package simulator

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// TestEndToEndFlow walks docs/graph.md §0 by raw HTTP+JSON, as the controller would.
func TestEndToEndFlow(t *testing.T) {
	g := NewWithT(t)
	clock := NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	sim, _, c := newSimulatorServer(t, WithClock(clock.Now), WithReplicationLag(30*time.Second, false))
	c.gzip = true // msgraph-sdk-go compresses every request body

	alice := sim.AddUser(User{UserPrincipalName: "alice@andmoney.dk", DisplayName: "Alice Adams", GivenName: "Alice", Surname: "Adams", MailNickname: "alice", OfficeLocation: "Room 4.12"})
	bob := sim.AddUser(User{UserPrincipalName: "bob@andmoney.dk", DisplayName: "Bob Brown", MailNickname: "bob"})
	carol := sim.AddUser(User{UserPrincipalName: "carol@andmoney.dk", DisplayName: "Carol Clark", MailNickname: "carol"})
	roomsTeam := sim.AddGroup(Group{DisplayName: "Rooms team", Members: []string{carol}})

	// 1. Instantiate the non-gallery template.
	resp := c.do(http.MethodPost, "/applicationTemplates/"+NonGalleryTemplateID+"/instantiate", map[string]string{"displayName": "advisors"})
	g.Expect(resp.status).To(Equal(http.StatusCreated), string(resp.raw))
	spID, appObjectID := str(resp.body, "servicePrincipal/id"), str(resp.body, "application/id")
	appID := str(resp.body, "application/appId")
	g.Expect(str(resp.body, "servicePrincipal/appId")).To(Equal(appID))
	g.Expect(str(resp.body, "servicePrincipal/appOwnerOrganizationId")).To(Equal(testTenantID))
	g.Expect(lookupPath(resp.body, "servicePrincipal/appRoleAssignmentRequired")).To(Equal(true))
	roles, _ := lookupPath(resp.body, "servicePrincipal/appRoles").([]any)
	g.Expect(roles).To(HaveLen(2))
	g.Expect(roles[0].(map[string]any)["id"]).To(Equal(UserAppRoleID))
	g.Expect(roles[1].(map[string]any)["id"]).To(Equal(MsiamAccessAppRoleID))

	// Replication lag: the new objects are 404 until it has passed (§9.3).
	resp = c.do(http.MethodGet, "/servicePrincipals/"+spID, nil)
	g.Expect(resp.status).To(Equal(http.StatusNotFound))
	g.Expect(resp.errorCode()).To(Equal("Request_ResourceNotFound"))
	g.Expect(c.do(http.MethodGet, "/applications/"+appObjectID, nil).status).To(Equal(http.StatusNotFound))
	byName := "/servicePrincipals?$filter=" + url.QueryEscape("displayName eq 'advisors'")
	g.Expect(c.do(http.MethodGet, byName, nil).values()).To(BeEmpty())
	clock.Advance(31 * time.Second)
	resp = c.do(http.MethodGet, "/servicePrincipals/"+spID, nil)
	g.Expect(resp.status).To(Equal(http.StatusOK))
	g.Expect(resp.body["displayName"]).To(Equal("advisors"))
	g.Expect(c.do(http.MethodGet, byName, nil).values()).To(HaveLen(1))

	// 2. Templates, then the job.
	resp = c.do(http.MethodGet, "/servicePrincipals/"+spID+"/synchronization/templates", nil)
	g.Expect(resp.status).To(Equal(http.StatusOK))
	g.Expect(resp.values()).To(HaveLen(1))
	g.Expect(resp.values()[0]["id"]).To(Equal("scim"))
	g.Expect(c.do(http.MethodGet, "/servicePrincipals/"+spID+"/synchronization/jobs", nil).values()).To(BeEmpty())
	resp = c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs", map[string]string{"templateId": "scim"})
	g.Expect(resp.status).To(Equal(http.StatusCreated), string(resp.raw))
	jobID := str(resp.body, "id")
	g.Expect(jobID).To(Equal("scim." + strings.ReplaceAll(testTenantID, "-", "") + "." + appID))
	g.Expect(str(resp.body, "schedule/state")).To(Equal("Disabled"))
	g.Expect(str(resp.body, "schedule/interval")).To(Equal("P10675199DT2H48M5.4775807S"))
	g.Expect(str(resp.body, "status/code")).To(Equal("NotConfigured"))
	g.Expect(lookupPath(resp.body, "status/quarantine")).To(BeNil())
	second := c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs", map[string]string{"templateId": "scim"})
	g.Expect(second.status).To(Equal(http.StatusConflict))
	g.Expect(c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs", map[string]string{"templateId": "nope"}).status).To(Equal(http.StatusBadRequest))
	jobPath := "/servicePrincipals/" + spID + "/synchronization/jobs/" + jobID
	g.Expect(c.do(http.MethodGet, jobPath, nil).status).To(Equal(http.StatusNotFound))
	clock.Advance(31 * time.Second)
	g.Expect(c.do(http.MethodGet, jobPath, nil).status).To(Equal(http.StatusOK))

	// 3. Test connection and secrets.
	tenantURL := "https://api.test-env.booking.andmoney.dk/advisors/scim"
	resp = c.do(http.MethodPost, jobPath+"/validateCredentials", map[string]any{
		"useSavedCredentials": false,
		"credentials":         []map[string]string{{"key": "BaseAddress", "value": tenantURL}, {"key": "SecretToken", "value": "t0k"}},
	})
	g.Expect(resp.status).To(Equal(http.StatusNoContent), string(resp.raw))
	resp = c.do(http.MethodPost, jobPath+"/validateCredentials", map[string]any{
		"credentials": []map[string]string{{"key": "baseAddress", "value": tenantURL}},
	})
	g.Expect(resp.status).To(Equal(http.StatusInternalServerError))
	g.Expect(resp.errorCode()).To(Equal("InternalError"))
	g.Expect(resp.errorMessage()).To(Equal("Requested value 'baseAddress' was not found."))

	notification := `{"Enabled":true,"Recipients":"ops@andmoney.dk","DeleteThresholdEnabled":true,"DeleteThresholdValue":500}`
	putSecrets(t, c, spID, "BaseAddress", tenantURL, "SecretToken", "t0k", "SyncNotificationSettings", notification, "SyncAll", "false", "SkipOutOfScopeDeletions", "false")
	resp = c.do(http.MethodGet, "/servicePrincipals/"+spID+"/synchronization/secrets", nil)
	g.Expect(resp.status).To(Equal(http.StatusOK))
	secrets := map[string]any{}
	for _, p := range resp.values() {
		secrets[p["key"].(string)] = p["value"]
	}
	g.Expect(secrets).To(Equal(map[string]any{
		"BaseAddress": tenantURL, "SecretToken": "*", "SyncNotificationSettings": notification,
		"SyncAll": "false", "SkipOutOfScopeDeletions": "false",
	}))
	// PUT replaces the whole set and an empty value removes a key (§4.1).
	putSecrets(t, c, spID, "BaseAddress", tenantURL, "SecretToken", "t0k", "SyncNotificationSettings", notification, "SyncAll", "false", "SkipOutOfScopeDeletions", "")
	g.Expect(sim.Secrets(spID)).To(Equal(map[string]string{
		"BaseAddress": tenantURL, "SecretToken": "t0k", "SyncNotificationSettings": notification, "SyncAll": "false",
	}))

	// 4. Mappings: GET the default schema, edit it, PUT it back; PATCH is a 404.
	resp = c.do(http.MethodGet, jobPath+"/schema", nil)
	g.Expect(resp.status).To(Equal(http.StatusOK))
	var schema schemaDocument
	g.Expect(json.Unmarshal(resp.raw, &schema)).To(Succeed())
	userMapping := findUserMapping(g, &schema)
	g.Expect(userMapping.FlowTypes).To(Equal("Add,Update,Delete"))
	g.Expect(mappingExpression(userMapping, "externalId")).To(Equal("[mailNickname]"))
	g.Expect(mappingPriority(userMapping, "userName")).To(Equal(1))
	ruleID := schema.SynchronizationRules[0].ID

	advisors := map[string]bool{"userName": true, "active": true, "displayName": true, "name.givenName": true,
		"name.familyName": true, `addresses[type eq "work"].formatted`: true, "externalId": true}
	var kept []attributeMapping
	for _, am := range userMapping.AttributeMappings {
		if !advisors[am.TargetAttributeName] {
			continue
		}
		if am.TargetAttributeName == "externalId" {
			am.Source = &mappingSource{Expression: "[objectId]", Name: "objectId", Type: "Attribute", Parameters: []mappingParameter{}}
		}
		kept = append(kept, am)
	}
	userMapping.AttributeMappings = kept
	resp = c.do(http.MethodPut, jobPath+"/schema", schema)
	g.Expect(resp.status).To(Equal(http.StatusNoContent), string(resp.raw))
	resp = c.do(http.MethodGet, jobPath+"/schema", nil)
	var stored schemaDocument
	g.Expect(json.Unmarshal(resp.raw, &stored)).To(Succeed())
	g.Expect(findUserMapping(g, &stored).AttributeMappings).To(HaveLen(7))
	g.Expect(mappingExpression(findUserMapping(g, &stored), "externalId")).To(Equal("[objectId]"))
	resp = c.do(http.MethodPatch, jobPath+"/schema", schema)
	g.Expect(resp.status).To(Equal(http.StatusNotFound))
	g.Expect(resp.errorCode()).To(Equal("UnknownError"))
	g.Expect(resp.errorMessage()).To(ContainSubstring("No HTTP resource was found that matches the request URI 'https://syncfabric.windowsazure.com/api/servicePrincipals('" + spID + "')/synchronization/jobs('" + jobID + "')/schema?api-version=2.0'."))

	// 6. Assignments, resolving principals like the controller.
	resp = c.do(http.MethodGet, "/users?$filter="+url.QueryEscape("userPrincipalName eq 'ALICE@andmoney.dk'")+"&$select=id,userPrincipalName", nil)
	g.Expect(resp.values()).To(HaveLen(1))
	g.Expect(resp.values()[0]).To(Equal(map[string]any{"id": alice, "userPrincipalName": "alice@andmoney.dk"}))
	g.Expect(c.do(http.MethodGet, "/users/bob%40andmoney.dk", nil).body["id"]).To(Equal(bob))
	resp = c.do(http.MethodGet, "/groups?$filter="+url.QueryEscape("displayName eq 'Rooms team'"), nil)
	g.Expect(resp.values()).To(HaveLen(1))
	g.Expect(resp.values()[0]["id"]).To(Equal(roomsTeam))

	assign := func(principal, role string) graphResponse {
		return c.do(http.MethodPost, "/servicePrincipals/"+spID+"/appRoleAssignedTo", map[string]string{
			"@odata.type": "#microsoft.graph.appRoleAssignment", "principalId": principal, "resourceId": spID, "appRoleId": role,
		})
	}
	resp = assign(alice, UserAppRoleID)
	g.Expect(resp.status).To(Equal(http.StatusCreated), string(resp.raw))
	g.Expect(resp.body["principalType"]).To(Equal("User"))
	g.Expect(resp.body["id"]).To(HaveLen(43))
	aliceAssignment := resp.body["id"].(string)
	resp = assign(roomsTeam, UserAppRoleID)
	g.Expect(resp.status).To(Equal(http.StatusCreated))
	g.Expect(resp.body["principalType"]).To(Equal("Group"))
	g.Expect(assign(alice, UserAppRoleID).status).To(Equal(http.StatusConflict))
	g.Expect(assign(alice, DefaultAccessAppRoleID).status).To(Equal(http.StatusBadRequest))
	g.Expect(assign("00000000-1111-2222-3333-444444444444", UserAppRoleID).errorMessage()).To(Equal("Not a valid reference update."))
	g.Expect(c.do(http.MethodGet, "/servicePrincipals/"+spID+"/appRoleAssignedTo", nil).values()).To(HaveLen(2))

	// 7. Start: Active schedule, NotRun until the first cycle completes.
	g.Expect(c.do(http.MethodPost, jobPath+"/start", nil).status).To(Equal(http.StatusNoContent))
	resp = c.do(http.MethodGet, jobPath, nil)
	g.Expect(str(resp.body, "schedule/state")).To(Equal("Active"))
	g.Expect(str(resp.body, "schedule/interval")).To(Equal("PT40M"))
	g.Expect(str(resp.body, "status/code")).To(Equal("NotRun"))
	execution, err := sim.RunCycle(context.Background(), jobID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(execution.State).To(Equal("Succeeded"))
	g.Expect(execution.CountExported).To(Equal(int64(2)))
	resp = c.do(http.MethodGet, jobPath, nil)
	g.Expect(str(resp.body, "status/code")).To(Equal("Active"))
	g.Expect(str(resp.body, "status/steadyStateLastAchievedTime")).NotTo(Equal(neverTime))
	exported := sim.Exported(jobID)
	g.Expect(exported).To(HaveKey(alice))
	g.Expect(exported).To(HaveKey(carol))
	g.Expect(exported).NotTo(HaveKey(bob))
	g.Expect(exported[alice]).To(Equal(map[string]string{
		"userName": "alice@andmoney.dk", "active": "True", "displayName": "Alice Adams", "name.givenName": "Alice",
		"name.familyName": "Adams", `addresses[type eq "work"].formatted`: "Room 4.12", "externalId": alice,
	}))

	// 7b. Pause and restart (both resetScope spellings).
	g.Expect(c.do(http.MethodPost, jobPath+"/pause", nil).status).To(Equal(http.StatusNoContent))
	resp = c.do(http.MethodGet, jobPath, nil)
	g.Expect(str(resp.body, "status/code")).To(Equal("Paused"))
	g.Expect(str(resp.body, "schedule/state")).To(Equal("Paused"))
	for _, scope := range []string{"Watermark, Escrows, QuarantineState", "Escrows,Watermark,QuarantineState"} {
		g.Expect(c.do(http.MethodPost, jobPath+"/restart", map[string]any{"criteria": map[string]string{"resetScope": scope}}).status).To(Equal(http.StatusNoContent))
	}
	g.Expect(c.do(http.MethodPost, jobPath+"/restart", map[string]any{"criteria": map[string]string{"resetScope": "Everything"}}).status).To(Equal(http.StatusBadRequest))
	g.Expect(c.do(http.MethodPost, jobPath+"/start", nil).status).To(Equal(http.StatusNoContent))
	g.Expect(str(c.do(http.MethodGet, jobPath, nil).body, "status/code")).To(Equal("Active"))

	// 8. Provision on demand: an unassigned user is skipped, an assigned one updated.
	onDemand := func(objectID string) graphResponse {
		return c.do(http.MethodPost, jobPath+"/provisionOnDemand", map[string]any{"parameters": []map[string]any{{
			"ruleId": ruleID, "subjects": []map[string]string{{"objectId": objectID, "objectTypeName": "User"}},
		}}})
	}
	resp = onDemand(bob)
	g.Expect(resp.status).To(Equal(http.StatusOK))
	g.Expect(decodeJSONString(g, resp.body["key"])["result"]).To(Equal("Skipped"))
	sim.UpdateUser(alice, func(u *User) { u.OfficeLocation = "Room 5.01" })
	resp = onDemand(alice)
	g.Expect(resp.status).To(Equal(http.StatusOK))
	g.Expect(decodeJSONString(g, resp.body["key"])["result"]).To(Equal("Success"))
	value := decodeJSONString(g, resp.body["value"])
	g.Expect(value["action"]).To(Equal("Update"))
	g.Expect(lookupPath(value, "targetSystem/name")).To(Equal("customappsso"))
	g.Expect(lookupPath(value, "targetIdentity/type")).To(Equal("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"))
	g.Expect(value["modifiedProperties"]).To(ConsistOf(map[string]any{
		"displayName": `addresses[type eq "work"].formatted`, "oldValue": "Room 4.12", "newValue": "Room 5.01",
	}))
	badRule := c.do(http.MethodPost, jobPath+"/provisionOnDemand", map[string]any{"parameters": []map[string]any{{
		"ruleId": "USERGROUP_OUTBOUND_USERGROUP", "subjects": []map[string]string{{"objectId": alice, "objectTypeName": "User"}},
	}}})
	g.Expect(badRule.status).To(Equal(http.StatusBadRequest))

	// 9. Provisioning logs with the filter the doc shows.
	filter := "servicePrincipal/id eq '" + spID + "' and activityDateTime ge 2024-01-01T00:00:00Z"
	resp = c.do(http.MethodGet, "/auditLogs/provisioning?$filter="+url.QueryEscape(filter)+"&$top=50&$orderby="+url.QueryEscape("activityDateTime desc"), nil)
	g.Expect(resp.status).To(Equal(http.StatusOK), string(resp.raw))
	logs := resp.values()
	g.Expect(logs).To(HaveLen(4)) // 2 cycle creates, 1 skipped, 1 on-demand update
	actions := []any{}
	for _, l := range logs {
		actions = append(actions, l["provisioningAction"])
		g.Expect(l["jobId"]).To(Equal(jobID))
		for _, step := range l["provisioningSteps"].([]any) {
			g.Expect(step.(map[string]any)["provisioningStepType"]).To(MatchRegexp(`^[a-z]+$`))
		}
	}
	g.Expect(actions).To(ConsistOf("create", "create", "other", "update"))
	failedOnly := "jobId eq '" + jobID + "' and provisioningStatusInfo/status eq 'skipped'"
	g.Expect(c.do(http.MethodGet, "/auditLogs/provisioning?$filter="+url.QueryEscape(failedOnly), nil).values()).To(HaveLen(1))
	g.Expect(c.do(http.MethodGet, "/auditLogs/provisioning?$filter="+url.QueryEscape("bogus eq 'x'"), nil).status).To(Equal(http.StatusBadRequest))

	// 10. Tear down: unassign, delete the job, delete the application (cascades).
	g.Expect(c.do(http.MethodDelete, "/servicePrincipals/"+spID+"/appRoleAssignedTo/"+aliceAssignment, nil).status).To(Equal(http.StatusNoContent))
	g.Expect(c.do(http.MethodGet, "/servicePrincipals/"+spID+"/appRoleAssignedTo", nil).values()).To(HaveLen(1))
	g.Expect(c.do(http.MethodDelete, jobPath, nil).status).To(Equal(http.StatusNoContent))
	g.Expect(c.do(http.MethodGet, jobPath, nil).status).To(Equal(http.StatusNotFound))
	g.Expect(c.do(http.MethodDelete, "/applications/"+appObjectID, nil).status).To(Equal(http.StatusNoContent))
	g.Expect(c.do(http.MethodGet, "/servicePrincipals/"+spID, nil).status).To(Equal(http.StatusNotFound))

	reads, writes := sim.ReadsAndWrites()
	g.Expect(reads).To(BeNumerically(">", 20))
	g.Expect(writes).To(BeNumerically(">", 15))
	g.Expect(sim.CallCount("POST /servicePrincipals/{sp}/synchronization/jobs/{job}/provisionOnDemand")).To(Equal(3))
}

func findUserMapping(g Gomega, doc *schemaDocument) *objectMapping {
	for r := range doc.SynchronizationRules {
		for i := range doc.SynchronizationRules[r].ObjectMappings {
			if doc.SynchronizationRules[r].ObjectMappings[i].SourceObjectName == "User" {
				return &doc.SynchronizationRules[r].ObjectMappings[i]
			}
		}
	}
	g.Expect("User object mapping").To(BeEmpty(), "no User object mapping in the schema")
	return nil
}

func mappingExpression(om *objectMapping, target string) string {
	for _, am := range om.AttributeMappings {
		if am.TargetAttributeName == target && am.Source != nil {
			return am.Source.Expression
		}
	}
	return ""
}

func mappingPriority(om *objectMapping, target string) int {
	for _, am := range om.AttributeMappings {
		if am.TargetAttributeName == target {
			return am.MatchingPriority
		}
	}
	return -1
}

func decodeJSONString(g Gomega, v any) map[string]any {
	s, ok := v.(string)
	g.Expect(ok).To(BeTrue(), "expected a JSON document encoded as a string, got %T", v)
	out := map[string]any{}
	g.Expect(json.Unmarshal([]byte(s), &out)).To(Succeed())
	return out
}
