package simulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

func TestSchemaPutValidation(t *testing.T) {
	attr := func(name string) *mappingSource {
		return &mappingSource{Expression: "[" + name + "]", Name: name, Type: "Attribute", Parameters: []mappingParameter{}}
	}
	cases := map[string]struct {
		edit     func(doc *schemaDocument, users *objectMapping)
		wantCode int
		wantMsg  string
	}{
		"unchanged default schema": {
			edit: func(*schemaDocument, *objectMapping) {}, wantCode: http.StatusNoContent,
		},
		"externalId from objectId": {
			edit: func(_ *schemaDocument, users *objectMapping) {
				setMapping(users, "externalId", attr("objectId"))
			},
			wantCode: http.StatusNoContent,
		},
		"flowTypes with spaces is accepted": {
			edit:     func(_ *schemaDocument, users *objectMapping) { users.FlowTypes = "Add, Update, Delete" },
			wantCode: http.StatusNoContent,
		},
		"unknown source attribute": {
			edit: func(_ *schemaDocument, users *objectMapping) {
				setMapping(users, "externalId", attr("favouriteColour"))
			},
			wantCode: http.StatusBadRequest, wantMsg: "source attribute 'favouriteColour' is not defined",
		},
		"unknown source attribute nested in a function": {
			edit: func(_ *schemaDocument, users *objectMapping) {
				src, err := parseExpression(`Join(" ", [givenName], [nickname])`)
				if err != nil {
					panic(err)
				}
				setMapping(users, "displayName", src)
			},
			wantCode: http.StatusBadRequest, wantMsg: "source attribute 'nickname'",
		},
		"unknown target attribute": {
			edit: func(_ *schemaDocument, users *objectMapping) {
				users.AttributeMappings = append(users.AttributeMappings, attributeMapping{TargetAttributeName: "shoeSize", Source: attr("displayName"), FlowType: "Always"})
			},
			wantCode: http.StatusBadRequest, wantMsg: "target attribute 'shoeSize' is not defined",
		},
		"duplicate target": {
			edit: func(_ *schemaDocument, users *objectMapping) {
				users.AttributeMappings = append(users.AttributeMappings, attributeMapping{TargetAttributeName: "displayName", Source: attr("mail"), FlowType: "Always"})
			},
			wantCode: http.StatusBadRequest, wantMsg: "mapped more than once",
		},
		"invalid flowTypes": {
			edit:     func(_ *schemaDocument, users *objectMapping) { users.FlowTypes = "Add,Upsert" },
			wantCode: http.StatusBadRequest, wantMsg: "invalid flowTypes value 'Upsert'",
		},
		"invalid flowType": {
			edit:     func(_ *schemaDocument, users *objectMapping) { users.AttributeMappings[0].FlowType = "Sometimes" },
			wantCode: http.StatusBadRequest, wantMsg: "invalid flowType 'Sometimes'",
		},
		"no matching attribute left": {
			edit: func(_ *schemaDocument, users *objectMapping) {
				for i := range users.AttributeMappings {
					users.AttributeMappings[i].MatchingPriority = 0
				}
			},
			wantCode: http.StatusBadRequest, wantMsg: "matchingPriority greater than 0",
		},
		"unknown target directory": {
			edit: func(doc *schemaDocument, _ *objectMapping) {
				doc.SynchronizationRules[0].TargetDirectoryName = "elsewhere"
			},
			wantCode: http.StatusBadRequest, wantMsg: "target directory 'elsewhere'",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, _, c := newSimulatorServer(t)
			spID, jobID := createAppWithJob(t, c, "advisors")
			path := "/servicePrincipals/" + spID + "/synchronization/jobs/" + jobID + "/schema"
			var doc schemaDocument
			g.Expect(json.Unmarshal(c.do(http.MethodGet, path, nil).raw, &doc)).To(Succeed())
			tc.edit(&doc, findUserMapping(g, &doc))
			resp := c.do(http.MethodPut, path, doc)
			g.Expect(resp.status).To(Equal(tc.wantCode), string(resp.raw))
			if tc.wantMsg != "" {
				g.Expect(resp.errorCode()).To(Equal("BadRequest"))
				g.Expect(resp.errorMessage()).To(ContainSubstring(tc.wantMsg))
			}
		})
	}
}

func TestSchemaKnobs(t *testing.T) {
	cases := map[string]struct {
		options       []Option
		wantFlowTypes string
		wantSource    string
		wantPatch     int
	}{
		"defaults": {
			wantFlowTypes: "Add,Update,Delete", wantSource: "Azure Active Directory", wantPatch: http.StatusNotFound,
		},
		"flowTypes with spaces": {
			options:       []Option{WithFlowTypesWithSpaces()},
			wantFlowTypes: "Add, Update, Delete", wantSource: "Azure Active Directory", wantPatch: http.StatusNotFound,
		},
		"Microsoft Entra ID source directory": {
			options:       []Option{WithSourceDirectoryName("Microsoft Entra ID")},
			wantFlowTypes: "Add,Update,Delete", wantSource: "Microsoft Entra ID", wantPatch: http.StatusNotFound,
		},
		"schema PATCH supported (counterfactual)": {
			options:       []Option{WithSchemaPatchSupported()},
			wantFlowTypes: "Add,Update,Delete", wantSource: "Azure Active Directory", wantPatch: http.StatusNoContent,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, _, c := newSimulatorServer(t, tc.options...)
			spID, jobID := createAppWithJob(t, c, "advisors")
			path := "/servicePrincipals/" + spID + "/synchronization/jobs/" + jobID + "/schema"
			resp := c.do(http.MethodGet, path, nil)
			var doc schemaDocument
			g.Expect(json.Unmarshal(resp.raw, &doc)).To(Succeed())
			rule := doc.SynchronizationRules[0]
			g.Expect(rule.Name).To(Equal("USERGROUP_OUTBOUND_USERGROUP"))
			g.Expect(rule.SourceDirectoryName).To(Equal(tc.wantSource))
			g.Expect(rule.TargetDirectoryName).To(Equal("customappsso"))
			users := findUserMapping(g, &doc)
			g.Expect(users.FlowTypes).To(Equal(tc.wantFlowTypes))
			g.Expect(users.TargetObjectName).To(Equal("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"))
			g.Expect(c.do(http.MethodPatch, path, doc).status).To(Equal(tc.wantPatch))

			// The template schema is the same document the job started from.
			tmpl := c.do(http.MethodGet, "/servicePrincipals/"+spID+"/synchronization/templates/scim/schema", nil)
			g.Expect(tmpl.status).To(Equal(http.StatusOK))
			g.Expect(str(tmpl.body, "id")).To(HavePrefix("scim."))
		})
	}
}

func TestDefaultActiveMappingIsTheSwitch(t *testing.T) {
	g := NewWithT(t)
	_, _, c := newSimulatorServer(t)
	spID, jobID := createAppWithJob(t, c, "advisors")
	resp := c.do(http.MethodGet, "/servicePrincipals/"+spID+"/synchronization/jobs/"+jobID+"/schema", nil)
	var doc schemaDocument
	g.Expect(json.Unmarshal(resp.raw, &doc)).To(Succeed())
	var active *mappingSource
	for _, am := range findUserMapping(g, &doc).AttributeMappings {
		if am.TargetAttributeName == "active" {
			active = am.Source
		}
	}
	g.Expect(active).NotTo(BeNil())
	// The exact tree of docs/graph.md §5.3: empty defaultValue dropped, key/value pairs.
	want := `{"expression":"Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")","name":"Switch","parameters":[` +
		`{"key":"source","value":{"expression":"[IsSoftDeleted]","name":"IsSoftDeleted","parameters":[],"type":"Attribute"}},` +
		`{"key":"key","value":{"expression":"\"False\"","name":"False","parameters":[],"type":"Constant"}},` +
		`{"key":"value","value":{"expression":"\"True\"","name":"True","parameters":[],"type":"Constant"}},` +
		`{"key":"key","value":{"expression":"\"True\"","name":"True","parameters":[],"type":"Constant"}},` +
		`{"key":"value","value":{"expression":"\"False\"","name":"False","parameters":[],"type":"Constant"}}],"type":"Function"}`
	got, err := json.Marshal(active)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(got)).To(MatchJSON(want))
}

func TestParseExpressionEndpoint(t *testing.T) {
	cases := map[string]struct {
		expression  string
		testInput   map[string]any
		wantParsed  bool
		wantName    string
		wantResults []any
	}{
		"attribute":        {expression: "[objectId]", wantParsed: true, wantName: "objectId"},
		"switch evaluated": {expression: `Switch([IsSoftDeleted], , "False", "True", "True", "False")`, testInput: map[string]any{"IsSoftDeleted": "False"}, wantParsed: true, wantName: "Switch", wantResults: []any{"True"}},
		"join evaluated": {
			expression: `Join(" ", [givenName], [surname])`,
			testInput:  map[string]any{"definition": nil, "properties": []any{map[string]any{"key": "givenName", "value": "Ada"}, map[string]any{"key": "surname", "value": "Lovelace"}}},
			wantParsed: true, wantName: "Join", wantResults: []any{"Ada Lovelace"},
		},
		"syntax error":     {expression: `Switch([IsSoftDeleted`, wantParsed: false},
		"unknown function": {expression: `Frobnicate([a])`, wantParsed: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, _, c := newSimulatorServer(t)
			spID, jobID := createAppWithJob(t, c, "advisors")
			body := map[string]any{"expression": tc.expression, "testInputObject": tc.testInput, "targetAttributeDefinition": nil}
			resp := c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs/"+jobID+"/schema/parseExpression", body)
			g.Expect(resp.status).To(Equal(http.StatusOK))
			g.Expect(resp.body["parsingSucceeded"]).To(Equal(tc.wantParsed))
			if !tc.wantParsed {
				g.Expect(resp.body["error"]).NotTo(BeNil())
				return
			}
			g.Expect(str(resp.body, "parsedExpression/name")).To(Equal(tc.wantName))
			if tc.wantResults != nil {
				g.Expect(resp.body["evaluationResult"]).To(Equal(tc.wantResults))
			}
		})
	}
}

func TestLegacyTemplate(t *testing.T) {
	g := NewWithT(t)
	_, _, c := newSimulatorServer(t, WithLegacyTemplate())
	resp := c.do(http.MethodPost, "/applicationTemplates/"+NonGalleryTemplateID+"/instantiate", map[string]string{"displayName": "old"})
	spID := str(resp.body, "servicePrincipal/id")
	templates := c.do(http.MethodGet, "/servicePrincipals/"+spID+"/synchronization/templates", nil).values()
	g.Expect(templates).To(HaveLen(2))
	resp = c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs", map[string]string{"templateId": "customappsso"})
	g.Expect(resp.status).To(Equal(http.StatusCreated))
	g.Expect(strings.HasPrefix(str(resp.body, "id"), "customappssoOutDelta.")).To(BeTrue())
}

func setMapping(om *objectMapping, target string, src *mappingSource) {
	for i := range om.AttributeMappings {
		if om.AttributeMappings[i].TargetAttributeName == target {
			om.AttributeMappings[i].Source = src
			return
		}
	}
}

// TestSchemaRoundTripOfRawDocument mirrors the controller's "edit, don't synthesise": the
// GET body (with its @odata.context) is PUT back verbatim and stored without annotations.
func TestSchemaRoundTripOfRawDocument(t *testing.T) {
	g := NewWithT(t)
	sim, _, c := newSimulatorServer(t)
	spID, jobID := createAppWithJob(t, c, "advisors")
	path := "/servicePrincipals/" + spID + "/synchronization/jobs/" + jobID + "/schema"
	fetched := c.do(http.MethodGet, path, nil)
	g.Expect(fetched.body["@odata.context"]).To(HaveSuffix("/schema/$entity"))
	g.Expect(c.do(http.MethodPut, path, string(fetched.raw)).status).To(Equal(http.StatusNoContent))
	stored, ok := sim.JobSchema(jobID)
	g.Expect(ok).To(BeTrue())
	g.Expect(string(stored)).NotTo(ContainSubstring("@odata.context"))
	again := c.do(http.MethodGet, path, nil)
	g.Expect(again.raw).To(MatchJSON(fetched.raw))
}
