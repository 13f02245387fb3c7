package simulator

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// assignment is an appRoleAssignment granted on a service principal (§8).
type assignment struct {
	id                   string
	appRoleID            string
	principalID          string
	principalType        string
	principalDisplayName string
	resourceID           string
	resourceDisplayName  string
	createdAt            time.Time
}

// AppRoleAssignment is the inspection view of an assignment.
type AppRoleAssignment struct {
	ID            string
	AppRoleID     string
	PrincipalID   string
	PrincipalType string
	ResourceID    string
}

func (a *assignment) toJSON() map[string]any {
	return map[string]any{
		"id":                   a.id,
		"deletedDateTime":      nil,
		"appRoleId":            a.appRoleID,
		"createdDateTime":      formatTime(a.createdAt),
		"principalDisplayName": a.principalDisplayName,
		"principalId":          a.principalID,
		"principalType":        a.principalType,
		"resourceDisplayName":  a.resourceDisplayName,
		"resourceId":           a.resourceID,
	}
}

func (s *Simulator) handleListAssignments(c *call) {
	s.mu.Lock()
	sp, ok := s.lookupServicePrincipalLocked(c)
	var items []map[string]any
	if ok {
		for _, a := range sp.assignments {
			items = append(items, a.toJSON())
		}
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	c.writeCollection(items, "servicePrincipals('"+sp.id+"')/appRoleAssignedTo", directoryFilter("id", "principalId", "appRoleId", "principalType"))
}

func (s *Simulator) handleGetAssignment(c *call) {
	s.mu.Lock()
	sp, ok := s.lookupServicePrincipalLocked(c)
	var item map[string]any
	if ok {
		if a := findAssignment(sp, c.params["assignment"]); a != nil {
			item = a.toJSON()
		}
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	if item == nil {
		c.notFound(c.params["assignment"])
		return
	}
	c.writeEntity(item)
}

// handleCreateAssignment validates like the directory: resourceId must be the path's
// service principal, the principal must exist, the role must be declared (§8.1, §11.3).
func (s *Simulator) handleCreateAssignment(c *call) {
	var body struct {
		PrincipalID string `json:"principalId"`
		ResourceID  string `json:"resourceId"`
		AppRoleID   string `json:"appRoleId"`
	}
	if !c.decode(&body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, ok := s.lookupServicePrincipalLocked(c)
	if !ok {
		return
	}
	switch {
	case body.PrincipalID == "" || body.ResourceID == "" || body.AppRoleID == "":
		c.fail(http.StatusBadRequest, codeRequestBadRequest, "One or more properties contains invalid values: principalId, resourceId and appRoleId are required.")
		return
	case !strings.EqualFold(body.ResourceID, sp.id):
		c.fail(http.StatusBadRequest, codeRequestBadRequest, "Invalid value specified for property 'resourceId' of resource 'AppRoleAssignment'.")
		return
	}
	principalType, principalName, found := s.principalLocked(body.PrincipalID)
	if !found {
		c.fail(http.StatusBadRequest, codeRequestBadRequest, "Not a valid reference update.")
		return
	}
	if !roleDeclared(sp.appRoles, body.AppRoleID) {
		c.fail(http.StatusBadRequest, codeRequestBadRequest, "Permission being assigned was not found on application '"+sp.appID+"'.")
		return
	}
	for _, existing := range sp.assignments {
		if strings.EqualFold(existing.principalID, body.PrincipalID) && strings.EqualFold(existing.appRoleID, body.AppRoleID) {
			c.fail(http.StatusConflict, codeRequestBadRequest, "Permission being assigned already exists on the object")
			return
		}
	}
	a := &assignment{
		id:                   s.newAssignmentIDLocked(),
		appRoleID:            strings.ToLower(body.AppRoleID),
		principalID:          body.PrincipalID,
		principalType:        principalType,
		principalDisplayName: principalName,
		resourceID:           sp.id,
		resourceDisplayName:  sp.displayName,
		createdAt:            s.now(),
	}
	sp.assignments = append(sp.assignments, a)
	item := a.toJSON()
	item["@odata.context"] = c.context("servicePrincipals('" + sp.id + "')/appRoleAssignedTo/$entity")
	c.writeJSON(http.StatusCreated, item)
}

func (s *Simulator) handleDeleteAssignment(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, ok := s.lookupServicePrincipalLocked(c)
	if !ok {
		return
	}
	id := c.params["assignment"]
	for i, a := range sp.assignments {
		if a.id == id {
			sp.assignments = append(sp.assignments[:i], sp.assignments[i+1:]...)
			c.noContent()
			return
		}
	}
	c.notFound(id)
}

func findAssignment(sp *servicePrincipal, id string) *assignment {
	for _, a := range sp.assignments {
		if a.id == id {
			return a
		}
	}
	return nil
}

// roleDeclared: the zero GUID (default access) is valid only without declared roles.
func roleDeclared(roles []AppRole, roleID string) bool {
	if roleID == DefaultAccessAppRoleID {
		return len(roles) == 0
	}
	for _, r := range roles {
		if strings.EqualFold(r.ID, roleID) && r.IsEnabled {
			return true
		}
	}
	return false
}

// newAssignmentIDLocked returns an opaque base64url id like the directory's (43 chars).
func (s *Simulator) newAssignmentIDLocked() string {
	b := make([]byte, 32)
	for i := 0; i < len(b); i += 8 {
		putUint64(b[i:i+8], s.rng.Uint64())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// inScopeLocked reports whether a user is in provisioning scope of sp: assigned directly or
// as a direct member of an assigned group, or everyone when SyncAll is "true" (§4.1, §8.1).
func (s *Simulator) inScopeLocked(sp *servicePrincipal, userID string) bool {
	if strings.EqualFold(secretValue(sp.secrets, "SyncAll"), "true") {
		return true
	}
	for _, a := range sp.assignments {
		switch a.principalType {
		case "User":
			if strings.EqualFold(a.principalID, userID) {
				return true
			}
		case "Group":
			if g, ok := s.groups[a.principalID]; ok {
				for _, member := range g.Members {
					if strings.EqualFold(member, userID) {
						return true
					}
				}
			}
		}
	}
	return false
}
