package simulator

import (
	"slices"
	"strings"
)

// User is a directory user the simulator can resolve, assign and provision. Field names
// follow Graph; the synchronization attribute names (physicalDeliveryOfficeName,
// surname, objectId, IsSoftDeleted, ...) are derived from them.
type User struct {
	// ID is the object id; generated when empty.
	ID                string
	UserPrincipalName string
	DisplayName       string
	GivenName         string
	Surname           string
	Mail              string
	MailNickname      string
	JobTitle          string
	OfficeLocation    string
	Department        string
	EmployeeID        string
	PreferredLanguage string
	MobilePhone       string
	// Disabled is accountEnabled=false.
	Disabled bool
	// SoftDeleted marks a deleted user still in the recycle bin (IsSoftDeleted in mappings).
	SoftDeleted bool
}

// Group is a directory group. Members are user ids (direct members only, as Entra
// provisioning does not expand nested groups).
type Group struct {
	// ID is the object id; generated when empty.
	ID           string
	DisplayName  string
	MailNickname string
	Members      []string
}

// AddUser adds (or replaces, by id) a directory user and returns its id.
func (s *Simulator) AddUser(u User) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(u)
}

func (s *Simulator) addUserLocked(u User) string {
	if u.ID == "" {
		u.ID = s.newGUIDLocked()
	}
	if _, exists := s.users[u.ID]; !exists {
		s.userOrder = append(s.userOrder, u.ID)
	}
	stored := u
	s.users[u.ID] = &stored
	return u.ID
}

// UpdateUser changes a seeded user in place; false when the id is unknown.
func (s *Simulator) UpdateUser(id string, update func(*User)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if ok {
		update(u)
		u.ID = id
	}
	return ok
}

// AddGroup adds (or replaces, by id) a directory group and returns its id.
func (s *Simulator) AddGroup(g Group) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addGroupLocked(g)
}

func (s *Simulator) addGroupLocked(g Group) string {
	if g.ID == "" {
		g.ID = s.newGUIDLocked()
	}
	if _, exists := s.groups[g.ID]; !exists {
		s.groupOrder = append(s.groupOrder, g.ID)
	}
	stored := g
	stored.Members = append([]string(nil), g.Members...)
	s.groups[g.ID] = &stored
	return g.ID
}

// AddGroupMembers adds users (by id) to a group; false when the group is unknown.
func (s *Simulator) AddGroupMembers(groupID string, userIDs ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[groupID]
	if ok {
		g.Members = append(g.Members, userIDs...)
	}
	return ok
}

func (u *User) toJSON() map[string]any {
	return map[string]any{
		"id":                u.ID,
		"userPrincipalName": u.UserPrincipalName,
		"displayName":       u.DisplayName,
		"givenName":         nullable(u.GivenName),
		"surname":           nullable(u.Surname),
		"mail":              nullable(u.Mail),
		"mailNickname":      nullable(u.MailNickname),
		"jobTitle":          nullable(u.JobTitle),
		"officeLocation":    nullable(u.OfficeLocation),
		"department":        nullable(u.Department),
		"employeeId":        nullable(u.EmployeeID),
		"preferredLanguage": nullable(u.PreferredLanguage),
		"mobilePhone":       nullable(u.MobilePhone),
		"businessPhones":    []string{},
		"accountEnabled":    !u.Disabled,
	}
}

func (g *Group) toJSON() map[string]any {
	return map[string]any{
		"id":              g.ID,
		"displayName":     g.DisplayName,
		"mailNickname":    g.MailNickname,
		"securityEnabled": true,
		"mailEnabled":     false,
		"groupTypes":      []string{},
	}
}

func nullable(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func (s *Simulator) handleListUsers(c *call) {
	s.mu.Lock()
	items := make([]map[string]any, 0, len(s.userOrder))
	for _, id := range s.userOrder {
		if u := s.users[id]; u != nil && !u.SoftDeleted {
			items = append(items, u.toJSON())
		}
	}
	s.mu.Unlock()
	c.writeCollection(items, "users", directoryFilter("id", "userPrincipalName", "displayName", "mail", "mailNickname", "givenName", "surname", "accountEnabled", "employeeId"))
}

// handleGetUser resolves {user} as an object id or a userPrincipalName (§8.4).
func (s *Simulator) handleGetUser(c *call) {
	key := c.params["user"]
	s.mu.Lock()
	u := s.findUserLocked(key)
	var item map[string]any
	if u != nil {
		item = u.toJSON()
	}
	s.mu.Unlock()
	if item == nil {
		c.notFound(key)
		return
	}
	item["@odata.context"] = c.context("users/$entity")
	c.writeEntity(item)
}

func (s *Simulator) findUserLocked(key string) *User {
	// The ('upn') key syntax is also accepted by Graph for UPNs starting with '$'.
	key = strings.TrimSuffix(strings.TrimPrefix(key, "('"), "')")
	if u, ok := s.users[key]; ok && !u.SoftDeleted {
		return u
	}
	for _, id := range s.userOrder {
		if u := s.users[id]; u != nil && !u.SoftDeleted && strings.EqualFold(u.UserPrincipalName, key) {
			return u
		}
	}
	return nil
}

func (s *Simulator) handleListGroups(c *call) {
	s.mu.Lock()
	items := make([]map[string]any, 0, len(s.groupOrder))
	for _, id := range s.groupOrder {
		if g := s.groups[id]; g != nil {
			items = append(items, g.toJSON())
		}
	}
	s.mu.Unlock()
	c.writeCollection(items, "groups", directoryFilter("id", "displayName", "mailNickname"))
}

func (s *Simulator) handleGetGroup(c *call) {
	s.mu.Lock()
	g, ok := s.groups[c.params["group"]]
	var item map[string]any
	if ok {
		item = g.toJSON()
	}
	s.mu.Unlock()
	if !ok {
		c.notFound(c.params["group"])
		return
	}
	item["@odata.context"] = c.context("groups/$entity")
	c.writeEntity(item)
}

func (s *Simulator) handleListGroupMembers(c *call) {
	s.mu.Lock()
	g, ok := s.groups[c.params["group"]]
	var items []map[string]any
	if ok {
		for _, id := range g.Members {
			// members is polymorphic, so Graph annotates each item with its type.
			if u, found := s.users[id]; found && !u.SoftDeleted {
				item := u.toJSON()
				item["@odata.type"] = "#microsoft.graph.user"
				items = append(items, item)
			} else if nested, found := s.groups[id]; found {
				item := nested.toJSON()
				item["@odata.type"] = "#microsoft.graph.group"
				items = append(items, item)
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		c.notFound(c.params["group"])
		return
	}
	c.writeCollection(items, "directoryObjects", directoryFilter("id", "displayName", "userPrincipalName"))
}

// principalLocked resolves an assignment principal: a user, a group or a service principal.
func (s *Simulator) principalLocked(id string) (principalType, displayName string, ok bool) {
	if u, found := s.users[id]; found && !u.SoftDeleted {
		return "User", u.DisplayName, true
	}
	if g, found := s.groups[id]; found {
		return "Group", g.DisplayName, true
	}
	if sp, found := s.servicePrincipals[id]; found {
		return "ServicePrincipal", sp.displayName, true
	}
	return "", "", false
}

// syncAttributes is the user as the provisioning engine's source object sees it: Entra
// attribute names, and IsSoftDeleted true when the user is deleted, disabled or out of scope.
func (u *User) syncAttributes(inScope bool) map[string]string {
	softDeleted := u.SoftDeleted || u.Disabled || !inScope
	attributes := map[string]string{
		"objectId":                   u.ID,
		"userPrincipalName":          u.UserPrincipalName,
		"displayName":                u.DisplayName,
		"givenName":                  u.GivenName,
		"surname":                    u.Surname,
		"mail":                       u.Mail,
		"mailNickname":               u.MailNickname,
		"jobTitle":                   u.JobTitle,
		"physicalDeliveryOfficeName": u.OfficeLocation,
		"department":                 u.Department,
		"employeeId":                 u.EmployeeID,
		"preferredLanguage":          u.PreferredLanguage,
		"mobile":                     u.MobilePhone,
		"accountEnabled":             boolString(!u.Disabled),
		"IsSoftDeleted":              boolString(softDeleted),
	}
	// Source attributes the simulated directory does not model are always null.
	for _, name := range unmodelledUserAttributes {
		attributes[name] = ""
	}
	return attributes
}

// unmodelledUserAttributes are the source User attributes of the schema that User has no field
// for; mappings may use them and evaluate them as null.
var unmodelledUserAttributes = []string{
	"streetAddress", "city", "state", "postalCode", "country", "telephoneNumber", "facsimileTelephoneNumber",
	"companyName", "userType", "usageLocation", "onPremisesSamAccountName", "extensionAttribute1",
	"appRoleAssignments", "proxyAddresses", "manager",
}

func (g *Group) syncAttributes() map[string]string {
	return map[string]string{
		"objectId":      g.ID,
		"displayName":   g.DisplayName,
		"mailNickname":  g.MailNickname,
		"IsSoftDeleted": "False",
	}
}

func boolString(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// RemoveGroupMembers removes users (by id) from a group; false when the group is unknown.
func (s *Simulator) RemoveGroupMembers(groupID string, userIDs ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[groupID]
	if ok {
		g.Members = slices.DeleteFunc(g.Members, func(id string) bool { return slices.Contains(userIDs, id) })
	}
	return ok
}

// DeleteUser hard-deletes a user (purged from the recycle bin): the next cycle DELETEs it from
// the SCIM endpoints that it was exported to. Soft deletion is UpdateUser with SoftDeleted.
// False when the id is unknown.
func (s *Simulator) DeleteUser(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[id]; !ok {
		return false
	}
	delete(s.users, id)
	s.userOrder = slices.DeleteFunc(s.userOrder, func(u string) bool { return u == id })
	for _, g := range s.groups {
		g.Members = slices.DeleteFunc(g.Members, func(u string) bool { return u == id })
	}
	return true
}

// FindUser returns a copy of a user by object id or userPrincipalName (case-insensitive),
// including soft-deleted users.
func (s *Simulator) FindUser(key string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[key]; ok {
		return *u, true
	}
	for _, id := range s.userOrder {
		if u := s.users[id]; strings.EqualFold(u.UserPrincipalName, key) {
			return *u, true
		}
	}
	return User{}, false
}

// FindGroup returns a copy of a group by object id or display name (the first of that name).
func (s *Simulator) FindGroup(key string) (Group, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	copyOf := func(g *Group) Group {
		out := *g
		out.Members = slices.Clone(g.Members)
		return out
	}
	if g, ok := s.groups[key]; ok {
		return copyOf(g), true
	}
	for _, id := range s.groupOrder {
		if g := s.groups[id]; strings.EqualFold(g.DisplayName, key) {
			return copyOf(g), true
		}
	}
	return Group{}, false
}
