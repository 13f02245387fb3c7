{{/*
The chart's name.
*/}}
{{- define "scim-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object name: the release name when it already contains the chart name, else
"<release>-<chart>". A release named scim-operator gets the object names of config/default.
*/}}
{{- define "scim-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "scim-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "scim-operator.labels" -}}
helm.sh/chart: {{ include "scim-operator.chart" . }}
app.kubernetes.io/name: {{ include "scim-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The manager pods' selector.
*/}}
{{- define "scim-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "scim-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: controller-manager
{{- end }}

{{- define "scim-operator.managerName" -}}
{{ include "scim-operator.fullname" . }}-controller-manager
{{- end }}

{{- define "scim-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "scim-operator.managerName" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "scim-operator.image" -}}
{{- $repository := .Values.image.repository }}
{{- with .Values.image.registry }}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Labels of the metrics Service, which the ServiceMonitor selects: the common labels plus a component
label that the SCIM Service does not carry.
*/}}
{{- define "scim-operator.metricsServiceSelector" -}}
app.kubernetes.io/name: {{ include "scim-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: metrics
{{- end }}

{{- define "scim-operator.metricsServiceName" -}}
{{ include "scim-operator.managerName" . }}-metrics-service
{{- end }}

{{/*
The Secret with the metrics server's certificate, or "" when there is none.
*/}}
{{- define "scim-operator.metricsCertSecret" -}}
{{- if .Values.metrics.tls.secretName }}
{{- .Values.metrics.tls.secretName }}
{{- else if .Values.metrics.tls.certManager.enabled }}
{{- include "scim-operator.fullname" . }}-metrics-cert
{{- end }}
{{- end }}

{{- define "scim-operator.serviceMonitorNamespace" -}}
{{- default .Release.Namespace .Values.metrics.serviceMonitor.namespace }}
{{- end }}

{{/*
Values rendered as templates where a string may refer to the release (extraObjects).
*/}}
{{- define "scim-operator.render" -}}
{{- if typeIs "string" .value }}
{{- tpl .value .context }}
{{- else }}
{{- tpl (.value | toYaml) .context }}
{{- end }}
{{- end }}

{{/*
The host Entra calls: the host of scim.baseURL.
*/}}
{{- define "scim-operator.scimHost" -}}
{{- $url := urlParse .Values.scim.baseURL }}
{{- if or (ne $url.scheme "https") (not $url.host) (and $url.path (ne $url.path "/")) }}
{{- fail (printf "scim.baseURL must be https://<host> without a path, got %q" .Values.scim.baseURL) }}
{{- end }}
{{- $url.host }}
{{- end }}

{{/*
The paths Entra calls, one per resource type; the SCIM server serves exactly these prefixes.
*/}}
{{- define "scim-operator.scimPaths" -}}
- /advisors/scim
- /rooms/scim
{{- end }}
