package simulator

import (
	"encoding/json"
)

// Object names of the SCIM connector ("customappsso" target directory, §5.2).
const (
	targetDirectoryName = "customappsso"
	targetUserObject    = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	targetGroupObject   = "urn:ietf:params:scim:schemas:core:2.0:Group"
	enterpriseUserURN   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	syncRuleName        = "USERGROUP_OUTBOUND_USERGROUP"
)

// The schema document types below are read for validation and written for the default
// schema; stored schemas are kept verbatim as JSON so nothing a client sends is lost.
type schemaDocument struct {
	ID                   string                `json:"id"`
	Version              string                `json:"version"`
	Directories          []directoryDefinition `json:"directories"`
	SynchronizationRules []synchronizationRule `json:"synchronizationRules"`
}

type directoryDefinition struct {
	ID                string             `json:"id"`
	Name              string             `json:"name"`
	Discoverabilities string             `json:"discoverabilities"`
	DiscoveryDateTime *string            `json:"discoveryDateTime"`
	ReadOnly          bool               `json:"readOnly"`
	Version           string             `json:"version"`
	Objects           []objectDefinition `json:"objects"`
}

type objectDefinition struct {
	Name          string                `json:"name"`
	Attributes    []attributeDefinition `json:"attributes"`
	Metadata      []keyValue            `json:"metadata"`
	SupportedAPIs []string              `json:"supportedApis"`
}

type attributeDefinition struct {
	Anchor            bool               `json:"anchor"`
	APIExpressions    []any              `json:"apiExpressions"`
	CaseExact         bool               `json:"caseExact"`
	DefaultValue      *string            `json:"defaultValue"`
	FlowNullValues    bool               `json:"flowNullValues"`
	Metadata          []keyValue         `json:"metadata"`
	Multivalued       bool               `json:"multivalued"`
	Mutability        string             `json:"mutability"`
	Name              string             `json:"name"`
	Required          bool               `json:"required"`
	Type              string             `json:"type"`
	ReferencedObjects []referencedObject `json:"referencedObjects"`
}

type referencedObject struct {
	ReferencedObjectName string  `json:"referencedObjectName"`
	ReferencedProperty   *string `json:"referencedProperty"`
}

type keyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type synchronizationRule struct {
	ContainerFilter     any             `json:"containerFilter"`
	Editable            bool            `json:"editable"`
	GroupFilter         any             `json:"groupFilter"`
	ID                  string          `json:"id"`
	Metadata            []keyValue      `json:"metadata"`
	Name                string          `json:"name"`
	ObjectMappings      []objectMapping `json:"objectMappings"`
	Priority            int             `json:"priority"`
	SourceDirectoryName string          `json:"sourceDirectoryName"`
	TargetDirectoryName string          `json:"targetDirectoryName"`
}

type objectMapping struct {
	AttributeMappings []attributeMapping `json:"attributeMappings"`
	Enabled           bool               `json:"enabled"`
	FlowTypes         string             `json:"flowTypes"`
	Metadata          []keyValue         `json:"metadata"`
	Name              string             `json:"name"`
	Scope             any                `json:"scope"`
	SourceObjectName  string             `json:"sourceObjectName"`
	TargetObjectName  string             `json:"targetObjectName"`
}

type attributeMapping struct {
	DefaultValue            *string        `json:"defaultValue"`
	ExportMissingReferences bool           `json:"exportMissingReferences"`
	FlowBehavior            string         `json:"flowBehavior"`
	FlowType                string         `json:"flowType"`
	MatchingPriority        int            `json:"matchingPriority"`
	Source                  *mappingSource `json:"source"`
	TargetAttributeName     string         `json:"targetAttributeName"`
}

func attribute(name, typ string) attributeDefinition {
	return attributeDefinition{
		APIExpressions: []any{}, Metadata: []keyValue{}, Mutability: "ReadWrite",
		Name: name, Type: typ, ReferencedObjects: []referencedObject{},
	}
}

func stringAttributes(names ...string) []attributeDefinition {
	out := make([]attributeDefinition, 0, len(names))
	for _, n := range names {
		out = append(out, attribute(n, "String"))
	}
	return out
}

func referenceAttribute(name string, multivalued bool, targets ...string) attributeDefinition {
	a := attribute(name, "Reference")
	a.Multivalued = multivalued
	for _, t := range targets {
		a.ReferencedObjects = append(a.ReferencedObjects, referencedObject{ReferencedObjectName: t})
	}
	return a
}

func anchorAttribute(name string) attributeDefinition {
	a := attribute(name, "String")
	a.Anchor, a.Mutability = true, "ReadOnly"
	return a
}

// sourceDirectory declares every attribute the default mappings and the controller's
// desired mappings use, so a PUT of those mappings validates (§11.4).
func sourceDirectory(name string) directoryDefinition {
	user := objectDefinition{Name: "User", Metadata: []keyValue{}, SupportedAPIs: []string{}}
	user.Attributes = append(user.Attributes, anchorAttribute("objectId"))
	user.Attributes = append(user.Attributes, stringAttributes(
		"userPrincipalName", "displayName", "givenName", "surname", "jobTitle", "mail",
		"mailNickname", "preferredLanguage", "physicalDeliveryOfficeName", "streetAddress",
		"city", "state", "postalCode", "country", "telephoneNumber", "mobile",
		"facsimileTelephoneNumber", "employeeId", "department", "companyName", "userType",
		"usageLocation", "onPremisesSamAccountName", "extensionAttribute1")...)
	user.Attributes = append(user.Attributes, attribute("IsSoftDeleted", "Boolean"), attribute("accountEnabled", "Boolean"))
	multi := attribute("appRoleAssignments", "String")
	multi.Multivalued = true
	proxy := attribute("proxyAddresses", "String")
	proxy.Multivalued = true
	user.Attributes = append(user.Attributes, multi, proxy, referenceAttribute("manager", false, "User"))

	group := objectDefinition{Name: "Group", Metadata: []keyValue{}, SupportedAPIs: []string{}}
	group.Attributes = append(group.Attributes, anchorAttribute("objectId"))
	group.Attributes = append(group.Attributes, stringAttributes("displayName", "mailNickname", "mail", "description")...)
	group.Attributes = append(group.Attributes, attribute("IsSoftDeleted", "Boolean"), attribute("securityEnabled", "Boolean"),
		attribute("mailEnabled", "Boolean"), referenceAttribute("members", true, "User", "Group"))
	return directoryDefinition{
		ID: "66e4a8cc-1b7b-435e-95f8-f06cea133828", Name: name, Discoverabilities: "None",
		Version: "Date:2024-01-01T00:00:00.0000000Z", Objects: []objectDefinition{user, group},
	}
}

func targetDirectory() directoryDefinition {
	user := objectDefinition{Name: targetUserObject, Metadata: []keyValue{}, SupportedAPIs: []string{}}
	user.Attributes = append(user.Attributes, anchorAttribute("id"))
	userName := attribute("userName", "String")
	userName.Required = true
	user.Attributes = append(user.Attributes, userName, attribute("active", "Boolean"))
	user.Attributes = append(user.Attributes, stringAttributes(
		"displayName", "nickName", "title", "userType", "preferredLanguage", "locale", "timezone",
		`emails[type eq "work"].value`, `emails[type eq "home"].value`,
		"name.givenName", "name.familyName", "name.formatted", "name.middleName",
		"name.honorificPrefix", "name.honorificSuffix",
		`addresses[type eq "work"].formatted`, `addresses[type eq "work"].streetAddress`,
		`addresses[type eq "work"].locality`, `addresses[type eq "work"].region`,
		`addresses[type eq "work"].postalCode`, `addresses[type eq "work"].country`,
		`addresses[type eq "other"].formatted`,
		`phoneNumbers[type eq "work"].value`, `phoneNumbers[type eq "mobile"].value`,
		`phoneNumbers[type eq "fax"].value`, "externalId", "roles",
		enterpriseUserURN+":employeeNumber", enterpriseUserURN+":department",
		enterpriseUserURN+":costCenter", enterpriseUserURN+":organization",
		enterpriseUserURN+":division")...)
	user.Attributes = append(user.Attributes, referenceAttribute(enterpriseUserURN+":manager", false, targetUserObject))

	group := objectDefinition{Name: targetGroupObject, Metadata: []keyValue{}, SupportedAPIs: []string{}}
	group.Attributes = append(group.Attributes, anchorAttribute("id"))
	group.Attributes = append(group.Attributes, stringAttributes("displayName", "externalId")...)
	group.Attributes = append(group.Attributes, referenceAttribute("members", true, targetUserObject, targetGroupObject))
	return directoryDefinition{
		ID: "8ffa6169-f354-4751-9b77-9c00765be92d", Name: targetDirectoryName, Discoverabilities: "AttributeNames, AttributeDataTypes",
		Version: "Date:2024-01-01T00:00:00.0000000Z", Objects: []objectDefinition{user, group},
	}
}

// mapping builds an attribute mapping from an expression in the portal's syntax.
func mapping(target, expression string, matchingPriority int) attributeMapping {
	source, err := parseExpression(expression)
	if err != nil {
		// The default expressions are constants of this file; a failure is a bug here.
		panic("simulator: invalid default mapping expression " + expression + ": " + err.Error())
	}
	return attributeMapping{
		FlowBehavior: "FlowWhenChanged", FlowType: "Always", MatchingPriority: matchingPriority,
		Source: source, TargetAttributeName: target,
	}
}

// defaultUserMappings are Entra's default rows for a non-gallery SCIM app (§11.4). Note
// externalId <- mailNickname: the controller has to edit it to objectId.
func defaultUserMappings() []attributeMapping {
	return []attributeMapping{
		mapping("userName", "[userPrincipalName]", 1),
		mapping("active", `Switch([IsSoftDeleted], , "False", "True", "True", "False")`, 0),
		mapping("displayName", "[displayName]", 0),
		mapping("title", "[jobTitle]", 0),
		mapping(`emails[type eq "work"].value`, "[mail]", 0),
		mapping("preferredLanguage", "[preferredLanguage]", 0),
		mapping("name.givenName", "[givenName]", 0),
		mapping("name.familyName", "[surname]", 0),
		mapping("name.formatted", `Join(" ", [givenName], [surname])`, 0),
		mapping(`addresses[type eq "work"].formatted`, "[physicalDeliveryOfficeName]", 0),
		mapping(`addresses[type eq "work"].streetAddress`, "[streetAddress]", 0),
		mapping(`addresses[type eq "work"].locality`, "[city]", 0),
		mapping(`addresses[type eq "work"].region`, "[state]", 0),
		mapping(`addresses[type eq "work"].postalCode`, "[postalCode]", 0),
		mapping(`addresses[type eq "work"].country`, "[country]", 0),
		mapping(`phoneNumbers[type eq "work"].value`, "[telephoneNumber]", 0),
		mapping(`phoneNumbers[type eq "mobile"].value`, "[mobile]", 0),
		mapping(`phoneNumbers[type eq "fax"].value`, "[facsimileTelephoneNumber]", 0),
		mapping("externalId", "[mailNickname]", 0),
		mapping(enterpriseUserURN+":employeeNumber", "[employeeId]", 0),
		mapping(enterpriseUserURN+":department", "[department]", 0),
		mapping(enterpriseUserURN+":manager", "[manager]", 0),
	}
}

func objectMappingMetadata(joiningProperty string) []keyValue {
	return []keyValue{
		{Key: "IsCustomerDefined", Value: "false"},
		{Key: "Disposition", Value: `"Normal"`},
		{Key: "EscrowBehavior", Value: `"Default"`},
		{Key: "Unsynchronized", Value: "false"},
		{Key: "OriginalJoiningProperty", Value: joiningProperty},
	}
}

// defaultSchema renders the seeded schema of the scim template (§11.4) with the given id.
func (s *Simulator) defaultSchema(schemaID string) json.RawMessage {
	flowTypes := "Add,Update,Delete"
	if s.cfg.flowTypesWithSpaces {
		flowTypes = "Add, Update, Delete"
	}
	sourceName := s.cfg.sourceDirectoryName
	groups := objectMapping{
		Name: "Provision " + sourceName + " Groups", Enabled: true, FlowTypes: flowTypes,
		SourceObjectName: "Group", TargetObjectName: targetGroupObject,
		Metadata: objectMappingMetadata("displayName"),
		AttributeMappings: []attributeMapping{
			mapping("displayName", "[displayName]", 1),
			mapping("externalId", "[objectId]", 0),
			mapping("members", "[members]", 0),
		},
	}
	users := objectMapping{
		Name: "Provision " + sourceName + " Users", Enabled: true, FlowTypes: flowTypes,
		SourceObjectName: "User", TargetObjectName: targetUserObject,
		Metadata:          objectMappingMetadata("userPrincipalName"),
		AttributeMappings: defaultUserMappings(),
	}
	doc := schemaDocument{
		ID:          schemaID,
		Version:     "Date:2024-05-01T08:00:00.0000000Z~###~Version:1",
		Directories: []directoryDefinition{sourceDirectory(sourceName), targetDirectory()},
		SynchronizationRules: []synchronizationRule{{
			Editable: true, ID: s.templateRuleID, Name: syncRuleName, Priority: 1,
			Metadata:            []keyValue{{Key: "supportsProvisionOnDemand", Value: "true"}},
			ObjectMappings:      []objectMapping{groups, users},
			SourceDirectoryName: sourceName, TargetDirectoryName: targetDirectoryName,
		}},
	}
	payload, err := json.Marshal(doc)
	if err != nil {
		panic("simulator: cannot encode the default schema: " + err.Error())
	}
	return payload
}
