package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

var (
	validFlowTypes    = map[string]bool{"None": true, "Add": true, "Update": true, "Delete": true}
	validFlowType     = map[string]bool{"Always": true, "ObjectAddOnly": true, "MultiValueAddOnly": true, "ValueAddOnly": true, "AttributeAddOnly": true}
	validFlowBehavior = map[string]bool{"FlowWhenChanged": true, "FlowAlways": true}
	validSourceTypes  = map[string]bool{"Attribute": true, "Constant": true, "Function": true}
)

func (s *Simulator) handleGetJobSchema(c *call) {
	s.mu.Lock()
	_, j, ok := s.lookupJobLocked(c)
	var payload json.RawMessage
	if ok {
		payload = j.schema
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(payload, &doc); err != nil {
		c.fail(http.StatusInternalServerError, codeInternalError, "The stored schema cannot be read.")
		return
	}
	context, _ := json.Marshal(c.context("servicePrincipals('" + c.params["sp"] + "')/synchronization/jobs('" + c.params["job"] + "')/schema/$entity"))
	doc["@odata.context"] = context
	c.writeJSON(http.StatusOK, doc)
}

// handlePutJobSchema fully replaces the schema after validating it like the backend (§5.4).
func (s *Simulator) handlePutJobSchema(c *call) {
	s.replaceJobSchema(c)
}

// handlePatchJobSchema reproduces the real service: PATCH on the schema has no route in the
// synchronization backend and answers 404 UnknownError with its own message embedded (§5.4).
func (s *Simulator) handlePatchJobSchema(c *call) {
	if s.cfg.schemaPatchSupported {
		s.replaceJobSchema(c)
		return
	}
	s.mu.Lock()
	_, _, ok := s.lookupJobLocked(c)
	s.mu.Unlock()
	if !ok {
		return
	}
	inner, _ := json.Marshal(map[string]string{"Message": fmt.Sprintf(
		"No HTTP resource was found that matches the request URI 'https://syncfabric.windowsazure.com/api/servicePrincipals('%s')/synchronization/jobs('%s')/schema?api-version=2.0'.",
		c.params["sp"], c.params["job"])})
	c.fail(http.StatusNotFound, codeUnknownError, string(inner))
}

func (s *Simulator) replaceJobSchema(c *call) {
	var doc schemaDocument
	if !c.decode(&doc) {
		return
	}
	if err := validateSchema(&doc); err != nil {
		c.badRequest(err.Error())
		return
	}
	compact, err := compactJSON(c.body)
	if err != nil {
		c.badRequest("Unable to read JSON request payload.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, j, ok := s.lookupJobLocked(c)
	if !ok {
		return
	}
	j.schema = compact
	c.noContent()
}

func (s *Simulator) handleListSchemaDirectories(c *call) {
	s.mu.Lock()
	_, j, ok := s.lookupJobLocked(c)
	var payload json.RawMessage
	if ok {
		payload = j.schema
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	var doc struct {
		Directories []json.RawMessage `json:"directories"`
	}
	if err := json.Unmarshal(payload, &doc); err != nil {
		c.fail(http.StatusInternalServerError, codeInternalError, "The stored schema cannot be read.")
		return
	}
	c.writeJSON(http.StatusOK, map[string]any{"value": doc.Directories})
}

// validateSchema applies the checks the synchronization backend is known to make: object
// and attribute names must be declared in the directories, targets unique per object
// mapping, enum values valid, and every enabled mapping needs a matching attribute.
func validateSchema(doc *schemaDocument) error {
	if len(doc.SynchronizationRules) == 0 {
		return fmt.Errorf("the schema has no synchronizationRules")
	}
	for _, rule := range doc.SynchronizationRules {
		sourceDir := findDirectory(doc.Directories, rule.SourceDirectoryName)
		targetDir := findDirectory(doc.Directories, rule.TargetDirectoryName)
		if sourceDir == nil {
			return fmt.Errorf("synchronization rule '%s': source directory '%s' is not defined in directories", rule.Name, rule.SourceDirectoryName)
		}
		if targetDir == nil {
			return fmt.Errorf("synchronization rule '%s': target directory '%s' is not defined in directories", rule.Name, rule.TargetDirectoryName)
		}
		for _, om := range rule.ObjectMappings {
			if err := validateObjectMapping(&om, sourceDir, targetDir); err != nil {
				return fmt.Errorf("object mapping '%s': %w", om.Name, err)
			}
		}
	}
	return nil
}

func validateObjectMapping(om *objectMapping, sourceDir, targetDir *directoryDefinition) error {
	if err := validateFlowTypes(om.FlowTypes); err != nil {
		return err
	}
	sourceObject := findObject(sourceDir, om.SourceObjectName)
	if sourceObject == nil {
		return fmt.Errorf("source object '%s' is not defined in directory '%s'", om.SourceObjectName, sourceDir.Name)
	}
	targetObject := findObject(targetDir, om.TargetObjectName)
	if targetObject == nil {
		return fmt.Errorf("target object '%s' is not defined in directory '%s'", om.TargetObjectName, targetDir.Name)
	}
	seenTargets := map[string]bool{}
	hasMatching := false
	for _, am := range om.AttributeMappings {
		target := am.TargetAttributeName
		if !hasAttribute(targetObject, target) {
			return fmt.Errorf("target attribute '%s' is not defined on object '%s'", target, targetObject.Name)
		}
		if seenTargets[strings.ToLower(target)] {
			return fmt.Errorf("target attribute '%s' is mapped more than once", target)
		}
		seenTargets[strings.ToLower(target)] = true
		if err := validateAttributeMapping(&am, sourceObject); err != nil {
			return err
		}
		if am.MatchingPriority > 0 {
			hasMatching = true
		}
	}
	if om.Enabled && len(om.AttributeMappings) > 0 && !hasMatching {
		return fmt.Errorf("at least one attribute mapping must have matchingPriority greater than 0")
	}
	return nil
}

// validateFlowTypes checks an object mapping's comma-separated flowTypes; empty is allowed.
func validateFlowTypes(flowTypes string) error {
	if flowTypes == "" {
		return nil
	}
	for part := range strings.SplitSeq(flowTypes, ",") {
		if !validFlowTypes[strings.TrimSpace(part)] {
			return fmt.Errorf("invalid flowTypes value '%s'", strings.TrimSpace(part))
		}
	}
	return nil
}

// validateAttributeMapping checks one attribute mapping's flow settings, matching
// priority and source; the target attribute itself is checked by the caller.
func validateAttributeMapping(am *attributeMapping, sourceObject *objectDefinition) error {
	target := am.TargetAttributeName
	if am.FlowType != "" && !validFlowType[am.FlowType] {
		return fmt.Errorf("invalid flowType '%s' for target attribute '%s'", am.FlowType, target)
	}
	if am.FlowBehavior != "" && !validFlowBehavior[am.FlowBehavior] {
		return fmt.Errorf("invalid flowBehavior '%s' for target attribute '%s'", am.FlowBehavior, target)
	}
	if am.MatchingPriority < 0 {
		return fmt.Errorf("invalid matchingPriority %d for target attribute '%s'", am.MatchingPriority, target)
	}
	if am.Source == nil {
		if am.DefaultValue == nil {
			return fmt.Errorf("target attribute '%s' has neither a source nor a defaultValue", target)
		}
		return nil
	}
	if err := validateSource(am.Source, sourceObject); err != nil {
		return fmt.Errorf("target attribute '%s': %w", target, err)
	}
	return nil
}

func validateSource(src *mappingSource, sourceObject *objectDefinition) error {
	if !validSourceTypes[src.Type] {
		return fmt.Errorf("invalid source type '%s'", src.Type)
	}
	if src.Type == "Function" {
		for _, p := range src.Parameters {
			if p.Value == nil {
				return fmt.Errorf("function '%s' has a parameter '%s' without a value", src.Name, p.Key)
			}
			if err := validateSource(p.Value, sourceObject); err != nil {
				return err
			}
		}
		return nil
	}
	if src.Type == "Attribute" && !hasAttribute(sourceObject, src.Name) {
		return fmt.Errorf("source attribute '%s' is not defined on object '%s'", src.Name, sourceObject.Name)
	}
	return nil
}

func findDirectory(dirs []directoryDefinition, name string) *directoryDefinition {
	for i := range dirs {
		if strings.EqualFold(dirs[i].Name, name) {
			return &dirs[i]
		}
	}
	return nil
}

func findObject(dir *directoryDefinition, name string) *objectDefinition {
	for i := range dir.Objects {
		if strings.EqualFold(dir.Objects[i].Name, name) {
			return &dir.Objects[i]
		}
	}
	return nil
}

func hasAttribute(obj *objectDefinition, name string) bool {
	for _, a := range obj.Attributes {
		if strings.EqualFold(a.Name, name) {
			return true
		}
	}
	return false
}

// compactJSON normalises a schema for storage, dropping top-level OData annotations
// ("@odata.context" of a GET that a client PUTs back unchanged).
func compactJSON(payload []byte) (json.RawMessage, error) {
	var v map[string]any
	if err := json.Unmarshal(payload, &v); err != nil {
		return nil, fmt.Errorf("decode schema: %w", err)
	}
	for k := range v {
		if strings.HasPrefix(k, "@odata.") {
			delete(v, k)
		}
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	return out, nil
}

// mappingFor returns the object mapping for a source object.
func (j *job) mappingFor(sourceObjectName string) (*objectMapping, error) {
	var doc schemaDocument
	if err := json.Unmarshal(j.schema, &doc); err != nil {
		return nil, fmt.Errorf("decode job schema: %w", err)
	}
	for _, rule := range doc.SynchronizationRules {
		for i := range rule.ObjectMappings {
			if strings.EqualFold(rule.ObjectMappings[i].SourceObjectName, sourceObjectName) {
				return &rule.ObjectMappings[i], nil
			}
		}
	}
	return nil, fmt.Errorf("the schema has no object mapping for '%s'", sourceObjectName)
}

// ruleIDs lists the synchronization rule ids of a job's schema.
func (j *job) ruleIDs() []string {
	var doc schemaDocument
	if err := json.Unmarshal(j.schema, &doc); err != nil {
		return nil
	}
	ids := make([]string, 0, len(doc.SynchronizationRules))
	for _, rule := range doc.SynchronizationRules {
		ids = append(ids, rule.ID)
	}
	return ids
}
