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

package v1alpha1_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/localcluster"
)

var cluster *localcluster.Cluster

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	var err error
	cluster, err = localcluster.Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start local control plane:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := cluster.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop local control plane:", err)
	}
	os.Exit(code)
}

// newNamespace gives each test its own namespace, so tests never see each other's objects.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "api-"}}
	if err := cluster.Client.Create(t.Context(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() { _ = cluster.Client.Delete(context.Background(), ns) })
	return ns.Name
}

const guid = "0c5d2a7e-3f6b-4b8a-9d51-6e2f1a7c4b90"

func validTenant(ns string) *v1.ScimTenant {
	return &v1.ScimTenant{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "tenant-"},
		Spec: v1.ScimTenantSpec{
			Environment: v1.EnvironmentTest,
			TenantID:    guid,
			ClientID:    guid,
			Credentials: v1.TenantCredentials{ClientSecret: &v1.SecretKeySelector{Name: "graph", Key: "secret"}},
		},
	}
}

func validApplication(ns string, rt v1.ResourceType) *v1.ScimApplication {
	return &v1.ScimApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "app-"},
		Spec: v1.ScimApplicationSpec{
			TenantRef:      v1.LocalObjectReference{Name: "contoso"},
			ResourceType:   rt,
			TokenSecretRef: v1.SecretKeySelector{Name: "token", Key: "token"},
		},
	}
}

func TestCRDsAreServed(t *testing.T) {
	g := NewWithT(t)
	resources, err := discoveryResources()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(resources).To(ContainElements("scimtenants", "scimapplications", "advisors", "rooms"))
}

func discoveryResources() ([]string, error) {
	list := &metav1.APIResourceList{}
	raw, err := restGet("/apis/" + v1.GroupVersion.String())
	if err != nil {
		return nil, err
	}
	if err := jsonUnmarshal(raw, list); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(list.APIResources))
	for _, r := range list.APIResources {
		names = append(names, r.Name)
	}
	return names, nil
}

func TestSamplesAreAccepted(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	root, err := localcluster.RepoRoot()
	g.Expect(err).NotTo(HaveOccurred())
	entries, err := os.ReadDir(filepath.Join(root, "config", "samples"))
	g.Expect(err).NotTo(HaveOccurred())
	applied := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "scim_") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, "config", "samples", e.Name()))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(cluster.ApplyYAML(t.Context(), data, ns)).To(Succeed(), e.Name())
		applied++
	}
	// The tenant and the applications; Advisors and Rooms are only ever written by the SCIM endpoint.
	g.Expect(applied).To(Equal(2))

	apps := &v1.ScimApplicationList{}
	g.Expect(cluster.Client.List(t.Context(), apps, client.InNamespace(ns))).To(Succeed())
	g.Expect(apps.Items).To(HaveLen(2))
	for _, app := range apps.Items {
		g.Expect(app.Spec.Mappings).To(Equal(v1.SeedMappings(app.Spec.ResourceType)), app.Name)
	}
}

func TestSeedMappingsAreTheDefault(t *testing.T) {
	for _, rt := range []v1.ResourceType{v1.ResourceTypeAdvisors, v1.ResourceTypeRooms} {
		t.Run(string(rt), func(t *testing.T) {
			g := NewWithT(t)
			app := validApplication(newNamespace(t), rt)
			g.Expect(cluster.Client.Create(t.Context(), app)).To(Succeed())

			got := &v1.ScimApplication{}
			g.Expect(cluster.Client.Get(t.Context(), client.ObjectKeyFromObject(app), got)).To(Succeed())
			g.Expect(got.Spec.Mappings).To(Equal(v1.SeedMappings(rt)))
			g.Expect(got.Spec.Provisioning).To(Equal(v1.Provisioning{
				State: v1.ProvisioningActive, Scope: v1.ScopeAssignedOnly, DeleteThreshold: ptr.To[int32](500),
			}))
			g.Expect(got.Spec.DeletionPolicy).To(Equal(v1.DeletionPolicyDelete))
			g.Expect(got.Spec.RecordRetention).To(Equal(v1.RecordRetentionRetain))
		})
	}
}

func TestSeedTables(t *testing.T) {
	g := NewWithT(t)
	g.Expect(v1.SeedMappings(v1.ResourceTypeAdvisors)).To(HaveLen(7))
	rooms := v1.SeedMappings(v1.ResourceTypeRooms)
	g.Expect(rooms).To(HaveLen(5))
	for _, m := range rooms {
		g.Expect(string(m.Target)).NotTo(HavePrefix("name."))
	}
}

func TestExplicitMappingsAreKept(t *testing.T) {
	g := NewWithT(t)
	app := validApplication(newNamespace(t), v1.ResourceTypeRooms)
	app.Spec.Mappings = []v1.AttributeMapping{
		{Target: v1.TargetUserName, Source: "mail", MatchingPriority: 1},
		{Target: v1.TargetActive, Source: `"True"`},
	}
	g.Expect(cluster.Client.Create(t.Context(), app)).To(Succeed())
	got := &v1.ScimApplication{}
	g.Expect(cluster.Client.Get(t.Context(), client.ObjectKeyFromObject(app), got)).To(Succeed())
	g.Expect(got.Spec.Mappings).To(Equal(app.Spec.Mappings))
}

func TestInvalidSpecsAreRejected(t *testing.T) {
	ns := newNamespace(t)
	manyUsers := make([]v1.UserAssignment, 257)
	for i := range manyUsers {
		manyUsers[i] = v1.UserAssignment{UserPrincipalName: fmt.Sprintf("user%d@bank.dk", i)}
	}
	cases := map[string]struct {
		object client.Object
		want   string
	}{
		"tenant without environment": {
			object: mutateTenant(ns, func(s *v1.ScimTenantSpec) { s.Environment = "" }),
			want:   `spec.environment: Unsupported value: ""`,
		},
		"tenant with unknown environment": {
			object: mutateTenant(ns, func(s *v1.ScimTenantSpec) { s.Environment = "Staging" }),
			want:   `spec.environment: Unsupported value: "Staging"`,
		},
		"tenant ID that is not a GUID": {
			object: mutateTenant(ns, func(s *v1.ScimTenantSpec) { s.TenantID = "contoso.onmicrosoft.com" }),
			want:   "spec.tenantID",
		},
		"two credential kinds at once": {
			object: mutateTenant(ns, func(s *v1.ScimTenantSpec) {
				s.Credentials.ClientCertificate = &v1.SecretKeySelector{Name: "cert", Key: "tls.pem"}
			}),
			want: "exactly one of clientSecret, clientCertificate or workloadIdentity must be set",
		},
		"no credential": {
			object: mutateTenant(ns, func(s *v1.ScimTenantSpec) { s.Credentials = v1.TenantCredentials{} }),
			want:   "exactly one of clientSecret, clientCertificate or workloadIdentity must be set",
		},
		"secret name that is not a DNS name": {
			object: mutateTenant(ns, func(s *v1.ScimTenantSpec) { s.Credentials.ClientSecret.Name = "Graph_Secret" }),
			want:   "spec.credentials.clientSecret.name",
		},
		"unknown cloud": {
			object: mutateTenant(ns, func(s *v1.ScimTenantSpec) { s.Cloud = "AzureGermany" }),
			want:   `spec.cloud: Unsupported value: "AzureGermany"`,
		},
		"custom endpoints of a named cloud": {
			object: mutateTenant(ns, func(s *v1.ScimTenantSpec) {
				s.CustomEndpoints = &v1.CustomEndpoints{AuthorityHost: "https://127.0.0.1:8443/", GraphEndpoint: "https://127.0.0.1:8443/v1.0"}
			}),
			want: "customEndpoints must be set when cloud is Custom, and only then",
		},
		"cloud Custom without endpoints": {
			object: mutateTenant(ns, func(s *v1.ScimTenantSpec) { s.Cloud = v1.CloudCustom }),
			want:   "customEndpoints must be set when cloud is Custom, and only then",
		},
		"custom authority host over plain http": {
			object: mutateTenant(ns, func(s *v1.ScimTenantSpec) {
				s.Cloud = v1.CloudCustom
				s.CustomEndpoints = &v1.CustomEndpoints{AuthorityHost: "http://127.0.0.1:8443/", GraphEndpoint: "https://127.0.0.1:8443/v1.0"}
			}),
			want: "spec.customEndpoints.authorityHost",
		},
		"bad notification recipient": {
			object: mutateTenant(ns, func(s *v1.ScimTenantSpec) {
				s.Notifications = &v1.Notifications{Recipients: []v1.EmailAddress{"ops@a.dk;dev@a.dk"}}
			}),
			want: "spec.notifications.recipients[0]",
		},
		"application without tenantRef": {
			object: mutateApp(ns, func(s *v1.ScimApplicationSpec) { s.TenantRef = v1.LocalObjectReference{} }),
			want:   "spec.tenantRef.name",
		},
		"unknown resource type": {
			object: mutateApp(ns, func(s *v1.ScimApplicationSpec) { s.ResourceType = "desks" }),
			want:   `spec.resourceType: Unsupported value: "desks"`,
		},
		"name.givenName mapped for rooms": {
			object: mutateApp(ns, func(s *v1.ScimApplicationSpec) {
				s.ResourceType = v1.ResourceTypeRooms
				s.Mappings = []v1.AttributeMapping{
					{Target: v1.TargetUserName, Source: "userPrincipalName", MatchingPriority: 1},
					{Target: v1.TargetGivenName, Source: "givenName"},
				}
			}),
			want: "rooms have no name attribute",
		},
		"unknown mapping target": {
			object: mutateApp(ns, func(s *v1.ScimApplicationSpec) {
				s.Mappings = []v1.AttributeMapping{{Target: "title", Source: "jobTitle"}}
			}),
			want: `Unsupported value: "title"`,
		},
		"mappings without userName": {
			object: mutateApp(ns, func(s *v1.ScimApplicationSpec) {
				s.Mappings = []v1.AttributeMapping{{Target: v1.TargetDisplayName, Source: "displayName"}}
			}),
			want: "mappings must map userName",
		},
		"the same target twice": {
			object: mutateApp(ns, func(s *v1.ScimApplicationSpec) {
				s.Mappings = []v1.AttributeMapping{
					{Target: v1.TargetUserName, Source: "userPrincipalName"},
					{Target: v1.TargetUserName, Source: "mail"},
				}
			}),
			want: "Duplicate value",
		},
		"user assignment with UPN and object ID": {
			object: mutateApp(ns, func(s *v1.ScimApplicationSpec) {
				s.Assignments = &v1.Assignments{Users: []v1.UserAssignment{{UserPrincipalName: "a@b.dk", ObjectID: guid}}}
			}),
			want: "exactly one of userPrincipalName or objectID must be set",
		},
		"group assignment with neither name nor ID": {
			object: mutateApp(ns, func(s *v1.ScimApplicationSpec) {
				s.Assignments = &v1.Assignments{Groups: []v1.GroupAssignment{{}}}
			}),
			want: "exactly one of displayName or objectID must be set",
		},
		"too many assigned users": {
			object: mutateApp(ns, func(s *v1.ScimApplicationSpec) { s.Assignments = &v1.Assignments{Users: manyUsers} }),
			want:   "spec.assignments.users: Too many: 257: must have at most 256 items",
		},
		"unknown provisioning state": {
			object: mutateApp(ns, func(s *v1.ScimApplicationSpec) { s.Provisioning.State = "Running" }),
			want:   `spec.provisioning.state: Unsupported value: "Running"`,
		},
		"negative delete threshold": {
			object: mutateApp(ns, func(s *v1.ScimApplicationSpec) { s.Provisioning.DeleteThreshold = ptr.To[int32](-1) }),
			want:   "spec.provisioning.deleteThreshold",
		},
		"tenant URL that is not a URL": {
			object: mutateApp(ns, func(s *v1.ScimApplicationSpec) { s.TenantURL = "api.booking.andmoney.dk/advisors/scim" }),
			want:   "spec.tenantURL",
		},
		"advisor without userName": {
			object: &v1.Advisor{ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "adv-"}},
			want:   "spec.userName",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			err := cluster.Client.Create(t.Context(), tc.object)
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
			g.Expect(err.Error()).To(ContainSubstring(tc.want))
		})
	}
}

func mutateTenant(ns string, mutate func(*v1.ScimTenantSpec)) *v1.ScimTenant {
	t := validTenant(ns)
	mutate(&t.Spec)
	return t
}

func mutateApp(ns string, mutate func(*v1.ScimApplicationSpec)) *v1.ScimApplication {
	a := validApplication(ns, v1.ResourceTypeAdvisors)
	mutate(&a.Spec)
	return a
}

func TestImmutableFields(t *testing.T) {
	ns := newNamespace(t)
	cases := map[string]struct {
		create func(*v1.ScimApplicationSpec)
		update func(*v1.ScimApplicationSpec)
		want   string
	}{
		"resource type changed": {
			update: func(s *v1.ScimApplicationSpec) {
				s.ResourceType = v1.ResourceTypeRooms
				s.Mappings = v1.SeedMappings(v1.ResourceTypeRooms)
			},
			want: "resourceType is immutable",
		},
		"adopted service principal changed": {
			create: func(s *v1.ScimApplicationSpec) { s.ServicePrincipalID = guid },
			update: func(s *v1.ScimApplicationSpec) { s.ServicePrincipalID = "1c5d2a7e-3f6b-4b8a-9d51-6e2f1a7c4b90" },
			want:   "servicePrincipalID cannot be changed or removed once set",
		},
		"adopted service principal removed": {
			create: func(s *v1.ScimApplicationSpec) { s.ServicePrincipalID = guid },
			update: func(s *v1.ScimApplicationSpec) { s.ServicePrincipalID = "" },
			want:   "servicePrincipalID cannot be changed or removed once set",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			app := validApplication(ns, v1.ResourceTypeAdvisors)
			if tc.create != nil {
				tc.create(&app.Spec)
			}
			g.Expect(cluster.Client.Create(t.Context(), app)).To(Succeed())
			tc.update(&app.Spec)
			err := cluster.Client.Update(t.Context(), app)
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
			g.Expect(err.Error()).To(ContainSubstring(tc.want))
		})
	}
}

func TestRecordDefaults(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	room := &v1.Room{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "room-"},
		Spec:       v1.RoomSpec{RecordFields: v1.RecordFields{UserName: "room1@bank.dk"}},
	}
	g.Expect(cluster.Client.Create(t.Context(), room)).To(Succeed())
	got := &v1.Room{}
	g.Expect(cluster.Client.Get(t.Context(), client.ObjectKeyFromObject(room), got)).To(Succeed())
	g.Expect(got.Spec.Active).To(Equal(new(true)))
	g.Expect(got.Spec.IsActive()).To(BeTrue())
}
