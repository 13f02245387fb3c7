package simulator

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestFilterExpressions(t *testing.T) {
	items := []map[string]any{
		{"id": "1", "jobId": "scim.a", "activityDateTime": "2024-01-02T10:00:00Z", "provisioningStatusInfo": map[string]any{"status": "failure"}, "servicePrincipal": map[string]any{"id": "SP-A", "displayName": "advisors"}, "enabled": true},
		{"id": "2", "jobId": "scim.a", "activityDateTime": "2024-01-03T10:00:00Z", "provisioningStatusInfo": map[string]any{"status": "success"}, "servicePrincipal": map[string]any{"id": "SP-A", "displayName": "advisors"}, "enabled": false},
		{"id": "3", "jobId": "scim.b", "activityDateTime": "2023-12-31T23:00:00Z", "provisioningStatusInfo": map[string]any{"status": "success"}, "servicePrincipal": map[string]any{"id": "SP-B", "displayName": "O'Brien rooms"}, "enabled": true},
	}
	spec := auditFilter("id", "jobId", "activityDateTime", "provisioningStatusInfo/status", "servicePrincipal/id", "servicePrincipal/displayName", "enabled")
	cases := map[string]struct {
		filter  string
		spec    *filterSpec
		want    []string
		wantErr string
	}{
		"eq on a nested path":      {filter: "servicePrincipal/id eq 'SP-A'", want: []string{"1", "2"}},
		"eq is case sensitive":     {filter: "servicePrincipal/id eq 'sp-a'", want: []string{}},
		"case-insensitive spec":    {filter: "servicePrincipal/id eq 'sp-a'", spec: new(directoryFilter("servicePrincipal/id")), want: []string{"1", "2"}},
		"and":                      {filter: "jobId eq 'scim.a' and provisioningStatusInfo/status eq 'failure'", want: []string{"1"}},
		"or with parentheses":      {filter: "(id eq '1' or id eq '3') and jobId eq 'scim.b'", want: []string{"3"}},
		"not":                      {filter: "not (jobId eq 'scim.a')", want: []string{"3"}},
		"ne":                       {filter: "jobId ne 'scim.a'", want: []string{"3"}},
		"ge on date-time":          {filter: "activityDateTime ge 2024-01-01T00:00:00Z", want: []string{"1", "2"}},
		"gt and lt on dates":       {filter: "activityDateTime gt 2022-12-10 and activityDateTime lt 2024-01-03", want: []string{"1", "3"}},
		"contains tolower":         {filter: "contains(tolower(servicePrincipal/id), 'sp-b') or contains(tolower(servicePrincipal/displayName), 'xyz')", want: []string{"3"}},
		"startswith":               {filter: "startswith(servicePrincipal/displayName, 'adv')", want: []string{"1", "2"}},
		"doubled quote in literal": {filter: "servicePrincipal/displayName eq 'O''Brien rooms'", want: []string{"3"}},
		"boolean literal":          {filter: "enabled eq false", want: []string{"2"}},
		"unknown property":         {filter: "color eq 'red'", wantErr: "property 'color'"},
		"unterminated literal":     {filter: "id eq '1", wantErr: "unterminated"},
		"missing operator":         {filter: "id '1'", wantErr: "comparison operator"},
		"lambda not supported":     {filter: "tags/any(t:t eq 'x')", wantErr: "Invalid filter clause"},
		"trailing garbage":         {filter: "id eq '1' )", wantErr: "syntax error"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			s := spec
			if tc.spec != nil {
				s = *tc.spec
			}
			expr, err := parseFilter(tc.filter, s)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			got := []string{}
			for _, item := range items {
				if expr.matches(item) {
					got = append(got, item["id"].(string))
				}
			}
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestCollectionPagingAndSelect(t *testing.T) {
	g := NewWithT(t)
	sim, _, c := newSimulatorServer(t)
	for i := range 7 {
		sim.AddUser(User{UserPrincipalName: fmt.Sprintf("user%d@andmoney.dk", i), DisplayName: fmt.Sprintf("User %d", i)})
	}
	var seen []string
	next := "/users?$top=3&$select=userPrincipalName"
	pages := 0
	for next != "" {
		resp := c.do(http.MethodGet, next, nil)
		g.Expect(resp.status).To(Equal(http.StatusOK), string(resp.raw))
		pages++
		for _, u := range resp.values() {
			g.Expect(u).To(HaveLen(1), "only the selected property is returned")
			seen = append(seen, u["userPrincipalName"].(string))
		}
		link, _ := resp.body["@odata.nextLink"].(string)
		next = ""
		if link != "" {
			u, err := url.Parse(link)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(u.Query().Get("$skiptoken")).NotTo(BeEmpty())
			next = u.Path[len("/v1.0"):] + "?" + u.RawQuery
		}
	}
	g.Expect(pages).To(Equal(3))
	g.Expect(seen).To(HaveLen(7))
	g.Expect(seen[0]).To(Equal("user0@andmoney.dk"))

	g.Expect(c.do(http.MethodGet, "/users?$top=0", nil).status).To(Equal(http.StatusBadRequest))
	g.Expect(c.do(http.MethodGet, "/users?$skiptoken=%25%25", nil).status).To(Equal(http.StatusBadRequest))
	g.Expect(c.do(http.MethodGet, "/users?$orderby=color", nil).status).To(Equal(http.StatusBadRequest))
	ordered := c.do(http.MethodGet, "/users?$orderby="+url.QueryEscape("displayName desc")+"&$top=1", nil).values()
	g.Expect(ordered[0]["displayName"]).To(Equal("User 6"))
}

func TestDirectoryLookups(t *testing.T) {
	g := NewWithT(t)
	sim, _, c := newSimulatorServer(t)
	guest := sim.AddUser(User{UserPrincipalName: "x_gmail.com#EXT#@andmoney.onmicrosoft.com", DisplayName: "Guest"})
	sim.AddUser(User{UserPrincipalName: "gone@andmoney.dk", SoftDeleted: true})
	member := sim.AddUser(User{UserPrincipalName: "m@andmoney.dk", DisplayName: "Member"})
	dup1 := sim.AddGroup(Group{DisplayName: "Advisors", Members: []string{member}})
	sim.AddGroup(Group{DisplayName: "Advisors"})

	g.Expect(c.do(http.MethodGet, "/users/x_gmail.com%23EXT%23%40andmoney.onmicrosoft.com", nil).body["id"]).To(Equal(guest))
	g.Expect(c.do(http.MethodGet, "/users/gone%40andmoney.dk", nil).status).To(Equal(http.StatusNotFound))
	// displayName is not unique: both are returned, the caller has to report ambiguity.
	g.Expect(c.do(http.MethodGet, "/groups?$filter="+url.QueryEscape("displayName eq 'advisors'"), nil).values()).To(HaveLen(2))
	members := c.do(http.MethodGet, "/groups/"+dup1+"/members", nil).values()
	g.Expect(members).To(HaveLen(1))
	g.Expect(members[0]["@odata.type"]).To(Equal("#microsoft.graph.user"))
	g.Expect(c.do(http.MethodGet, "/groups/"+dup1, nil).body["displayName"]).To(Equal("Advisors"))
}

func TestProvisionOnDemand(t *testing.T) {
	cases := map[string]struct {
		subjectType string
		assign      bool
		saveSecrets bool
		syncAll     bool
		wantStatus  int
		wantResult  string
		wantAction  string
	}{
		"assigned user":        {subjectType: "User", assign: true, saveSecrets: true, wantStatus: 200, wantResult: "Success", wantAction: "Create"},
		"unassigned user":      {subjectType: "User", saveSecrets: true, wantStatus: 200, wantResult: "Skipped", wantAction: "Other"},
		"SyncAll user":         {subjectType: "User", saveSecrets: true, syncAll: true, wantStatus: 200, wantResult: "Success", wantAction: "Create"},
		"no saved credentials": {subjectType: "User", assign: true, wantStatus: 200, wantResult: "Failure", wantAction: "Other"},
		"assigned group":       {subjectType: "Group", assign: true, saveSecrets: true, wantStatus: 200, wantResult: "Success", wantAction: "Create"},
		"bad object type":      {subjectType: "Worker", assign: true, saveSecrets: true, wantStatus: 400},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			sim, _, c := newSimulatorServer(t)
			user := sim.AddUser(User{UserPrincipalName: "a@andmoney.dk", DisplayName: "A"})
			group := sim.AddGroup(Group{DisplayName: "Team", Members: []string{user}})
			spID, jobID := createAppWithJob(t, c, "advisors")
			subject := user
			if tc.subjectType == "Group" {
				subject = group
			}
			if tc.assign {
				resp := c.do(http.MethodPost, "/servicePrincipals/"+spID+"/appRoleAssignedTo", map[string]string{"principalId": subject, "resourceId": spID, "appRoleId": UserAppRoleID})
				g.Expect(resp.status).To(Equal(http.StatusCreated))
			}
			if tc.saveSecrets {
				syncAll := "false"
				if tc.syncAll {
					syncAll = "true"
				}
				putSecrets(t, c, spID, "BaseAddress", "https://x.example/scim", "SecretToken", "t", "SyncAll", syncAll)
			}
			ruleID := sim.templateRuleID
			resp := c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs/"+jobID+"/provisionOnDemand", map[string]any{"parameters": []map[string]any{{
				"ruleId": ruleID, "subjects": []map[string]string{{"objectId": subject, "objectTypeName": tc.subjectType}},
			}}})
			g.Expect(resp.status).To(Equal(tc.wantStatus), string(resp.raw))
			if tc.wantStatus != http.StatusOK {
				return
			}
			g.Expect(decodeJSONString(g, resp.body["key"])["result"]).To(Equal(tc.wantResult))
			g.Expect(decodeJSONString(g, resp.body["value"])["action"]).To(Equal(tc.wantAction))
			g.Expect(sim.ProvisioningLogs()).To(HaveLen(1))
		})
	}

	t.Run("rate limited to 5 per 10 seconds", func(t *testing.T) {
		g := NewWithT(t)
		clock := NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		sim, _, c := newSimulatorServer(t, WithClock(clock.Now))
		user := sim.AddUser(User{UserPrincipalName: "a@andmoney.dk"})
		_, jobID := createAppWithJob(t, c, "advisors")
		spID := sim.Jobs(sim.Applications()[0].ServicePrincipalID)[0].ServicePrincipalID
		path := "/servicePrincipals/" + spID + "/synchronization/jobs/" + jobID + "/provisionOnDemand"
		body := map[string]any{"parameters": []map[string]any{{"ruleId": sim.templateRuleID, "subjects": []map[string]string{{"objectId": user, "objectTypeName": "User"}}}}}
		for range 5 {
			g.Expect(c.do(http.MethodPost, path, body).status).To(Equal(http.StatusOK))
			clock.Advance(time.Second)
		}
		resp := c.do(http.MethodPost, path, body)
		g.Expect(resp.status).To(Equal(http.StatusTooManyRequests))
		g.Expect(resp.header.Get("Retry-After")).To(Equal("5"))
		clock.Advance(5 * time.Second)
		g.Expect(c.do(http.MethodPost, path, body).status).To(Equal(http.StatusOK))
	})
}
