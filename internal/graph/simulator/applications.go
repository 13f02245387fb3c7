package simulator

import (
	"net/http"
	"strings"
	"time"
)

// AppRole is an app role declared by an application and its service principal.
type AppRole struct {
	AllowedMemberTypes []string `json:"allowedMemberTypes"`
	Description        string   `json:"description"`
	DisplayName        string   `json:"displayName"`
	ID                 string   `json:"id"`
	IsEnabled          bool     `json:"isEnabled"`
	Origin             string   `json:"origin"`
	Value              *string  `json:"value"`
}

// nonGalleryAppRoles are the two roles the non-gallery template always declares (§1.1).
func nonGalleryAppRoles() []AppRole {
	return []AppRole{
		{AllowedMemberTypes: []string{"User"}, Description: "User", DisplayName: "User", ID: UserAppRoleID, IsEnabled: true, Origin: "Application"},
		{AllowedMemberTypes: []string{"User"}, Description: "msiam_access", DisplayName: "msiam_access", ID: MsiamAccessAppRoleID, IsEnabled: true, Origin: "Application"},
	}
}

type application struct {
	visibility
	id, appID, displayName, templateID string
	servicePrincipalID                 string
	tags                               []string
	passwordCredentials                []PasswordCredential
}

// PasswordCredential is a client secret of an app registration as Graph lists it: a hint (the
// secret's first three characters) and its expiry; Graph never returns the secret itself.
type PasswordCredential struct {
	Hint        string
	EndDateTime time.Time
}

// RegisterAppRegistration adds the application object of an app registration, e.g. the operator's
// own, with its client secrets, so that it can read their expiry from Graph.
func (s *Simulator) RegisterAppRegistration(appID, displayName string, secrets ...PasswordCredential) {
	s.mu.Lock()
	defer s.mu.Unlock()
	app := &application{id: s.newGUIDLocked(), appID: appID, displayName: displayName, passwordCredentials: secrets}
	s.applications[app.id] = app
	s.applicationOrder = append(s.applicationOrder, app.id)
}

// servicePrincipal holds the enterprise app and everything hanging off it: the
// synchronization resource (secrets, jobs) and the app role assignments.
type servicePrincipal struct {
	visibility
	id, appID, displayName, templateID string
	applicationID                      string
	appRoles                           []AppRole
	transientFailuresLeft              int

	secrets         []secretPair
	previousSecrets []secretPair
	secretsPutAt    time.Time
	jobs            []*job
	assignments     []*assignment
}

func (a *application) toJSON() map[string]any {
	return map[string]any{
		"id":                    a.id,
		"appId":                 a.appID,
		"applicationTemplateId": a.templateID,
		"displayName":           a.displayName,
		"signInAudience":        "AzureADMyOrg",
		"appRoles":              nonGalleryAppRoles(),
		"tags":                  append([]string{}, a.tags...),
		"passwordCredentials":   passwordCredentialsJSON(a.passwordCredentials),
		"deletedDateTime":       nil,
		"createdDateTime":       formatTime(a.createdAt),
		"web": map[string]any{
			"homePageUrl": "https://account.activedirectory.windowsazure.com:444/applications/default.aspx?metadata=customappsso|ISV9.1|primary|z",
		},
	}
}

func passwordCredentialsJSON(credentials []PasswordCredential) []map[string]any {
	out := make([]map[string]any, 0, len(credentials))
	for _, c := range credentials {
		out = append(out, map[string]any{"hint": c.Hint, "endDateTime": c.EndDateTime.UTC().Format(time.RFC3339), "secretText": nil})
	}
	return out
}

func (s *Simulator) servicePrincipalJSON(sp *servicePrincipal) map[string]any {
	return map[string]any{
		"id":                        sp.id,
		"appId":                     sp.appID,
		"applicationTemplateId":     sp.templateID,
		"appOwnerOrganizationId":    s.cfg.tenantID,
		"displayName":               sp.displayName,
		"accountEnabled":            true,
		"appRoleAssignmentRequired": true,
		"servicePrincipalType":      "Application",
		"servicePrincipalNames":     []string{sp.appID},
		"tags":                      []string{"WindowsAzureActiveDirectoryCustomSingleSignOnApplication", "WindowsAzureActiveDirectoryIntegratedApp"},
		"appRoles":                  sp.appRoles,
		"deletedDateTime":           nil,
	}
}

func (s *Simulator) handleGetApplicationTemplate(c *call) {
	if c.params["template"] != NonGalleryTemplateID {
		c.notFound(c.params["template"])
		return
	}
	c.writeJSON(http.StatusOK, map[string]any{
		"@odata.context":             c.context("applicationTemplates/$entity"),
		"id":                         NonGalleryTemplateID,
		"displayName":                "Custom",
		"description":                "Integrate any other application you don't find in the gallery (Non-gallery)",
		"categories":                 []string{},
		"publisher":                  "Microsoft Corporation",
		"supportedProvisioningTypes": []string{"sync"},
		"supportedSingleSignOnModes": []string{"password", "saml", "external", "notSupported"},
	})
}

// handleInstantiate creates the application and its service principal (§1.1).
func (s *Simulator) handleInstantiate(c *call) {
	if c.params["template"] != NonGalleryTemplateID {
		c.notFound(c.params["template"])
		return
	}
	var body struct {
		DisplayName string `json:"displayName"`
	}
	if !c.decode(&body) {
		return
	}
	if strings.TrimSpace(body.DisplayName) == "" {
		c.fail(http.StatusBadRequest, codeRequestBadRequest, "Invalid value specified for property 'displayName' of resource 'Application'.")
		return
	}
	s.mu.Lock()
	app, sp := s.createApplicationLocked(body.DisplayName)
	response := map[string]any{
		"@odata.context":   c.context("microsoft.graph.applicationServicePrincipal"),
		"application":      app.toJSON(),
		"servicePrincipal": s.servicePrincipalJSON(sp),
	}
	s.mu.Unlock()
	c.writeJSON(http.StatusCreated, response)
}

func (s *Simulator) createApplicationLocked(displayName string) (*application, *servicePrincipal) {
	now := s.now()
	app := &application{
		visibility:  visibility{createdAt: now},
		id:          s.newGUIDLocked(),
		appID:       s.newGUIDLocked(),
		displayName: displayName,
		templateID:  NonGalleryTemplateID,
	}
	sp := &servicePrincipal{
		visibility:            visibility{createdAt: now},
		id:                    s.newGUIDLocked(),
		appID:                 app.appID,
		displayName:           displayName,
		templateID:            NonGalleryTemplateID,
		applicationID:         app.id,
		appRoles:              nonGalleryAppRoles(),
		transientFailuresLeft: s.cfg.transientCount,
	}
	app.servicePrincipalID = sp.id
	s.applications[app.id] = app
	s.applicationOrder = append(s.applicationOrder, app.id)
	s.servicePrincipals[sp.id] = sp
	s.spOrder = append(s.spOrder, sp.id)
	return app, sp
}

func (s *Simulator) handleListApplications(c *call) {
	s.mu.Lock()
	items := make([]map[string]any, 0, len(s.applicationOrder))
	for _, id := range s.applicationOrder {
		app := s.applications[id]
		if app != nil && s.visibleLocked(&app.visibility) {
			items = append(items, app.toJSON())
		}
	}
	s.mu.Unlock()
	c.writeCollection(items, "applications", directoryFilter("id", "appId", "displayName"))
}

func (s *Simulator) handleGetApplication(c *call) {
	s.mu.Lock()
	app, ok := s.applications[c.params["app"]]
	if ok && !s.visibleLocked(&app.visibility) {
		ok = false
	}
	var item map[string]any
	if ok {
		item = app.toJSON()
	}
	s.mu.Unlock()
	if !ok {
		c.notFound(c.params["app"])
		return
	}
	item["@odata.context"] = c.context("applications/$entity")
	c.writeEntity(item)
}

// handleUpdateApplication applies a PATCH; only tags are simulated (the operator's creation marker).
func (s *Simulator) handleUpdateApplication(c *call) {
	var body struct {
		Tags *[]string `json:"tags"`
	}
	if !c.decode(&body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app, ok := s.applications[c.params["app"]]
	if !ok || !s.visibleLocked(&app.visibility) {
		c.notFound(c.params["app"])
		return
	}
	if body.Tags != nil {
		app.tags = append([]string{}, (*body.Tags)...)
	}
	c.noContent()
}

// handleDeleteApplication removes the app and cascades to its service principal, jobs,
// secrets and assignments (§1.4). Soft deletion is not simulated.
func (s *Simulator) handleDeleteApplication(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	app, ok := s.applications[c.params["app"]]
	if !ok || !s.visibleLocked(&app.visibility) {
		c.notFound(c.params["app"])
		return
	}
	delete(s.applications, app.id)
	s.applicationOrder = removeString(s.applicationOrder, app.id)
	if sp, ok := s.servicePrincipals[app.servicePrincipalID]; ok {
		s.deleteServicePrincipalLocked(sp)
	}
	c.noContent()
}

func (s *Simulator) handleListServicePrincipals(c *call) {
	s.mu.Lock()
	items := make([]map[string]any, 0, len(s.spOrder))
	for _, id := range s.spOrder {
		sp := s.servicePrincipals[id]
		if sp != nil && s.visibleLocked(&sp.visibility) {
			items = append(items, s.servicePrincipalJSON(sp))
		}
	}
	s.mu.Unlock()
	c.writeCollection(items, "servicePrincipals", directoryFilter("id", "appId", "displayName", "servicePrincipalType"))
}

func (s *Simulator) handleGetServicePrincipal(c *call) {
	s.mu.Lock()
	sp, ok := s.lookupServicePrincipalLocked(c)
	var item map[string]any
	if ok {
		item = s.servicePrincipalJSON(sp)
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	item["@odata.context"] = c.context("servicePrincipals/$entity")
	c.writeEntity(item)
}

func (s *Simulator) handleDeleteServicePrincipal(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, ok := s.lookupServicePrincipalLocked(c)
	if !ok {
		return
	}
	s.deleteServicePrincipalLocked(sp)
	c.noContent()
}

func (s *Simulator) deleteServicePrincipalLocked(sp *servicePrincipal) {
	for _, j := range sp.jobs {
		delete(s.jobOwners, j.id)
	}
	delete(s.servicePrincipals, sp.id)
	s.spOrder = removeString(s.spOrder, sp.id)
}

// lookupServicePrincipalLocked resolves {sp} from the path, answering 404 itself when it
// is unknown or not replicated yet. Caller holds s.mu.
func (s *Simulator) lookupServicePrincipalLocked(c *call) (*servicePrincipal, bool) {
	id := c.params["sp"]
	sp, ok := s.servicePrincipals[id]
	if !ok || !s.visibleLocked(&sp.visibility) {
		c.notFound(id)
		return nil, false
	}
	return sp, true
}

func removeString(list []string, value string) []string {
	out := list[:0]
	for _, v := range list {
		if v != value {
			out = append(out, v)
		}
	}
	return out
}
