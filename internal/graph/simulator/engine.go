package simulator

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// The provisioning engine does what Entra's does for a customappsso/scim job (entra-scim.md §1.2):
// for each user it evaluates the job's stored User mapping, and when the result differs from what
// it last exported it calls the SCIM endpoint: a match lookup (GET ?filter=) for a user it has no
// target id for, POST when nothing matches, GET by id and a PATCH of only the differing
// attributes otherwise, PATCH of active alone when the user left scope, DELETE when the user was
// hard-deleted. A user whose values did not change costs no request at all, as Entra's
// incremental cycles only process changes.
//
// Work is planned under s.mu, sent without it (the SCIM endpoint may be slow), and the results
// applied under s.mu again.

// exportedObject is what the engine remembers per job about an object it exported: the id the
// endpoint gave it and the values it last wrote or found there.
type exportedObject struct {
	targetID string
	attrs    map[string]string
	inScope  bool
}

// exportWork is one object the engine has to send requests for.
type exportWork struct {
	sourceID, sourceName, sourceType, targetType string
	inScope, hardDeleted                         bool
	// values are the evaluated mappings to send, in mapping order; out of scope only active.
	values []targetValue
	// desired is what the engine remembers after a successful export.
	desired map[string]string
	// matching are the matching attributes, lowest matchingPriority first.
	matching []targetValue
	known    *exportedObject
	// failed is set when the work fails before any request (a mapping that cannot be
	// evaluated, or a test's FailExports).
	failed *exportChange
}

// exportResult is the outcome of one exportWork.
type exportResult struct {
	change exportChange
	// remember replaces the engine's memory of the object; forget drops it.
	remember *exportedObject
	forget   bool
	// abort is a 401/403: the cycle stops and the job is quarantined.
	abort error
}

// evaluateUser applies the User mapping to u. The error names a mapping the engine cannot
// evaluate; the user then fails.
func evaluateUser(om *objectMapping, u *User, inScope bool) (values, matching []targetValue, err error) {
	source := u.syncAttributes(inScope)
	type ranked struct {
		priority int
		value    targetValue
	}
	var match []ranked
	for _, am := range om.AttributeMappings {
		if err := am.Source.checkEvaluable(source); err != nil {
			return nil, nil, fmt.Errorf("the mapping of '%s': %w", am.TargetAttributeName, err)
		}
		v, ok := am.Source.evaluate(source)
		if !ok && am.DefaultValue != nil && *am.DefaultValue != "" {
			v, ok = *am.DefaultValue, true
		}
		if !ok {
			continue // Entra skips null values rather than clearing them
		}
		tv := targetValue{path: am.TargetAttributeName, value: v}
		values = append(values, tv)
		if am.MatchingPriority > 0 {
			match = append(match, ranked{am.MatchingPriority, tv})
		}
	}
	sort.SliceStable(match, func(i, k int) bool { return match[i].priority < match[k].priority })
	for _, m := range match {
		matching = append(matching, m.value)
	}
	return values, matching, nil
}

// planUserLocked decides whether u needs requests. force (provision on demand) plans work even
// when nothing changed since the last export. Caller holds s.mu.
func (s *Simulator) planUserLocked(j *job, om *objectMapping, u *User, inScope, force bool) (exportWork, bool) {
	w := exportWork{sourceID: u.ID, sourceName: u.UserPrincipalName, sourceType: "User", targetType: om.TargetObjectName, inScope: inScope}
	if known, ok := j.exported[u.ID]; ok {
		copied := *known
		copied.attrs = maps.Clone(known.attrs)
		w.known = &copied
	}
	if !inScope && w.known == nil {
		return w, false // never exported, nothing to disable
	}
	action := "create"
	if w.known != nil {
		action = "update"
	}
	if !inScope {
		action = "disable"
	}
	if failure, failing := s.exportFailures[u.ID]; failing && inScope {
		w.failed = &exportChange{action: action, status: "failure", reason: failure.Reason, errorCode: failure.ErrorCode}
		return w, true
	}
	values, matching, err := evaluateUser(om, u, inScope)
	if err != nil {
		w.failed = &exportChange{action: action, status: "failure", reason: err.Error(), errorCode: "SystemForCrossDomainIdentityManagementMappingNotEvaluated"}
		return w, true
	}
	w.matching = matching
	if inScope {
		w.values = values
		w.desired = map[string]string{}
		for _, tv := range values {
			w.desired[tv.path] = tv.value
		}
	} else {
		// Leaving scope changes only active, computed by the mapping with IsSoftDeleted true.
		w.desired = maps.Clone(w.known.attrs)
		if w.desired == nil { // forgotten by a Watermark restart
			w.desired = map[string]string{}
		}
		for _, tv := range values {
			if isBooleanAttribute(parseSCIMPath(tv.path)) {
				w.values = append(w.values, tv)
				w.desired[tv.path] = tv.value
			}
		}
	}
	if !force && w.known != nil && w.known.inScope == inScope && maps.Equal(w.known.attrs, w.desired) {
		return w, false
	}
	return w, true
}

// planDeleteLocked plans the DELETE of a hard-deleted user the job exported.
func planDelete(sourceID string, known *exportedObject, targetType string) exportWork {
	copied := *known
	return exportWork{sourceID: sourceID, sourceName: known.attrs["userName"], sourceType: "User", targetType: targetType, hardDeleted: true, known: &copied}
}

// execute sends the work's requests.
func (w *exportWork) execute(ctx context.Context, e *scimExporter) exportResult {
	first := len(e.requests)
	ch := exportChange{sourceID: w.sourceID, sourceName: w.sourceName, sourceType: w.sourceType, targetType: w.targetType, status: "success"}
	if w.known != nil {
		ch.targetID = w.known.targetID
	}
	result := exportResult{}
	finish := func(err error) exportResult {
		ch.requests = e.requests[first:]
		if n := len(ch.requests); n > 0 {
			ch.scimStatus = ch.requests[n-1].StatusCode
		}
		if err != nil {
			ch.status, ch.reason, ch.errorCode = "failure", err.Error(), exportErrorCode(err)
			var statusErr *scimStatusError
			if errors.As(err, &statusErr) && statusErr.rejectsCredentials() {
				result.abort = err
			}
			result.remember, result.forget = nil, false
		}
		result.change = ch
		return result
	}
	if w.failed != nil {
		failed := *w.failed
		failed.sourceID, failed.sourceName, failed.sourceType, failed.targetType, failed.targetID = ch.sourceID, ch.sourceName, ch.sourceType, ch.targetType, ch.targetID
		result.change = failed
		return result
	}
	if w.hardDeleted {
		ch.action, result.forget = "delete", true
		if w.known.targetID == "" {
			return finish(nil)
		}
		return finish(e.remove(ctx, w.known.targetID))
	}

	resource, targetID, err := w.locate(ctx, e)
	if err != nil {
		ch.action = actionFor(w, false)
		return finish(err)
	}
	remembered := &exportedObject{targetID: targetID, attrs: w.desired, inScope: w.inScope}
	switch {
	case resource == nil && !w.inScope:
		// Nothing to disable any more: the target no longer has the user.
		ch.action, ch.status, ch.reason = "disable", "skipped", "The user is not in the target system."
		result.forget = true
		return finish(nil)
	case resource == nil:
		ch.action = "create"
		id, err := e.create(ctx, w.values)
		if err != nil {
			return finish(err)
		}
		ch.targetID, remembered.targetID = id, id
		for _, tv := range w.values {
			ch.changes = append(ch.changes, ModifiedProperty{DisplayName: tv.path, NewValue: &tv.value})
		}
		result.remember = remembered
		return finish(nil)
	}
	ch.targetID = targetID
	ch.action = actionFor(w, true)
	changes := diffResource(resource, w.values)
	result.remember = remembered
	if len(changes) == 0 {
		ch.action, ch.status, ch.reason = "other", "skipped", "RedundantExport"
		return finish(nil)
	}
	for _, c := range changes {
		property := ModifiedProperty{DisplayName: c.path, NewValue: &c.value}
		if c.existed {
			if old, ok := lookupValue(resource, parseSCIMPath(c.path)); ok {
				text := fmt.Sprint(old)
				property.OldValue = &text
			}
		}
		ch.changes = append(ch.changes, property)
	}
	return finish(e.patch(ctx, targetID, changes))
}

// locate finds the user in the target: by the id the engine remembers (GET /Users/{id}), else by
// the matching attributes in priority order (GET /Users?filter=). resource is nil when there is none.
func (w *exportWork) locate(ctx context.Context, e *scimExporter) (map[string]any, string, error) {
	if w.known != nil && w.known.targetID != "" {
		resource, err := e.get(ctx, w.known.targetID)
		if err != nil || resource != nil {
			return resource, w.known.targetID, err
		}
		// Deleted in the target behind Entra's back: match again.
	}
	for _, m := range w.matching {
		resource, err := e.lookup(ctx, m.path, m.value)
		if err != nil || resource != nil {
			return resource, fmt.Sprint(resource["id"]), err
		}
	}
	return nil, "", nil
}

func actionFor(w *exportWork, found bool) string {
	switch {
	case !w.inScope:
		return "disable"
	case found || w.known != nil:
		return "update"
	}
	return "create"
}

// exportErrorCode names a failed export the way the provisioning logs do.
func exportErrorCode(err error) string {
	var statusErr *scimStatusError
	if !errors.As(err, &statusErr) {
		return "SystemForCrossDomainIdentityManagementBadResponse"
	}
	switch {
	case statusErr.rejectsCredentials():
		return CodeInvalidCredentials
	case statusErr.StatusCode == 0:
		return "SystemForCrossDomainIdentityManagementServiceUnavailable"
	case statusErr.StatusCode == http.StatusConflict:
		return "SystemForCrossDomainIdentityManagementEntryConflict"
	}
	return "SystemForCrossDomainIdentityManagementBadResponse"
}

// applyResultLocked records a result in the job's memory. Caller holds s.mu.
func applyResultLocked(j *job, r exportResult) {
	switch {
	case r.forget:
		delete(j.exported, r.change.sourceID)
	case r.remember != nil:
		j.exported[r.change.sourceID] = r.remember
	}
}

// exportClientLocked is the HTTP client exports use: the one configured with WithHTTPSCIMProbe
// or WithSCIMExportClient, else the simulator's in-memory SCIM target.
func (s *Simulator) exportClientLocked() *http.Client {
	if s.cfg.exportClient != nil {
		return s.cfg.exportClient
	}
	return s.memoryTarget.client()
}

// requestsText renders the requests of a change for logs and provision-on-demand results.
func requestsText(requests []SCIMRequest) string {
	parts := make([]string, 0, len(requests))
	for _, r := range requests {
		parts = append(parts, r.String())
	}
	return strings.Join(parts, "; ")
}

func statusText(code int) string {
	if code == 0 {
		return ""
	}
	return strconv.Itoa(code)
}
