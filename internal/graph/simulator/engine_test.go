package simulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
)

// recordedSCIM is one request the SCIM stub received.
type recordedSCIM struct {
	Method, RequestURI string
	Header             http.Header
	Body               map[string]any
}

// recordingSCIM is a real HTTP SCIM endpoint (the memory target behind httptest) that records
// every request and can be told to answer some with an error.
type recordingSCIM struct {
	server *httptest.Server
	target *memorySCIM
	mu     sync.Mutex
	seen   []recordedSCIM
	// fail, when set, answers a request with its status instead of the target.
	fail func(r *http.Request, body map[string]any) int
}

func newRecordingSCIM(t *testing.T) *recordingSCIM {
	t.Helper()
	rs := &recordingSCIM{target: newMemorySCIM()}
	rs.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(payload, &body)
		rs.mu.Lock()
		rs.seen = append(rs.seen, recordedSCIM{Method: r.Method, RequestURI: r.RequestURI, Header: r.Header.Clone(), Body: body})
		fail := rs.fail
		rs.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+scimStubToken {
			writeSCIMError(w, http.StatusUnauthorized, "", "bad token")
			return
		}
		if fail != nil {
			if status := fail(r, body); status != 0 {
				writeSCIMError(w, status, "", "refused by the test")
				return
			}
		}
		r.Body = io.NopCloser(strings.NewReader(string(payload)))
		rs.target.ServeHTTP(w, r)
	}))
	t.Cleanup(rs.server.Close)
	return rs
}

// take returns the requests received since the last take.
func (rs *recordingSCIM) take() []recordedSCIM {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := rs.seen
	rs.seen = nil
	return out
}

// user returns the stored resource with the userName, or nil.
func (rs *recordingSCIM) user(userName string) map[string]any {
	rs.target.mu.Lock()
	defer rs.target.mu.Unlock()
	for _, store := range rs.target.users {
		for _, u := range store {
			if strings.EqualFold(u["userName"].(string), userName) {
				return u
			}
		}
	}
	return nil
}

// advisorsMappings are the operator's advisors rows.
func advisorsMappings() []attributeMapping {
	return []attributeMapping{
		mapping("userName", "[userPrincipalName]", 1),
		mapping("active", `Switch([IsSoftDeleted], , "False", "True", "True", "False")`, 0),
		mapping("displayName", "[displayName]", 0),
		mapping("name.givenName", "[givenName]", 0),
		mapping("name.familyName", "[surname]", 0),
		mapping(`addresses[type eq "work"].formatted`, "[physicalDeliveryOfficeName]", 0),
		mapping("externalId", "[objectId]", 0),
	}
}

// putUserMappings replaces the User object mapping's rows of the job's schema through Graph.
func putUserMappings(t *testing.T, c *graphClient, spID, jobID string, rows []attributeMapping) {
	t.Helper()
	path := "/servicePrincipals/" + spID + "/synchronization/jobs/" + jobID + "/schema"
	schema := c.do(http.MethodGet, path, nil).body
	rowsJSON, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	var rowsAny []any
	_ = json.Unmarshal(rowsJSON, &rowsAny)
	for _, rule := range schema["synchronizationRules"].([]any) {
		for _, om := range rule.(map[string]any)["objectMappings"].([]any) {
			if om := om.(map[string]any); om["sourceObjectName"] == "User" {
				om["attributeMappings"] = rowsAny
			}
		}
	}
	delete(schema, "@odata.context")
	if resp := c.do(http.MethodPut, path, schema); resp.status != http.StatusNoContent {
		t.Fatalf("put schema: %d %s", resp.status, resp.raw)
	}
}

// engineFixture is a started advisors job whose Tenant URL is a recording SCIM endpoint.
type engineFixture struct {
	sim            *Simulator
	c              *graphClient
	scim           *recordingSCIM
	spID, jobID    string
	anna, bo, team string
}

func newEngineFixture(t *testing.T, tenantQuery string) *engineFixture {
	t.Helper()
	scim := newRecordingSCIM(t)
	sim, _, c := newSimulatorServer(t, WithSCIMExportClient(scim.server.Client()))
	f := &engineFixture{sim: sim, c: c, scim: scim}
	f.anna = sim.AddUser(User{UserPrincipalName: "anna.jensen@bank.dk", DisplayName: "Anna Jensen", GivenName: "Anna", Surname: "Jensen", OfficeLocation: "Strandvejen 1"})
	f.bo = sim.AddUser(User{UserPrincipalName: "bo.nielsen@bank.dk", DisplayName: "Bo Nielsen", GivenName: "Bo", Surname: "Nielsen", OfficeLocation: "Strandvejen 1"})
	sim.AddUser(User{UserPrincipalName: "carol@bank.dk", DisplayName: "Carol, not assigned"})
	f.team = sim.AddGroup(Group{DisplayName: "Advisors", Members: []string{f.anna, f.bo}})
	f.spID, f.jobID = createAppWithJob(t, c, "advisors")
	putUserMappings(t, c, f.spID, f.jobID, advisorsMappings())
	resp := c.do(http.MethodPost, "/servicePrincipals/"+f.spID+"/appRoleAssignedTo", map[string]string{"principalId": f.team, "resourceId": f.spID, "appRoleId": UserAppRoleID})
	if resp.status != http.StatusCreated {
		t.Fatalf("assign: %d %s", resp.status, resp.raw)
	}
	putSecrets(t, c, f.spID, "BaseAddress", scim.server.URL+"/advisors/scim"+tenantQuery, "SecretToken", scimStubToken)
	if resp := c.do(http.MethodPost, "/servicePrincipals/"+f.spID+"/synchronization/jobs/"+f.jobID+"/start", nil); resp.status != http.StatusNoContent {
		t.Fatalf("start: %d", resp.status)
	}
	return f
}

func (f *engineFixture) cycle(t *testing.T) TaskExecution {
	t.Helper()
	execution, err := f.sim.RunCycle(context.Background(), f.jobID)
	if err != nil {
		t.Fatal(err)
	}
	return execution
}

func summarise(requests []recordedSCIM) []string {
	out := make([]string, 0, len(requests))
	for _, r := range requests {
		out = append(out, r.Method+" "+r.RequestURI)
	}
	return out
}

// TestEngineProvisionsThroughSCIM walks a user's life through cycles: created with a match lookup
// and a POST, steady state without requests, an update that PATCHes only what changed, a disable
// when unassigned, a DELETE when hard-deleted; each with Entra's request shapes and a log entry.
func TestEngineProvisionsThroughSCIM(t *testing.T) {
	g := NewWithT(t)
	f := newEngineFixture(t, "")

	execution := f.cycle(t)
	g.Expect(execution.State).To(Equal("Succeeded"))
	g.Expect(execution.CountEntitled).To(BeNumerically("==", 2))
	g.Expect(execution.CountExported).To(BeNumerically("==", 2))
	g.Expect(execution.CountExports).To(BeNumerically("==", 2), "one POST per new user")
	requests := f.scim.take()
	g.Expect(summarise(requests)).To(Equal([]string{
		`GET /advisors/scim/Users?filter=userName+eq+"anna.jensen%40bank.dk"`,
		"POST /advisors/scim/Users",
		`GET /advisors/scim/Users?filter=userName+eq+"bo.nielsen%40bank.dk"`,
		"POST /advisors/scim/Users",
	}))
	post := requests[1]
	g.Expect(post.Header.Get("Authorization")).To(Equal("Bearer " + scimStubToken))
	g.Expect(post.Header.Get("Content-Type")).To(HavePrefix("application/scim+json"))
	g.Expect(post.Header.Get("Accept")).To(Equal("application/scim+json"))
	g.Expect(post.Body).To(And(
		HaveKeyWithValue("schemas", ConsistOf(scimCoreUser, scimEnterpriseUser)),
		HaveKeyWithValue("userName", "anna.jensen@bank.dk"),
		HaveKeyWithValue("active", true),
		HaveKeyWithValue("displayName", "Anna Jensen"),
		HaveKeyWithValue("externalId", f.anna),
		HaveKeyWithValue("name", Equal(map[string]any{"givenName": "Anna", "familyName": "Jensen"})),
		HaveKeyWithValue("addresses", Equal([]any{map[string]any{"type": "work", "formatted": "Strandvejen 1"}})),
		HaveKeyWithValue("meta", Equal(map[string]any{"resourceType": "User"})),
	))
	g.Expect(f.sim.ExportedTargetID(f.jobID, f.anna)).To(Equal(f.scim.user("anna.jensen@bank.dk")["id"]))

	// Steady state: nothing changed, no request at all.
	execution = f.cycle(t)
	g.Expect(execution.CountExported).To(BeZero())
	g.Expect(f.scim.take()).To(BeEmpty())

	// A changed surname and office: GET by id, then one PATCH of exactly those two attributes.
	f.sim.UpdateUser(f.anna, func(u *User) { u.Surname, u.OfficeLocation = "King", "Havnegade 5" })
	execution = f.cycle(t)
	g.Expect(execution.CountExported).To(BeNumerically("==", 1))
	requests = f.scim.take()
	annaID := f.sim.ExportedTargetID(f.jobID, f.anna)
	g.Expect(summarise(requests)).To(Equal([]string{"GET /advisors/scim/Users/" + annaID, "PATCH /advisors/scim/Users/" + annaID}))
	g.Expect(requests[1].Body["Operations"]).To(ConsistOf(
		map[string]any{"op": "Replace", "path": "name.familyName", "value": "King"},
		map[string]any{"op": "Replace", "path": `addresses[type eq "work"].formatted`, "value": "Havnegade 5"},
	))
	g.Expect(f.scim.user("anna.jensen@bank.dk")["name"]).To(HaveKeyWithValue("familyName", "King"))

	// Bo leaves the group: active is PATCHed to "False" (legacy shape), nothing else.
	f.sim.RemoveGroupMembers(f.team, f.bo)
	execution = f.cycle(t)
	g.Expect(execution.CountEntitled).To(BeNumerically("==", 1))
	requests = f.scim.take()
	g.Expect(requests).To(HaveLen(2))
	g.Expect(requests[1].Method).To(Equal(http.MethodPatch))
	g.Expect(requests[1].Body["Operations"]).To(Equal([]any{map[string]any{"op": "Replace", "path": "active", "value": "False"}}))
	g.Expect(f.scim.user("bo.nielsen@bank.dk")).To(HaveKeyWithValue("active", false))
	g.Expect(f.cycle(t).CountExported).To(BeZero())
	g.Expect(f.scim.take()).To(BeEmpty(), "a disabled user stays disabled without requests")

	// A Watermark restart forgets what was exported: the next cycle re-reads both users, writes nothing.
	resp := f.c.do(http.MethodPost, "/servicePrincipals/"+f.spID+"/synchronization/jobs/"+f.jobID+"/restart", map[string]any{"criteria": map[string]string{"resetScope": "Watermark"}})
	g.Expect(resp.status).To(Equal(http.StatusNoContent))
	f.cycle(t)
	g.Expect(summarise(f.scim.take())).To(ConsistOf(HavePrefix("GET "), HavePrefix("GET ")))

	// Anna is hard-deleted: DELETE by the remembered id.
	f.sim.DeleteUser(f.anna)
	f.cycle(t)
	g.Expect(summarise(f.scim.take())).To(Equal([]string{"DELETE /advisors/scim/Users/" + annaID}))
	g.Expect(f.scim.user("anna.jensen@bank.dk")).To(BeNil())
	g.Expect(f.sim.Exported(f.jobID)).NotTo(HaveKey(f.anna))

	var actions []string
	for _, entry := range f.sim.ProvisioningLogs() {
		g.Expect(entry.ProvisioningStatusInfo.Status).To(Equal("success"))
		export := entry.ProvisioningSteps[len(entry.ProvisioningSteps)-1]
		actions = append(actions, entry.ProvisioningAction+" "+export.Details["StatusCode"])
	}
	g.Expect(actions).To(Equal([]string{"create 201", "create 201", "update 200", "disable 200", "delete 204"}))
}

// TestEngineFailures: an entry-level failure escrows the user and is retried next cycle; a 401
// stops the cycle and quarantines the job.
func TestEngineFailures(t *testing.T) {
	g := NewWithT(t)
	f := newEngineFixture(t, "")
	f.scim.fail = func(r *http.Request, body map[string]any) int {
		if r.Method == http.MethodPost && body["userName"] == "bo.nielsen@bank.dk" {
			return http.StatusInternalServerError
		}
		return 0
	}
	execution := f.cycle(t)
	g.Expect(execution.State).To(Equal("EntryLevelErrors"))
	g.Expect(execution.CountExported).To(BeNumerically("==", 1))
	g.Expect(execution.CountEscrowed).To(BeNumerically("==", 1))
	logs := f.sim.ProvisioningLogs()
	g.Expect(logs).To(HaveLen(2))
	failed := logs[1]
	g.Expect(failed.ProvisioningStatusInfo.Status).To(Equal("failure"))
	g.Expect(failed.SourceIdentity.ID).To(Equal(f.bo))
	g.Expect(failed.ProvisioningStatusInfo.ErrorInformation.Reason).To(ContainSubstring("answered 500"))
	g.Expect(*failed.ProvisioningStatusInfo.ErrorInformation.AdditionalDetails).To(Equal("StatusCode: 500"))
	f.scim.take()

	f.scim.fail = nil
	execution = f.cycle(t)
	g.Expect(execution.State).To(Equal("Succeeded"))
	g.Expect(summarise(f.scim.take())).To(Equal([]string{`GET /advisors/scim/Users?filter=userName+eq+"bo.nielsen%40bank.dk"`, "POST /advisors/scim/Users"}))

	// A rotated token: 401 on the first request of the cycle's work, and quarantine.
	putSecrets(t, f.c, f.spID, "BaseAddress", f.scim.server.URL+"/advisors/scim", "SecretToken", "rotated")
	f.sim.UpdateUser(f.anna, func(u *User) { u.DisplayName = "Anna K." })
	execution = f.cycle(t)
	g.Expect(execution.State).To(Equal("Failed"))
	g.Expect(execution.Error.Code).To(Equal(CodeInvalidCredentials))
	job, _ := f.sim.Job(f.jobID)
	g.Expect(job.Status.Code).To(Equal(StatusQuarantine))
}

// TestEngineCompliantPatchShape: with aadOptscim062020 in the Tenant URL, active is a boolean and
// several plain attributes go in one path-less replace.
func TestEngineCompliantPatchShape(t *testing.T) {
	g := NewWithT(t)
	f := newEngineFixture(t, "?aadOptscim062020")
	f.cycle(t)
	requests := f.scim.take()
	g.Expect(requests[0].RequestURI).To(Equal(`/advisors/scim/Users?filter=userName+eq+"anna.jensen%40bank.dk"&aadOptscim062020`))

	f.sim.UpdateUser(f.anna, func(u *User) { u.DisplayName, u.GivenName, u.OfficeLocation = "Ann Jensen", "Ann", "Havnegade 5" })
	f.sim.RemoveGroupMembers(f.team, f.bo)
	f.cycle(t)
	requests = f.scim.take()
	g.Expect(requests).To(HaveLen(4))
	g.Expect(requests[1].Body["Operations"]).To(ConsistOf(
		map[string]any{"op": "replace", "path": `addresses[type eq "work"].formatted`, "value": "Havnegade 5"},
		map[string]any{"op": "replace", "value": map[string]any{"displayName": "Ann Jensen", "name.givenName": "Ann"}},
	))
	g.Expect(requests[3].Body["Operations"]).To(Equal([]any{map[string]any{"op": "replace", "path": "active", "value": false}}))
	g.Expect(f.scim.user("anna.jensen@bank.dk")["name"]).To(HaveKeyWithValue("givenName", "Ann"))
}

// TestEngineUnevaluableMappingFailsTheUser: a function the engine cannot compute fails each user
// with a log entry and sends nothing.
func TestEngineUnevaluableMappingFailsTheUser(t *testing.T) {
	g := NewWithT(t)
	f := newEngineFixture(t, "")
	rows := append(advisorsMappings()[:6], mapping("externalId", `Replace([mailNickname], , "x", , "y", , )`, 0))
	putUserMappings(t, f.c, f.spID, f.jobID, rows)
	execution := f.cycle(t)
	g.Expect(execution.State).To(Equal("EntryLevelErrors"))
	g.Expect(execution.CountEscrowed).To(BeNumerically("==", 2))
	g.Expect(f.scim.take()).To(BeEmpty())
	for _, entry := range f.sim.ProvisioningLogs() {
		g.Expect(entry.ProvisioningStatusInfo.Status).To(Equal("failure"))
		g.Expect(entry.ProvisioningStatusInfo.ErrorInformation.Reason).To(ContainSubstring("'Replace'"))
	}
}

// TestEngineMappingFunctions evaluates the functions the engine supports against a user.
func TestEngineMappingFunctions(t *testing.T) {
	u := &User{ID: "id-1", UserPrincipalName: "Anna.Jensen@Bank.dk", GivenName: "Anna", Surname: "Jensen", MailNickname: "aj", Disabled: true}
	cases := map[string]struct{ expression, want string }{
		"Switch on IsSoftDeleted": {`Switch([IsSoftDeleted], , "False", "True", "True", "False")`, "False"},
		"Not":                     {`Not([IsSoftDeleted])`, "False"},
		"Join":                    {`Join(" ", [givenName], [surname])`, "Anna Jensen"},
		"ToLower":                 {`ToLower([userPrincipalName])`, "anna.jensen@bank.dk"},
		"Coalesce":                {`Coalesce([mail], [mailNickname])`, "aj"},
		"IIF":                     {`IIF([accountEnabled], "on", "off")`, "off"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			om := &objectMapping{AttributeMappings: []attributeMapping{mapping("displayName", tc.expression, 0)}}
			values, _, err := evaluateUser(om, u, true)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(values).To(Equal([]targetValue{{path: "displayName", value: tc.want}}))
		})
	}
}

// TestProvisionOnDemandExportsForReal: provision on demand sends the same requests as a cycle,
// in the legacy shape, and its result lists them.
func TestProvisionOnDemandExportsForReal(t *testing.T) {
	g := NewWithT(t)
	f := newEngineFixture(t, "?aadOptscim062020")
	resp := f.c.do(http.MethodPost, "/servicePrincipals/"+f.spID+"/synchronization/jobs/"+f.jobID+"/provisionOnDemand", map[string]any{"parameters": []map[string]any{{
		"ruleId": f.sim.templateRuleID, "subjects": []map[string]string{{"objectId": f.bo, "objectTypeName": "User"}},
	}}})
	g.Expect(resp.status).To(Equal(http.StatusOK), string(resp.raw))
	key := decodeJSONString(g, resp.body["key"])
	g.Expect(key["result"]).To(Equal("Success"))
	// The value, a provisioning-log-like object, lists the SCIM requests in its export step.
	steps := decodeJSONString(g, resp.body["value"])["provisioningSteps"].([]any)
	g.Expect(steps[len(steps)-1]).To(HaveKeyWithValue("details", HaveKeyWithValue("SCIMRequests", ContainSubstring("POST /advisors/scim/Users?aadOptscim062020 -> 201"))))
	g.Expect(f.scim.user("bo.nielsen@bank.dk")).To(HaveKeyWithValue("active", true))
	f.scim.take()

	f.sim.UpdateUser(f.bo, func(u *User) { u.Disabled = true })
	resp = f.c.do(http.MethodPost, "/servicePrincipals/"+f.spID+"/synchronization/jobs/"+f.jobID+"/provisionOnDemand", map[string]any{"parameters": []map[string]any{{
		"ruleId": f.sim.templateRuleID, "subjects": []map[string]string{{"objectId": f.bo, "objectTypeName": "User"}},
	}}})
	g.Expect(decodeJSONString(g, resp.body["value"])["action"]).To(Equal("Disable"))
	requests := f.scim.take()
	g.Expect(requests).To(HaveLen(2))
	g.Expect(requests[1].Body["Operations"]).To(Equal([]any{map[string]any{"op": "Replace", "path": "active", "value": "False"}}), "on demand ignores the flag")
}

// TestEngineDeleteThreshold: a cycle that would disable more users than the accidental-deletions
// threshold sends nothing and quarantines the job; a ForceDeletes restart lets it through.
func TestEngineDeleteThreshold(t *testing.T) {
	g := NewWithT(t)
	f := newEngineFixture(t, "")
	f.sim.SetSecret(f.spID, "SyncNotificationSettings", `{"Enabled":false,"DeleteThresholdEnabled":true,"DeleteThresholdValue":1}`)
	f.cycle(t)
	f.scim.take()

	f.sim.RemoveGroupMembers(f.team, f.anna, f.bo)
	execution := f.cycle(t)
	g.Expect(execution.State).To(Equal("Failed"))
	g.Expect(execution.Error.Code).To(Equal("TooManyDeletes"))
	job, _ := f.sim.Job(f.jobID)
	g.Expect(job.Status.Quarantine.Reason).To(Equal(QuarantineTooManyDeletes))
	g.Expect(f.scim.take()).To(BeEmpty())

	resp := f.c.do(http.MethodPost, "/servicePrincipals/"+f.spID+"/synchronization/jobs/"+f.jobID+"/restart", map[string]any{"criteria": map[string]string{"resetScope": "ForceDeletes"}})
	g.Expect(resp.status).To(Equal(http.StatusNoContent))
	execution = f.cycle(t)
	g.Expect(execution.State).To(Equal("Succeeded"))
	g.Expect(execution.CountExported).To(BeNumerically("==", 2))
	g.Expect(f.scim.user("bo.nielsen@bank.dk")).To(HaveKeyWithValue("active", false))
}

// TestControlEndpoints changes the directory through /_sim, as hack/entra does, and runs a cycle.
func TestControlEndpoints(t *testing.T) {
	g := NewWithT(t)
	scim := newRecordingSCIM(t)
	sim, server, c := newSimulatorServer(t, WithSCIMExportClient(scim.server.Client()))
	anna := sim.AddUser(User{UserPrincipalName: "anna@bank.dk", DisplayName: "Anna"})
	team := sim.AddGroup(Group{DisplayName: "Advisors"})
	spID, jobID := createAppWithJob(t, c, "advisors")
	c.do(http.MethodPost, "/servicePrincipals/"+spID+"/appRoleAssignedTo", map[string]string{"principalId": team, "resourceId": spID, "appRoleId": UserAppRoleID})
	putSecrets(t, c, spID, "BaseAddress", scim.server.URL+"/advisors/scim", "SecretToken", scimStubToken)
	c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs/"+jobID+"/start", nil)

	control := func(method, path, body string) (int, string) {
		req, err := http.NewRequest(method, server.URL+path, strings.NewReader(body))
		g.Expect(err).NotTo(HaveOccurred())
		resp, err := server.Client().Do(req)
		g.Expect(err).NotTo(HaveOccurred())
		defer func() { _ = resp.Body.Close() }()
		payload, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(payload)
	}
	status, _ := control(http.MethodPost, "/_sim/groups/Advisors/members/anna@bank.dk", "")
	g.Expect(status).To(Equal(http.StatusOK))
	status, _ = control(http.MethodPatch, "/_sim/users/anna@bank.dk", `{"surname":"Jensen"}`)
	g.Expect(status).To(Equal(http.StatusOK))
	status, body := control(http.MethodPost, "/_sim/cycles", "")
	g.Expect(status).To(Equal(http.StatusOK))
	g.Expect(body).To(ContainSubstring(`"countExported": 1`))
	g.Expect(scim.user("anna@bank.dk")).To(HaveKeyWithValue("active", true))

	status, _ = control(http.MethodPost, "/_sim/users/anna@bank.dk/disable", "")
	g.Expect(status).To(Equal(http.StatusOK))
	u, _ := sim.FindUser(anna)
	g.Expect(u.Disabled).To(BeTrue())
	status, _ = control(http.MethodPost, "/_sim/users", `{"userPrincipalName":"bo@bank.dk","displayName":"Bo"}`)
	g.Expect(status).To(Equal(http.StatusCreated))
	status, body = control(http.MethodGet, "/_sim/users", "")
	g.Expect(status).To(Equal(http.StatusOK))
	g.Expect(body).To(And(ContainSubstring("bo@bank.dk"), ContainSubstring(`"accountEnabled": false`)))
	status, _ = control(http.MethodDelete, "/_sim/users/nobody@bank.dk", "")
	g.Expect(status).To(Equal(http.StatusNotFound))
}
