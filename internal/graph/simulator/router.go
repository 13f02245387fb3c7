package simulator

import (
	"net/http"
	"sort"
	"strings"
)

// route is one Graph endpoint. Its name ("GET /servicePrincipals/{sp}") is the key of the
// call counters.
type route struct {
	method   string
	segments []string
	name     string
	handle   func(*Simulator, *call)
}

const (
	spPath   = "servicePrincipals/{sp}"
	syncPath = spPath + "/synchronization"
	jobPath  = syncPath + "/jobs/{job}"
)

var graphRoutes = buildRoutes([]struct {
	method, pattern string
	handle          func(*Simulator, *call)
}{
	{http.MethodGet, "applicationTemplates/{template}", (*Simulator).handleGetApplicationTemplate},
	{http.MethodPost, "applicationTemplates/{template}/instantiate", (*Simulator).handleInstantiate},
	{http.MethodGet, "applications", (*Simulator).handleListApplications},
	{http.MethodGet, "applications/{app}", (*Simulator).handleGetApplication},
	{http.MethodPatch, "applications/{app}", (*Simulator).handleUpdateApplication},
	{http.MethodDelete, "applications/{app}", (*Simulator).handleDeleteApplication},
	{http.MethodGet, "servicePrincipals", (*Simulator).handleListServicePrincipals},
	{http.MethodGet, spPath, (*Simulator).handleGetServicePrincipal},
	{http.MethodDelete, spPath, (*Simulator).handleDeleteServicePrincipal},

	{http.MethodGet, syncPath + "/templates", (*Simulator).handleListSyncTemplates},
	{http.MethodGet, syncPath + "/templates/{template}", (*Simulator).handleGetSyncTemplate},
	{http.MethodGet, syncPath + "/templates/{template}/schema", (*Simulator).handleGetTemplateSchema},
	{http.MethodPost, syncPath + "/templates/{template}/schema/parseExpression", (*Simulator).handleParseExpression},
	{http.MethodGet, syncPath + "/jobs", (*Simulator).handleListJobs},
	{http.MethodPost, syncPath + "/jobs", (*Simulator).handleCreateJob},
	{http.MethodPost, syncPath + "/jobs/validateCredentials", (*Simulator).handleValidateCredentials},
	{http.MethodGet, jobPath, (*Simulator).handleGetJob},
	{http.MethodDelete, jobPath, (*Simulator).handleDeleteJob},
	{http.MethodPost, jobPath + "/start", (*Simulator).handleStartJob},
	{http.MethodPost, jobPath + "/pause", (*Simulator).handlePauseJob},
	{http.MethodPost, jobPath + "/restart", (*Simulator).handleRestartJob},
	{http.MethodPost, jobPath + "/validateCredentials", (*Simulator).handleValidateCredentials},
	{http.MethodPost, jobPath + "/provisionOnDemand", (*Simulator).handleProvisionOnDemand},
	{http.MethodGet, jobPath + "/schema", (*Simulator).handleGetJobSchema},
	{http.MethodPut, jobPath + "/schema", (*Simulator).handlePutJobSchema},
	{http.MethodPatch, jobPath + "/schema", (*Simulator).handlePatchJobSchema},
	{http.MethodGet, jobPath + "/schema/directories", (*Simulator).handleListSchemaDirectories},
	{http.MethodPost, jobPath + "/schema/parseExpression", (*Simulator).handleParseExpression},
	{http.MethodGet, syncPath + "/secrets", (*Simulator).handleGetSecrets},
	{http.MethodPut, syncPath + "/secrets", (*Simulator).handlePutSecrets},

	{http.MethodGet, spPath + "/appRoleAssignedTo", (*Simulator).handleListAssignments},
	{http.MethodPost, spPath + "/appRoleAssignedTo", (*Simulator).handleCreateAssignment},
	{http.MethodGet, spPath + "/appRoleAssignedTo/{assignment}", (*Simulator).handleGetAssignment},
	{http.MethodDelete, spPath + "/appRoleAssignedTo/{assignment}", (*Simulator).handleDeleteAssignment},

	{http.MethodGet, "users", (*Simulator).handleListUsers},
	{http.MethodGet, "users/{user}", (*Simulator).handleGetUser},
	{http.MethodGet, "groups", (*Simulator).handleListGroups},
	{http.MethodGet, "groups/{group}", (*Simulator).handleGetGroup},
	{http.MethodGet, "groups/{group}/members", (*Simulator).handleListGroupMembers},
	{http.MethodGet, "auditLogs/provisioning", (*Simulator).handleListProvisioningLogs},
})

func buildRoutes(defs []struct {
	method, pattern string
	handle          func(*Simulator, *call)
}) []route {
	routes := make([]route, 0, len(defs))
	for _, d := range defs {
		routes = append(routes, route{
			method:   d.method,
			segments: strings.Split(d.pattern, "/"),
			name:     d.method + " /" + d.pattern,
			handle:   d.handle,
		})
	}
	return routes
}

// Routes lists the names of all simulated Graph routes, the keys Calls reports.
func Routes() []string {
	names := make([]string, 0, len(graphRoutes))
	for _, rt := range graphRoutes {
		names = append(names, rt.name)
	}
	sort.Strings(names)
	return names
}

// matchRoute finds the route for method and path segments (after /v1.0). pathKnown reports
// whether some route has that path with another method, to tell 405 from 400.
func matchRoute(method string, segments []string) (rt *route, params map[string]string, pathKnown bool) {
	for i := range graphRoutes {
		candidate := &graphRoutes[i]
		p, ok := matchSegments(candidate.segments, segments)
		if !ok {
			continue
		}
		// A literal match beats a placeholder ("jobs/validateCredentials" vs "jobs/{job}").
		if candidate.method == method {
			if rt == nil || literalCount(candidate.segments) > literalCount(rt.segments) {
				rt, params = candidate, p
			}
			continue
		}
		pathKnown = true
	}
	return rt, params, pathKnown
}

func matchSegments(pattern, segments []string) (map[string]string, bool) {
	if len(pattern) != len(segments) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segments[i] == "" {
				return nil, false
			}
			params[strings.Trim(p, "{}")] = segments[i]
			continue
		}
		// Graph treats segment names case-insensitively.
		if !strings.EqualFold(p, segments[i]) {
			return nil, false
		}
	}
	return params, true
}

func literalCount(pattern []string) int {
	n := 0
	for _, p := range pattern {
		if !strings.HasPrefix(p, "{") {
			n++
		}
	}
	return n
}

// countCall records one request for the counters tests and benchmarks read.
func (s *Simulator) countCall(name, method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[name]++
	if method == http.MethodGet || method == http.MethodHead {
		s.reads++
	} else {
		s.writes++
	}
}
