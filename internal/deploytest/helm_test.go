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

package deploytest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

const chart = "charts/scim-operator"

// environments are the &Money environments with a values file, and what they must render.
var environments = []struct {
	name       string
	replicas   int32
	publicHost string
}{
	{name: "test", replicas: 2, publicHost: "api.test-env.booking.andmoney.dk"},
	{name: "production", replicas: 3, publicHost: "api.booking.andmoney.dk"},
}

// servedAdmissionPolicy is what a cluster that serves MutatingAdmissionPolicy (Kubernetes >= 1.36, as
// the test's API server) tells helm; helm template alone does not know it.
const servedAdmissionPolicy = "admissionregistration.k8s.io/v1/MutatingAdmissionPolicy"

// helmTemplate renders the chart as release scim-operator in namespace, for a cluster like the test's.
func helmTemplate(ctx context.Context, args ...string) (string, error) {
	return command(ctx, helm, append([]string{"template", "scim-operator", chart, "--namespace", namespace,
		"--api-versions", servedAdmissionPolicy}, args...)...)
}

func mustTemplate(g Gomega, ctx context.Context, args ...string) []*unstructured.Unstructured {
	out, err := helmTemplate(ctx, args...)
	g.Expect(err).NotTo(HaveOccurred())
	objs, err := decode(out)
	g.Expect(err).NotTo(HaveOccurred())
	return objs
}

func valuesFile(env string) string { return filepath.Join(chart, "values-"+env+".yaml") }

func TestHelmLint(t *testing.T) {
	for _, values := range []string{"", valuesFile("test"), valuesFile("production")} {
		t.Run("values="+filepath.Base(values), func(t *testing.T) {
			g := NewWithT(t)
			args := []string{"lint", "--strict", chart}
			if values != "" {
				args = append(args, "--values", values)
			}
			out, err := command(t.Context(), helm, args...)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(out).To(ContainSubstring("0 chart(s) failed"))
		})
	}
}

// TestHelmTemplatePerEnvironment renders each environment's values, has the API server accept every
// object in a dry-run, and checks what the environment is about.
func TestHelmTemplatePerEnvironment(t *testing.T) {
	for _, env := range environments {
		t.Run(env.name, func(t *testing.T) {
			g := NewWithT(t)
			objs := mustTemplate(g, t.Context(), "--values", valuesFile(env.name))
			g.Expect(applyDryRun(t.Context(), objs)).To(BeEmpty())

			deployments := find(objs, "Deployment")
			g.Expect(deployments).To(HaveLen(1))
			var deploy appsv1.Deployment
			g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(deployments[0].Object, &deploy)).To(Succeed())
			g.Expect(deploy.Name).To(Equal("scim-operator-controller-manager"))
			g.Expect(deploy.Spec.Replicas).To(HaveValue(Equal(env.replicas)))
			pod := deploy.Spec.Template.Spec
			g.Expect(pod.TerminationGracePeriodSeconds).To(HaveValue(BeNumerically(">=", 30)))
			g.Expect(pod.SecurityContext.RunAsNonRoot).To(HaveValue(BeTrue()))
			g.Expect(pod.SecurityContext.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeRuntimeDefault))
			g.Expect(pod.Containers).To(HaveLen(1))
			manager := pod.Containers[0]
			g.Expect(manager.Args).To(ContainElements(
				"--leader-elect",
				"--scim-bind-address=:8080",
				"--health-probe-bind-address=:8081",
				"--metrics-bind-address=:8443",
				"--tenant-url-base-test=https://api.test-env.booking.andmoney.dk",
				"--tenant-url-base-production=https://api.booking.andmoney.dk",
			))
			sc := manager.SecurityContext
			g.Expect(sc.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()))
			g.Expect(sc.AllowPrivilegeEscalation).To(HaveValue(BeFalse()))
			g.Expect(sc.Capabilities.Drop).To(ConsistOf(corev1.Capability("ALL")))
			g.Expect(manager.LivenessProbe.HTTPGet.Path).To(Equal("/healthz"))
			g.Expect(manager.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz"))
			g.Expect(manager.Ports).To(ContainElement(HaveField("Name", "http-scim")))

			var svc corev1.Service
			g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(named(g, objs, "Service", "scim-operator-scim").Object, &svc)).To(Succeed())
			g.Expect(svc.Spec.Ports).To(ConsistOf(And(
				HaveField("Name", "http-scim"), HaveField("Port", int32(80)), HaveField("TargetPort.StrVal", "http-scim"))))

			g.Expect(find(objs, "PodDisruptionBudget")).To(HaveLen(1))
			g.Expect(find(objs, "CustomResourceDefinition")).To(HaveLen(len(crdFiles(g))))

			var ing networkingv1.Ingress
			g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(named(g, objs, "Ingress", "scim-operator-scim").Object, &ing)).To(Succeed())
			g.Expect(ing.Spec.TLS).To(ConsistOf(HaveField("Hosts", ConsistOf(env.publicHost))))
			g.Expect(ing.Spec.Rules).To(HaveLen(1))
			g.Expect(ing.Spec.Rules[0].Host).To(Equal(env.publicHost))
			var paths []string
			for _, p := range ing.Spec.Rules[0].HTTP.Paths {
				paths = append(paths, p.Path)
				g.Expect(p.Backend.Service.Name).To(Equal("scim-operator-scim"))
			}
			g.Expect(paths).To(ConsistOf("/advisors/scim", "/rooms/scim"))
		})
	}
}

// TestHelmTemplateAllOptions turns every optional object on (HPA, ServiceMonitor, PrometheusRule,
// Gateway and HTTPRoute, NetworkPolicy, workload identity, customers in values) and has the API server
// accept them, the ScimTenant and ScimApplication against the real CRDs.
func TestHelmTemplateAllOptions(t *testing.T) {
	g := NewWithT(t)
	values := writeValues(t, `
autoscaling: {enabled: true, targetMemoryUtilizationPercentage: 80}
metrics:
  tls: {certManager: {enabled: true, issuerRef: {name: internal-ca}}}
  serviceMonitor: {enabled: true, labels: {release: prometheus}, relabelings: [{action: labeldrop, regex: pod_template_hash}]}
  prometheusRule: {enabled: true}
grafanaDashboard: {enabled: true}
ingress: {enabled: false}
httpRoute:
  enabled: true
  gateway: {create: true, gatewayClassName: example, certificateRefs: [{name: scim-tls}]}
networkPolicy: {enabled: true}
workloadIdentity: {enabled: true, clientID: 5a1f3c2e-8b7d-4e6a-a9c0-2d4f6b8e1a37}
topologySpreadConstraints:
- {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway}
extraArgs: ["--zap-stacktrace-level=panic"]
revisionHistoryLimit: 5
deploymentAnnotations: {example.com/owner: platform}
envFrom: [{configMapRef: {name: proxy-settings}}]
extraVolumes: [{name: proxy-ca, configMap: {name: bank-proxy-ca}}]
extraVolumeMounts: [{name: proxy-ca, mountPath: /etc/scim-operator/proxy-ca, readOnly: true}]
extraObjects:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: '{{ .Release.Name }}-extra'}
  data: {owner: platform}
scimTenants:
- name: contoso
  spec:
    environment: Test
    tenantID: 0c5d2a7e-3f6b-4b8a-9d51-6e2f1a7c4b90
    clientID: 5a1f3c2e-8b7d-4e6a-a9c0-2d4f6b8e1a37
    credentials:
      workloadIdentity: {serviceAccountName: contoso-graph}
scimApplications:
- name: contoso-advisors
  annotations: {argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true}
  spec:
    tenantRef: {name: contoso}
    resourceType: advisors
    tokenSecretRef: {name: contoso-advisors-scim-token, key: token}
`)
	objs := mustTemplate(g, t.Context(), "--values", valuesFile("test"), "--values", values)
	g.Expect(applyDryRun(t.Context(), objs)).To(BeEmpty())

	for _, kind := range []string{"HorizontalPodAutoscaler", "ServiceMonitor", "PrometheusRule", "Certificate", "Gateway", "HTTPRoute", "ScimTenant", "ScimApplication"} {
		g.Expect(find(objs, kind)).To(HaveLen(1), kind)
	}
	g.Expect(find(objs, "NetworkPolicy")).To(HaveLen(2))
	g.Expect(find(objs, "Ingress")).To(BeEmpty())

	deploy := named(g, objs, "Deployment", "scim-operator-controller-manager")
	_, hasReplicas, _ := unstructured.NestedFieldNoCopy(deploy.Object, "spec", "replicas")
	g.Expect(hasReplicas).To(BeFalse(), "the HPA owns spec.replicas")
	g.Expect(deploy.Object).To(HaveKeyWithValue("spec", HaveKeyWithValue("template",
		HaveKeyWithValue("metadata", HaveKeyWithValue("labels", HaveKeyWithValue("azure.workload.identity/use", "true"))))))
	var d appsv1.Deployment
	g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(deploy.Object, &d)).To(Succeed())
	g.Expect(d.Spec.RevisionHistoryLimit).To(HaveValue(Equal(int32(5))))
	g.Expect(d.Annotations).To(HaveKeyWithValue("example.com/owner", "platform"))
	manager := d.Spec.Template.Spec.Containers[0]
	g.Expect(manager.EnvFrom).To(ConsistOf(HaveField("ConfigMapRef.Name", "proxy-settings")))
	g.Expect(manager.VolumeMounts).To(ContainElements(HaveField("Name", "proxy-ca"), HaveField("Name", "metrics-cert")))
	g.Expect(d.Spec.Template.Spec.Volumes).To(ContainElement(HaveField("Name", "proxy-ca")))
	g.Expect(manager.Args).To(ContainElement("--metrics-cert-path=/etc/scim-operator/metrics-cert"))
	g.Expect(manager.StartupProbe.HTTPGet.Path).To(Equal("/healthz"))
	named(g, objs, "ConfigMap", "scim-operator-extra")
	dashboard := named(g, objs, "ConfigMap", "scim-operator-dashboard")
	g.Expect(dashboard.GetLabels()).To(HaveKeyWithValue("grafana_dashboard", "1"))
	sa := named(g, objs, "ServiceAccount", "scim-operator-controller-manager")
	g.Expect(sa.GetAnnotations()).To(HaveKeyWithValue("azure.workload.identity/client-id", "5a1f3c2e-8b7d-4e6a-a9c0-2d4f6b8e1a37"))

	route := named(g, objs, "HTTPRoute", "scim-operator-scim")
	hostnames, _, _ := unstructured.NestedStringSlice(route.Object, "spec", "hostnames")
	g.Expect(hostnames).To(ConsistOf("api.test-env.booking.andmoney.dk"))
	listeners, _, _ := unstructured.NestedSlice(named(g, objs, "Gateway", "scim-operator-scim").Object, "spec", "listeners")
	g.Expect(listeners).To(ConsistOf(And(HaveKeyWithValue("protocol", "HTTPS"), HaveKeyWithValue("port", BeNumerically("==", 443)))))
}

// TestHelmCRDGates checks crds.enabled, crds.keep, crds.annotations and admissionPolicy.enabled.
func TestHelmCRDGates(t *testing.T) {
	g := NewWithT(t)
	objs := mustTemplate(g, t.Context(), "--set-json", `crds.annotations={"argocd.argoproj.io/sync-options":"ServerSideApply=true"}`)
	crds := find(objs, "CustomResourceDefinition")
	g.Expect(crds).NotTo(BeEmpty())
	for _, crd := range crds {
		g.Expect(crd.GetAnnotations()).To(HaveKeyWithValue("helm.sh/resource-policy", "keep"), crd.GetName())
		g.Expect(crd.GetAnnotations()).To(HaveKeyWithValue("argocd.argoproj.io/sync-options", "ServerSideApply=true"), crd.GetName())
	}
	g.Expect(find(objs, "MutatingAdmissionPolicy")).To(HaveLen(1))

	objs = mustTemplate(g, t.Context(), "--set", "crds.keep=false")
	for _, crd := range find(objs, "CustomResourceDefinition") {
		g.Expect(crd.GetAnnotations()).NotTo(HaveKey("helm.sh/resource-policy"), crd.GetName())
	}

	// A cluster without MutatingAdmissionPolicy (before 1.36) gets everything else.
	out, err := command(t.Context(), helm, "template", "scim-operator", chart, "--namespace", namespace, "--kube-version", "1.33.0")
	g.Expect(err).NotTo(HaveOccurred())
	objs, err = decode(out)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(find(objs, "MutatingAdmissionPolicy")).To(BeEmpty())
	g.Expect(find(objs, "MutatingAdmissionPolicyBinding")).To(BeEmpty())
	g.Expect(find(objs, "Deployment")).To(HaveLen(1))
	g.Expect(find(objs, "CustomResourceDefinition")).NotTo(BeEmpty())

	objs = mustTemplate(g, t.Context(), "--set", "crds.enabled=false", "--set", "admissionPolicy.enabled=false")
	g.Expect(find(objs, "CustomResourceDefinition")).To(BeEmpty())
	g.Expect(find(objs, "MutatingAdmissionPolicy")).To(BeEmpty())
	g.Expect(find(objs, "MutatingAdmissionPolicyBinding")).To(BeEmpty())
	g.Expect(find(objs, "Deployment")).To(HaveLen(1))
}

// TestHelmRejectsBadValues checks that values.schema.json and the templates' own checks refuse
// values that would install something broken.
func TestHelmRejectsBadValues(t *testing.T) {
	cases := map[string]struct {
		args []string
		want string
	}{
		"unknown top-level value": {args: []string{"--set", "replicas=3"}, want: "replicas"},
		"no replica":              {args: []string{"--set", "replicaCount=0"}, want: "replicaCount"},
		"plain HTTP public URL":   {args: []string{"--set", "scim.baseURL=http://api.booking.andmoney.dk"}, want: "baseURL"},
		"base URL with a path":    {args: []string{"--set", "tenantURLBase.test=https://api.test-env.booking.andmoney.dk/advisors/scim"}, want: "tenantURLBase"},
		"short grace period":      {args: []string{"--set", "terminationGracePeriodSeconds=10"}, want: "terminationGracePeriodSeconds"},
		"replicas without leader election": {
			args: []string{"--set", "leaderElection.enabled=false"}, want: "leaderElection.enabled must be true",
		},
		"ingress without TLS": {args: []string{"--set", "ingress.enabled=true"}, want: "ingress.tls.secretName is required"},
		"route without a parent": {
			args: []string{"--set", "httpRoute.enabled=true"}, want: "httpRoute.parentRefs is required",
		},
		"workload identity without a client ID": {
			args: []string{"--set", "workloadIdentity.enabled=true"}, want: "workloadIdentity.clientID is required",
		},
		"two PDB bounds": {args: []string{"--set", "podDisruptionBudget.minAvailable=1"}, want: "exactly one of maxUnavailable and minAvailable"},
		"ServiceMonitor that cannot verify the metrics certificate": {
			args: []string{"--set", "metrics.serviceMonitor.enabled=true"}, want: "needs a certificate it can verify",
		},
		"cert-manager without an issuer": {
			args: []string{"--set", "metrics.tls.certManager.enabled=true"}, want: "issuerRef.name is required",
		},
		"ServiceMonitor without any token": {
			args: []string{"--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.tls.secretName=m", "--set", "metrics.serviceMonitor.scraper.create=false"},
			want: "authorizationSecret is required",
		},
		"unknown deletion policy": {args: []string{"--set", "scimApplicationDefaults.deletionPolicy=Keep"}, want: "deletionPolicy"},
		"tenant without a spec": {
			args: []string{"--set", "scimTenants[0].name=contoso"}, want: "spec",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := helmTemplate(t.Context(), tc.args...)
			g.Expect(err).To(MatchError(ContainSubstring(tc.want)))
		})
	}
}

// TestChartMatchesConfig checks that the generated parts of the chart are current (what make verify
// checks through git) and, semantically, that the chart renders the CRDs, RBAC rules and alerts of
// config/.
func TestChartMatchesConfig(t *testing.T) {
	g := NewWithT(t)
	_, err := command(t.Context(), "go", "run", "./hack/helmgen", "-check")
	g.Expect(err).NotTo(HaveOccurred(), "run make helm-chart")

	chartObjs := mustTemplate(g, t.Context(), "--set", "metrics.prometheusRule.enabled=true")
	kustomizeObjs := kustomizeBuild(g, t.Context(), prometheusOverlay(t))

	for _, file := range crdFiles(g) {
		data, err := os.ReadFile(file)
		g.Expect(err).NotTo(HaveOccurred())
		docs, err := decode(string(data))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(docs).To(HaveLen(1), file)
		want := docs[0]
		got := named(g, chartObjs, "CustomResourceDefinition", want.GetName())
		g.Expect(got.Object["spec"]).To(Equal(want.Object["spec"]), file)
	}

	for _, kind := range []string{"ClusterRole", "Role"} {
		fromKustomize := find(kustomizeObjs, kind)
		g.Expect(fromKustomize).NotTo(BeEmpty())
		g.Expect(find(chartObjs, kind)).To(HaveLen(len(fromKustomize)), kind)
		for _, want := range fromKustomize {
			got := named(g, chartObjs, kind, want.GetName())
			g.Expect(got.Object["rules"]).To(Equal(want.Object["rules"]), kind+" "+want.GetName())
		}
	}

	// The chart's alerts, with the default values, are config/prometheus's.
	g.Expect(alerts(g, named(g, chartObjs, "PrometheusRule", "scim-operator-alerts"))).
		To(Equal(alerts(g, named(g, kustomizeObjs, "PrometheusRule", "scim-operator-alerts"))))
}

// alerts returns name, expression, duration and severity of each alert of a PrometheusRule.
func alerts(g Gomega, rule *unstructured.Unstructured) map[string][3]string {
	groups, _, err := unstructured.NestedSlice(rule.Object, "spec", "groups")
	g.Expect(err).NotTo(HaveOccurred())
	out := map[string][3]string{}
	for _, group := range groups {
		rules, _, err := unstructured.NestedSlice(group.(map[string]any), "rules")
		g.Expect(err).NotTo(HaveOccurred())
		for _, r := range rules {
			r := r.(map[string]any)
			severity, _, _ := unstructured.NestedString(r, "labels", "severity")
			out[r["alert"].(string)] = [3]string{strings.TrimSpace(r["expr"].(string)), r["for"].(string), severity}
		}
	}
	g.Expect(out).To(HaveKey("ScimProvisioningJobQuarantined"))
	g.Expect(out).To(HaveKey("ScimProvisioningNoSuccessfulSync"))
	g.Expect(out).To(HaveKey("ScimServerErrorRateHigh"))
	g.Expect(out).To(HaveKey("ScimOperatorAbsent"))
	g.Expect(out).To(HaveKey("ScimOperatorReconcileErrors"))
	g.Expect(out).To(HaveKey("ScimTenantCredentialsInvalid"))
	g.Expect(out).To(HaveKey("ScimTenantCredentialExpiringSoon"))
	g.Expect(out).To(HaveKey("ScimUnauthorizedRequestsSpike"))
	return out
}

func named(g Gomega, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	var names []string
	for _, o := range find(objs, kind) {
		if o.GetName() == name {
			return o
		}
		names = append(names, o.GetName())
	}
	g.Expect(names).To(ContainElement(name), "no %s named %s", kind, name)
	return nil
}

func crdFiles(g Gomega) []string {
	files, err := filepath.Glob(filepath.Join(root, "config", "crd", "bases", "*.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(files).NotTo(BeEmpty())
	return files
}

func writeValues(t *testing.T, content string) string {
	path := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
