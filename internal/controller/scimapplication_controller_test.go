/*
Copyright 2026 &Money.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph/simulator"
	"github.com/andmoney/scim-operator/internal/mapping"
)

// TestSeedConfiguration proves the seed guide's end state in Entra for both applications: the
// Tenant URL and Secret Token, notification settings, the exact mapping table, the job started
// and the groups assigned; and that Entra's test connection reached the SCIM endpoint.
func TestSeedConfiguration(t *testing.T) {
	ns := newNamespace(t)
	tenant := createTenant(t, ns, nil)
	tenantCondition(t, tenant, v1.ReadyCondition, metav1.ConditionTrue, v1.SucceededReason)
	for _, rt := range []v1.ResourceType{v1.ResourceTypeAdvisors, v1.ResourceTypeRooms} {
		t.Run(string(rt), func(t *testing.T) {
			g := NewWithT(t)
			app := createApp(t, ns, rt, nil)
			appCondition(t, app, v1.ReadyCondition, metav1.ConditionTrue, v1.SucceededReason)

			st := app.Status
			g.Expect(st.Origin).To(Equal(v1.OriginCreated))
			g.Expect(st.TenantURL).To(Equal(scimBase + "/" + string(rt) + "/scim"))
			secrets := sim.Secrets(st.ServicePrincipalID)
			g.Expect(secrets).To(HaveKeyWithValue("BaseAddress", st.TenantURL))
			g.Expect(secrets).To(HaveKeyWithValue("SecretToken", ns+"-"+string(rt)+"-token-0123456789abcdef"))
			g.Expect(secrets).To(HaveKeyWithValue("SyncAll", "false"))
			var notify map[string]any
			g.Expect(json.Unmarshal([]byte(secrets["SyncNotificationSettings"]), &notify)).To(Succeed())
			g.Expect(notify).To(HaveKeyWithValue("Enabled", true))
			g.Expect(notify).To(HaveKeyWithValue("Recipients", "ops@bank.dk"))
			g.Expect(notify).To(HaveKeyWithValue("DeleteThresholdValue", BeNumerically("==", 500)))
			g.Expect(st.SecretsHash).To(HaveLen(64))
			g.Expect(st.SecretsHash).NotTo(ContainSubstring("token"))

			schema, ok := sim.JobSchema(st.JobID)
			g.Expect(ok).To(BeTrue())
			observed, err := mapping.ObservedMappings(schema)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(normalised(observed)).To(ConsistOf(normalised(v1.SeedMappings(rt))))

			job, ok := sim.Job(st.JobID)
			g.Expect(ok).To(BeTrue())
			g.Expect(job.TemplateID).To(Equal("scim"))
			g.Expect(job.Schedule.State).To(Equal("Active"))

			group := groupAdvisors.ID
			if rt == v1.ResourceTypeRooms {
				group = groupRooms.ID
			}
			g.Expect(sim.Assignments(st.ServicePrincipalID)).To(ConsistOf(HaveField("PrincipalID", group)))
			g.Expect(st.Assignments).To(ConsistOf(HaveField("Origin", v1.OriginCreated)))

			probed := false
			for _, p := range sim.SCIMProbes() {
				if p.BaseAddress == st.TenantURL && p.Error == "" {
					probed = true
				}
			}
			g.Expect(probed).To(BeTrue(), "Entra's test connection reached the SCIM endpoint")
		})
	}
}

// normalised compares mapping rows regardless of the spelling of attribute expressions.
func normalised(rows []v1.AttributeMapping) []v1.AttributeMapping {
	out := make([]v1.AttributeMapping, 0, len(rows))
	for _, r := range rows {
		if n, err := mapping.Normalize(r.Source); err == nil {
			r.Source = n
		}
		if r.FlowType == "" {
			r.FlowType = v1.FlowAlways
		}
		out = append(out, r)
	}
	return out
}

// TestDriftAndRotation changes Entra "in the portal" and rotates the token: both are put right.
func TestDriftAndRotation(t *testing.T) {
	g := NewWithT(t)
	ns, app := newReadyApp(t, v1.ResourceTypeAdvisors, nil)
	sp, jobID := app.Status.ServicePrincipalID, app.Status.JobID

	// An admin maps externalId back to mailNickname in the portal.
	schema, _ := sim.JobSchema(jobID)
	drifted, changed, err := mapping.ApplyMappings(schema, withSource(v1.SeedMappings(v1.ResourceTypeAdvisors), v1.TargetExternalID, "mailNickname"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(changed).To(BeTrue())
	portalPut(t, "/servicePrincipals/"+sp+"/synchronization/jobs/"+jobID+"/schema", drifted)
	g.Eventually(func(g Gomega) {
		schema, _ := sim.JobSchema(jobID)
		observed, err := mapping.ObservedMappings(schema)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(normalised(observed)).To(ConsistOf(normalised(v1.SeedMappings(v1.ResourceTypeAdvisors))))
	}).WithTimeout(60 * time.Second).Should(Succeed())

	// The token is rotated: Entra gets the new one.
	secret := &corev1.Secret{}
	g.Expect(k8s.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "advisors-token"}, secret)).To(Succeed())
	secret.Data["token"] = []byte("rotated-token-abcdef0123456789")
	g.Expect(k8s.Update(t.Context(), secret)).To(Succeed())
	g.Eventually(func() map[string]string { return sim.Secrets(sp) }).WithTimeout(60 * time.Second).
		Should(HaveKeyWithValue("SecretToken", "rotated-token-abcdef0123456789"))
}

func withSource(rows []v1.AttributeMapping, target v1.MappingTarget, source string) []v1.AttributeMapping {
	out := append([]v1.AttributeMapping(nil), rows...)
	for i := range out {
		if out[i].Target == target {
			out[i].Source = source
		}
	}
	return out
}

// portalPut stands in for an admin editing Entra in the portal.
func portalPut(t *testing.T, path string, body []byte) {
	t.Helper()
	portal(t, http.MethodPut, path, body, nil)
}

// portal sends one Graph request as an admin would, decoding the answer into out when given.
func portal(t *testing.T, method, path string, body []byte, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, simServer.URL+"/v1.0"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+staticToken)
	req.Header.Set("Content-Type", "application/json")
	httpClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool(), MinVersion: tls.VersionTLS12}}}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("decode %s %s: %v", method, path, err)
		}
	}
}

// TestAdoptsAnApplicationWithALegacyJob adopts an enterprise application an admin made by hand, with
// the legacy customappsso job: the operator configures it, says the job is legacy, and on deletion
// removes only the job it manages, never the application it did not create.
func TestAdoptsAnApplicationWithALegacyJob(t *testing.T) {
	g := NewWithT(t)
	var created struct {
		ServicePrincipal struct {
			ID string `json:"id"`
		} `json:"servicePrincipal"`
	}
	portal(t, http.MethodPost, "/applicationTemplates/8adf8e6e-67b2-4cf2-a259-e3dc5476c621/instantiate",
		[]byte(`{"displayName":"made by hand"}`), &created)
	sp := created.ServicePrincipal.ID
	var job struct {
		ID string `json:"id"`
	}
	portal(t, http.MethodPost, "/servicePrincipals/"+sp+"/synchronization/jobs", []byte(`{"templateId":"customappsso"}`), &job)

	_, app := newReadyApp(t, v1.ResourceTypeAdvisors, func(a *v1.ScimApplication) { a.Spec.ServicePrincipalID = sp })
	appCondition(t, app, v1.JobReadyCondition, metav1.ConditionTrue, v1.LegacyJobReason)
	g.Expect(app.Status.Origin).To(Equal(v1.OriginAdopted))
	g.Expect(app.Status.JobID).To(Equal(job.ID))
	g.Expect(sim.Jobs(sp)).To(HaveLen(1), "no second job was created")
	g.Expect(sim.Secrets(sp)).To(HaveKeyWithValue("BaseAddress", app.Status.TenantURL))

	g.Expect(k8s.Delete(t.Context(), app)).To(Succeed())
	g.Eventually(func() []simulator.Job { return sim.Jobs(sp) }).WithTimeout(60 * time.Second).Should(BeEmpty())
	g.Expect(sim.Applications()).To(ContainElement(HaveField("ServicePrincipalID", sp)))
}

// TestJobControl pauses, resumes and restarts the job and provisions a user on demand.
func TestJobControl(t *testing.T) {
	g := NewWithT(t)
	_, app := newReadyApp(t, v1.ResourceTypeAdvisors, func(a *v1.ScimApplication) {
		a.Spec.Assignments.Users = []v1.UserAssignment{{UserPrincipalName: userBo.UserPrincipalName}}
	})
	jobID := app.Status.JobID

	setState := func(state v1.ProvisioningState) {
		g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(app), app)).To(Succeed())
		patch := client.MergeFrom(app.DeepCopy())
		app.Spec.Provisioning.State = state
		g.Expect(k8s.Patch(t.Context(), app, patch)).To(Succeed())
	}
	setState(v1.ProvisioningPaused)
	g.Eventually(func() string { j, _ := sim.Job(jobID); return j.Schedule.State }).WithTimeout(60 * time.Second).Should(Equal("Paused"))
	appCondition(t, app, v1.JobReadyCondition, metav1.ConditionTrue, v1.PausedReason)
	setState(v1.ProvisioningActive)
	g.Eventually(func() string { j, _ := sim.Job(jobID); return j.Schedule.State }).WithTimeout(60 * time.Second).Should(Equal("Active"))

	restarts := sim.CallCount("POST /servicePrincipals/{sp}/synchronization/jobs/{job}/restart")
	annotate(t, app, v1.RestartAnnotation, "first")
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(app), app)).To(Succeed())
		g.Expect(app.Status.LastHandledRestart).To(Equal("first"))
	}).WithTimeout(60 * time.Second).Should(Succeed())
	g.Expect(sim.CallCount("POST /servicePrincipals/{sp}/synchronization/jobs/{job}/restart")).To(Equal(restarts + 1))

	annotate(t, app, v1.ProvisionOnDemandAnnotation, userBo.UserPrincipalName+", nobody@bank.dk")
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(app), app)).To(Succeed())
		g.Expect(app.Status.OnDemand).NotTo(BeNil())
		g.Expect(app.Status.OnDemand.Results).To(HaveLen(2))
	}).WithTimeout(60 * time.Second).Should(Succeed())
	g.Expect(app.Status.OnDemand.Results[0]).To(HaveField("Result", "Success"))
	g.Expect(app.Status.OnDemand.Results[1]).To(HaveField("Result", "Failure"))
	g.Expect(sim.Exported(jobID)).To(HaveKey(userBo.ID))
}

// TestQuarantineIsSurfaced quarantines the job in Entra: status, condition and Ready say so.
func TestQuarantineIsSurfaced(t *testing.T) {
	g := NewWithT(t)
	ns, app := newReadyApp(t, v1.ResourceTypeRooms, nil)
	g.Expect(sim.QuarantineJob(app.Status.JobID, simulator.QuarantineFault{Message: "Please provide a valid tenant URL."})).To(Succeed())
	annotate(t, app, "test.scim.andmoney.dk/poke", "1") // no need to wait for the poll
	appCondition(t, app, v1.ProvisioningHealthyCondition, metav1.ConditionFalse, v1.QuarantinedReason)
	appCondition(t, app, v1.ReadyCondition, metav1.ConditionFalse, v1.QuarantinedReason)
	g.Expect(app.Status.Job.State).To(Equal("Quarantine"))
	g.Expect(app.Status.Job.Quarantine).NotTo(BeNil())
	g.Expect(app.Status.Job.Quarantine.Error).To(ContainSubstring("valid tenant URL"))
	g.Expect(gauge("scim_operator_job_quarantined", ns, app.Name)).To(Equal(1.0))
}

// gauge reads a per-application gauge from the manager's metrics registry.
func gauge(name, namespace, app string) float64 {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return -1
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["namespace"] == namespace && labels["name"] == app {
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

// TestDeletionPolicies deletes one application of each policy.
func TestDeletionPolicies(t *testing.T) {
	ns := newNamespace(t)
	createTenant(t, ns, nil)
	for _, policy := range []v1.DeletionPolicy{v1.DeletionPolicyDelete, v1.DeletionPolicyOrphan} {
		t.Run(string(policy), func(t *testing.T) {
			g := NewWithT(t)
			rt := v1.ResourceTypeAdvisors
			if policy == v1.DeletionPolicyOrphan {
				rt = v1.ResourceTypeRooms
			}
			app := createApp(t, ns, rt, func(a *v1.ScimApplication) {
				a.Spec.DeletionPolicy = policy
				a.Spec.RecordRetention = v1.RecordRetentionDelete
			})
			appCondition(t, app, v1.ReadyCondition, metav1.ConditionTrue, "")
			sp := app.Status.ServicePrincipalID
			record := recordFor(ns, app)
			g.Expect(k8s.Create(t.Context(), record)).To(Succeed())

			g.Expect(k8s.Delete(t.Context(), app)).To(Succeed())
			g.Eventually(func() bool {
				return client.IgnoreNotFound(k8s.Get(t.Context(), client.ObjectKeyFromObject(app), app)) == nil &&
					k8s.Get(t.Context(), client.ObjectKeyFromObject(app), app) != nil
			}).WithTimeout(60 * time.Second).Should(BeTrue())
			g.Eventually(func() error { return k8s.Get(t.Context(), client.ObjectKeyFromObject(record), record) }).
				WithTimeout(30 * time.Second).ShouldNot(Succeed())

			exists := false
			for _, a := range sim.Applications() {
				if a.ServicePrincipalID == sp {
					exists = true
				}
			}
			g.Expect(exists).To(Equal(policy == v1.DeletionPolicyOrphan))
		})
	}
}

func recordFor(ns string, app *v1.ScimApplication) client.Object {
	meta := metav1.ObjectMeta{Namespace: ns, GenerateName: "rec-", Labels: map[string]string{v1.ApplicationLabel: app.Name}}
	fields := v1.RecordFields{UserName: "someone@bank.dk"}
	if app.Spec.ResourceType == v1.ResourceTypeRooms {
		return &v1.Room{ObjectMeta: meta, Spec: v1.RoomSpec{RecordFields: fields}}
	}
	return &v1.Advisor{ObjectMeta: meta, Spec: v1.AdvisorSpec{RecordFields: fields}}
}

// TestBadInputGivesClearConditions covers the user errors a status must explain.
func TestBadInputGivesClearConditions(t *testing.T) {
	t.Run("tenant Secret missing", func(t *testing.T) {
		ns := newNamespace(t)
		tenant := &v1.ScimTenant{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bank"},
			Spec: v1.ScimTenantSpec{Environment: v1.EnvironmentTest, TenantID: tenantID, ClientID: clientID,
				Credentials: v1.TenantCredentials{ClientSecret: &v1.SecretKeySelector{Name: "absent", Key: "client-secret"}}},
		}
		simulatorCloud(simServer)(tenant)
		NewWithT(t).Expect(k8s.Create(t.Context(), tenant)).To(Succeed())
		tenantCondition(t, tenant, v1.CredentialsReadyCondition, metav1.ConditionFalse, v1.SecretNotFoundReason)
		// Creating the Secret fixes it without touching the tenant: the Secret watch reacts.
		createSecret(t, ns, "absent", v1.SecretTypeTenantCredentials, "client-secret", clientSecret)
		tenantCondition(t, tenant, v1.ReadyCondition, metav1.ConditionTrue, v1.SucceededReason)
	})
	t.Run("tenant Secret key missing", func(t *testing.T) {
		ns := newNamespace(t)
		tenant := createTenant(t, ns, func(tn *v1.ScimTenant) { tn.Spec.Credentials.ClientSecret.Key = "wrong-key" })
		tenantCondition(t, tenant, v1.CredentialsReadyCondition, metav1.ConditionFalse, v1.SecretKeyNotFoundReason)
	})
	t.Run("wrong client secret", func(t *testing.T) {
		ns := newNamespace(t)
		createSecret(t, ns, "wrong", v1.SecretTypeTenantCredentials, "client-secret", "not-the-secret")
		tenant := createTenant(t, ns, func(tn *v1.ScimTenant) { tn.Spec.Credentials.ClientSecret.Name = "wrong" })
		tenantCondition(t, tenant, v1.CredentialsReadyCondition, metav1.ConditionFalse, v1.InvalidCredentialsReason)
		tenantCondition(t, tenant, v1.StalledCondition, metav1.ConditionTrue, v1.InvalidCredentialsReason)
	})
	t.Run("token Secret missing", func(t *testing.T) {
		ns := newNamespace(t)
		createTenant(t, ns, nil)
		app := createApp(t, ns, v1.ResourceTypeRooms, func(a *v1.ScimApplication) { a.Spec.TokenSecretRef.Name = "absent" })
		appCondition(t, app, v1.AdminCredentialsReadyCondition, metav1.ConditionFalse, v1.SecretNotFoundReason)
		appCondition(t, app, v1.ReadyCondition, metav1.ConditionFalse, v1.SecretNotFoundReason)
		appCondition(t, app, v1.StalledCondition, metav1.ConditionTrue, v1.SecretNotFoundReason)
	})
	t.Run("expression that does not parse", func(t *testing.T) {
		ns := newNamespace(t)
		createTenant(t, ns, nil)
		app := createApp(t, ns, v1.ResourceTypeRooms, func(a *v1.ScimApplication) {
			a.Spec.Mappings = withSource(v1.SeedMappings(v1.ResourceTypeRooms), v1.TargetActive, `Switch([IsSoftDeleted], , "False", "True"`)
		})
		appCondition(t, app, v1.MappingsSyncedCondition, metav1.ConditionFalse, v1.InvalidExpressionReason)
		NewWithT(t).Expect(meta(app, v1.MappingsSyncedCondition).Message).To(ContainSubstring("column"))
	})
	t.Run("ambiguous group", func(t *testing.T) {
		ns := newNamespace(t)
		createTenant(t, ns, nil)
		app := createApp(t, ns, v1.ResourceTypeAdvisors, func(a *v1.ScimApplication) {
			a.Spec.Assignments.Groups = []v1.GroupAssignment{{DisplayName: groupTwinA.DisplayName}}
		})
		appCondition(t, app, v1.AssignmentsSyncedCondition, metav1.ConditionFalse, v1.AmbiguousPrincipalReason)
	})
	t.Run("tenant missing", func(t *testing.T) {
		ns := newNamespace(t)
		app := createApp(t, ns, v1.ResourceTypeAdvisors, nil)
		appCondition(t, app, v1.ReadyCondition, metav1.ConditionFalse, v1.TenantNotFoundReason)
	})
}

func meta(app *v1.ScimApplication, conditionType string) metav1.Condition {
	for _, c := range app.Status.Conditions {
		if c.Type == conditionType {
			return c
		}
	}
	return metav1.Condition{}
}

// TestProvisioningFailuresBecomeEvents makes the SCIM target reject a user in a cycle: the failure in
// Entra's provisioning logs reaches the application as a Warning event, once.
func TestProvisioningFailuresBecomeEvents(t *testing.T) {
	g := NewWithT(t)
	ns, app := newReadyApp(t, v1.ResourceTypeAdvisors, nil)

	sim.FailExports(userAnna.ID, simulator.ExportFailure{
		ErrorCode: "SystemForCrossDomainIdentityManagementBadResponse", Reason: "the SCIM endpoint answered 500",
	})
	t.Cleanup(sim.ClearExportFailures)
	execution, err := sim.RunCycle(t.Context(), app.Status.JobID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(execution.State).To(Equal("EntryLevelErrors"))
	annotate(t, app, "test.scim.andmoney.dk/poke", "1")

	failures := func(g Gomega) []eventsv1.Event {
		list := &eventsv1.EventList{}
		g.Expect(k8s.List(t.Context(), list, client.InNamespace(ns))).To(Succeed())
		var out []eventsv1.Event
		for _, e := range list.Items {
			if e.Reason == "ProvisioningFailed" && e.Regarding.Name == app.Name {
				out = append(out, e)
			}
		}
		return out
	}
	g.Eventually(func(g Gomega) {
		events := failures(g)
		g.Expect(events).To(HaveLen(1))
		g.Expect(events[0].Type).To(Equal(corev1.EventTypeWarning))
		g.Expect(events[0].Note).To(ContainSubstring("SystemForCrossDomainIdentityManagementBadResponse"))
		g.Expect(events[0].Note).To(ContainSubstring(userAnna.UserPrincipalName))
	}).WithTimeout(60 * time.Second).Should(Succeed())
	// The event is recorded during the reconcile, the status at its end.
	g.Eventually(func(g Gomega) {
		g.Expect(k8s.Get(t.Context(), client.ObjectKeyFromObject(app), app)).To(Succeed())
		g.Expect(app.Status.Job.LastExecution).NotTo(BeNil())
		g.Expect(app.Status.Job.LastExecution.State).To(Equal("EntryLevelErrors"))
		g.Expect(app.Status.LastProvisioningEventTime).NotTo(BeNil())
		g.Expect(app.Status.ProvisioningFailures).To(ConsistOf(And(
			HaveField("User", userAnna.UserPrincipalName), HaveField("Error", ContainSubstring("SystemForCrossDomainIdentityManagementBadResponse")))))
		g.Expect(app.Status.ReportedProvisioningLogIDs).To(HaveLen(1))
	}).WithTimeout(30 * time.Second).Should(Succeed())

	// Further polls find no new failure: no second event.
	jobReads := sim.CallCount("GET /servicePrincipals/{sp}/synchronization/jobs/{job}")
	g.Eventually(func() int { return sim.CallCount("GET /servicePrincipals/{sp}/synchronization/jobs/{job}") }).
		WithTimeout(60 * time.Second).Should(BeNumerically(">=", jobReads+3))
	g.Consistently(func(g Gomega) { g.Expect(failures(g)).To(HaveLen(1)) }).WithTimeout(3 * time.Second).Should(Succeed())
}

// TestLostStatusFindsTheSameApplication wipes the status, as a restore without status would: the
// operator finds the enterprise application it created through its annotation instead of creating
// a second one.
func TestLostStatusFindsTheSameApplication(t *testing.T) {
	g := NewWithT(t)
	_, app := newReadyApp(t, v1.ResourceTypeRooms, nil)
	sp, jobID := app.Status.ServicePrincipalID, app.Status.JobID
	g.Expect(app.Annotations).To(HaveKeyWithValue(v1.CreatedServicePrincipalAnnotation, sp))
	applications := len(sim.Applications())

	app.Status = v1.ScimApplicationStatus{}
	g.Expect(k8s.Status().Update(t.Context(), app)).To(Succeed())
	annotate(t, app, "test.scim.andmoney.dk/poke", "1")
	appCondition(t, app, v1.ReadyCondition, metav1.ConditionTrue, "")
	g.Expect(app.Status.ServicePrincipalID).To(Equal(sp))
	g.Expect(app.Status.JobID).To(Equal(jobID))
	g.Expect(app.Status.Origin).To(Equal(v1.OriginCreated))
	g.Expect(sim.Applications()).To(HaveLen(applications))
}
