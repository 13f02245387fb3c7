package simulator

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

// The /_sim endpoints change the simulated directory while the simulator runs, for people
// (hack/entra, curl) and tests: what an admin does in the Entra portal. They are not part of
// Graph and need no token; the simulator only ever listens on loopback in `make run`.
//
//	GET    /_sim/users                          list users (with scope flags per job)
//	POST   /_sim/users                          add a user: {"userPrincipalName": ..., "displayName": ...}
//	PATCH  /_sim/users/{upn|id}                 change attributes: {"surname": "...", "officeLocation": "..."}
//	POST   /_sim/users/{upn|id}/disable         accountEnabled=false (and /enable)
//	POST   /_sim/users/{upn|id}/softDelete      move to the recycle bin (and /restore)
//	DELETE /_sim/users/{upn|id}                 hard delete
//	POST   /_sim/groups/{name|id}/members/{upn|id}   add a member (DELETE removes it)
//	POST   /_sim/cycles                         run a cycle of every started job now
//
// Answers are JSON; errors are {"error": "..."} with 400 or 404.

// userChange is the body of PATCH /_sim/users/{user}: only the fields present change.
type userChange struct {
	UserPrincipalName *string `json:"userPrincipalName"`
	DisplayName       *string `json:"displayName"`
	GivenName         *string `json:"givenName"`
	Surname           *string `json:"surname"`
	Mail              *string `json:"mail"`
	MailNickname      *string `json:"mailNickname"`
	OfficeLocation    *string `json:"officeLocation"`
	JobTitle          *string `json:"jobTitle"`
	Department        *string `json:"department"`
}

func (c userChange) apply(u *User) {
	for _, f := range []struct {
		from *string
		to   *string
	}{
		{c.UserPrincipalName, &u.UserPrincipalName}, {c.DisplayName, &u.DisplayName}, {c.GivenName, &u.GivenName},
		{c.Surname, &u.Surname}, {c.Mail, &u.Mail}, {c.MailNickname, &u.MailNickname},
		{c.OfficeLocation, &u.OfficeLocation}, {c.JobTitle, &u.JobTitle}, {c.Department, &u.Department},
	} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
}

// controlUser is a user as /_sim shows it.
type controlUser struct {
	ID                string   `json:"id"`
	UserPrincipalName string   `json:"userPrincipalName"`
	DisplayName       string   `json:"displayName"`
	GivenName         string   `json:"givenName,omitempty"`
	Surname           string   `json:"surname,omitempty"`
	OfficeLocation    string   `json:"officeLocation,omitempty"`
	MailNickname      string   `json:"mailNickname,omitempty"`
	AccountEnabled    bool     `json:"accountEnabled"`
	SoftDeleted       bool     `json:"softDeleted"`
	Groups            []string `json:"groups"`
}

func (s *Simulator) serveControl(w http.ResponseWriter, r *http.Request, segments []string) {
	fail := func(status int, msg string) { writeControl(w, status, map[string]string{"error": msg}) }
	switch {
	case len(segments) == 1 && segments[0] == "cycles" && r.Method == http.MethodPost:
		writeControl(w, http.StatusOK, map[string]any{"cycles": s.RunAllCycles(r.Context())})
	case len(segments) == 1 && segments[0] == "users" && r.Method == http.MethodGet:
		writeControl(w, http.StatusOK, s.controlUsers())
	case len(segments) == 1 && segments[0] == "users" && r.Method == http.MethodPost:
		var change userChange
		if err := json.NewDecoder(r.Body).Decode(&change); err != nil || change.UserPrincipalName == nil {
			fail(http.StatusBadRequest, "expected a JSON user with at least userPrincipalName")
			return
		}
		u := User{}
		change.apply(&u)
		if _, exists := s.FindUser(u.UserPrincipalName); exists {
			fail(http.StatusBadRequest, "a user "+u.UserPrincipalName+" exists already")
			return
		}
		writeControl(w, http.StatusCreated, map[string]string{"id": s.AddUser(u)})
	case len(segments) >= 2 && segments[0] == "users":
		s.controlUser(w, r, segments[1], segments[2:], fail)
	case len(segments) == 4 && segments[0] == "groups" && segments[2] == "members":
		s.controlMembers(w, r, segments[1], segments[3], fail)
	default:
		fail(http.StatusNotFound, "unknown /_sim endpoint; see the simulator's control.go")
	}
}

func (s *Simulator) controlMembers(w http.ResponseWriter, r *http.Request, groupKey, userKey string, fail func(int, string)) {
	g, ok := s.FindGroup(groupKey)
	u, found := s.FindUser(userKey)
	switch {
	case !ok:
		fail(http.StatusNotFound, "no group "+groupKey)
	case !found:
		fail(http.StatusNotFound, "no user "+userKey)
	case r.Method == http.MethodPost:
		s.AddGroupMembers(g.ID, u.ID)
		writeControl(w, http.StatusOK, map[string]string{"group": g.DisplayName, "added": u.UserPrincipalName})
	case r.Method == http.MethodDelete:
		s.RemoveGroupMembers(g.ID, u.ID)
		writeControl(w, http.StatusOK, map[string]string{"group": g.DisplayName, "removed": u.UserPrincipalName})
	default:
		fail(http.StatusBadRequest, "use POST or DELETE")
	}
}

func (s *Simulator) controlUser(w http.ResponseWriter, r *http.Request, key string, rest []string, fail func(int, string)) {
	u, ok := s.FindUser(key)
	if !ok {
		fail(http.StatusNotFound, "no user "+key)
		return
	}
	action := strings.Join(rest, "/")
	switch {
	case action == "" && r.Method == http.MethodPatch:
		var change userChange
		if err := json.NewDecoder(r.Body).Decode(&change); err != nil {
			fail(http.StatusBadRequest, "expected a JSON object of attributes: "+err.Error())
			return
		}
		s.UpdateUser(u.ID, change.apply)
	case action == "" && r.Method == http.MethodDelete:
		s.DeleteUser(u.ID)
		writeControl(w, http.StatusOK, map[string]string{"deleted": u.UserPrincipalName})
		return
	case r.Method != http.MethodPost:
		fail(http.StatusBadRequest, "use POST for "+action)
		return
	case action == "disable" || action == "enable":
		s.UpdateUser(u.ID, func(u *User) { u.Disabled = action == "disable" })
	case action == "softDelete" || action == "restore":
		s.UpdateUser(u.ID, func(u *User) { u.SoftDeleted = action == "softDelete" })
	default:
		fail(http.StatusNotFound, "unknown user action "+action)
		return
	}
	changed, _ := s.FindUser(u.ID)
	writeControl(w, http.StatusOK, s.toControlUser(changed))
}

func (s *Simulator) controlUsers() []controlUser {
	s.mu.Lock()
	ids := append([]string(nil), s.userOrder...)
	s.mu.Unlock()
	out := make([]controlUser, 0, len(ids))
	for _, id := range ids {
		if u, ok := s.FindUser(id); ok {
			out = append(out, s.toControlUser(u))
		}
	}
	return out
}

func (s *Simulator) toControlUser(u User) controlUser {
	s.mu.Lock()
	defer s.mu.Unlock()
	groups := []string{}
	for _, id := range s.groupOrder {
		for _, m := range s.groups[id].Members {
			if m == u.ID {
				groups = append(groups, s.groups[id].DisplayName)
			}
		}
	}
	return controlUser{ID: u.ID, UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName, GivenName: u.GivenName,
		Surname: u.Surname, OfficeLocation: u.OfficeLocation, MailNickname: u.MailNickname, AccountEnabled: !u.Disabled,
		SoftDeleted: u.SoftDeleted, Groups: groups}
}

// CycleOutcome is the result of one job's cycle run through RunAllCycles.
type CycleOutcome struct {
	JobID         string `json:"jobId"`
	Application   string `json:"application"`
	State         string `json:"state"`
	CountExported int64  `json:"countExported"`
	CountEscrowed int64  `json:"countEscrowed"`
	Error         string `json:"error,omitempty"`
}

// RunAllCycles runs a cycle of every started job now, as "Restart provisioning" followed by
// waiting for the cycle does in the portal.
func (s *Simulator) RunAllCycles(ctx context.Context) []CycleOutcome {
	s.mu.Lock()
	type started struct{ id, app string }
	var jobs []started
	for _, spID := range s.spOrder {
		sp := s.servicePrincipals[spID]
		for _, j := range sp.jobs {
			if j.schedule.State == ScheduleActive {
				jobs = append(jobs, started{j.id, sp.displayName})
			}
		}
	}
	s.mu.Unlock()
	out := []CycleOutcome{}
	for _, j := range jobs {
		outcome := CycleOutcome{JobID: j.id, Application: j.app}
		execution, err := s.RunCycle(ctx, j.id)
		if err != nil {
			outcome.Error = err.Error()
		} else {
			outcome.State, outcome.CountExported, outcome.CountEscrowed = execution.State, execution.CountExported, execution.CountEscrowed
			if execution.Error != nil {
				outcome.Error = execution.Error.Code + ": " + execution.Error.Message
			}
		}
		out = append(out, outcome)
	}
	return out
}

func writeControl(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}
