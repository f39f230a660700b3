{{/* Chart name, truncated to the 63 characters a label allows. */}}
{{- define "familygraph.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full resource name: release-chart, or the release name when it already holds the chart's. */}}
{{- define "familygraph.fullname" -}}
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

{{- define "familygraph.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every resource carries. */}}
{{- define "familygraph.labels" -}}
helm.sh/chart: {{ include "familygraph.chart" . }}
{{ include "familygraph.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels shared by the server and migration pods (the NetworkPolicy selects on them). */}}
{{- define "familygraph.selectorLabels" -}}
app.kubernetes.io/name: {{ include "familygraph.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels that select the server's pods only. */}}
{{- define "familygraph.serverSelectorLabels" -}}
{{ include "familygraph.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{- define "familygraph.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "familygraph.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "familygraph.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Whether more than one server pod can run (and so whether a shared signing key is needed). */}}
{{- define "familygraph.multiReplica" -}}
{{- if .Values.autoscaling.enabled }}
{{- if gt (int .Values.autoscaling.maxReplicas) 1 }}true{{ end }}
{{- else if gt (int .Values.replicaCount) 1 }}true{{ end }}
{{- end }}

{{/* Settings the chart cannot run without; fails the render with the reason. */}}
{{- define "familygraph.validate" -}}
{{- if not .Values.database.existingSecret }}
{{- fail "database.existingSecret is required: the name of a Secret holding DATABASE_URL (postgres://…)" }}
{{- end }}
{{- if and (not .Values.oidc.issuer) (not .Values.devIssuer.force) }}
{{- fail "oidc.issuer is required (the OpenID provider, https://…); devIssuer.force=true is only for non-production test installs" }}
{{- end }}
{{- if and .Values.oidc.issuer (not (hasPrefix "https://" .Values.oidc.issuer)) }}
{{- fail "oidc.issuer must be an https:// URL" }}
{{- end }}
{{- if and .Values.devIssuer.force (not .Values.oidc.issuer) (include "familygraph.multiReplica" .) }}
{{- fail "devIssuer.force needs a single replica (replicaCount 1, autoscaling off): each pod would sign with its own key" }}
{{- end }}
{{- $clientId := .Values.oidc.introspection.clientId }}
{{- $clientSecret := .Values.oidc.introspection.clientSecret.existingSecret }}
{{- if or (and $clientId (not $clientSecret)) (and $clientSecret (not $clientId)) }}
{{- fail "oidc.introspection needs both clientId and clientSecret.existingSecret, or neither" }}
{{- end }}
{{- if le (int .Values.terminationGracePeriodSeconds) (add (int .Values.shutdownTimeoutSeconds) (int .Values.preStopSleepSeconds)) }}
{{- fail "terminationGracePeriodSeconds must exceed shutdownTimeoutSeconds plus preStopSleepSeconds, or pods are killed mid-drain" }}
{{- end }}
{{- end }}

{{/* DATABASE_URL from the existing Secret (server and migration Job). */}}
{{- define "familygraph.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret | quote }}
      key: {{ .Values.database.key | quote }}
{{- end }}

{{/* Volumes for the read-only root filesystem: the data directory and /tmp. */}}
{{- define "familygraph.volumes" -}}
- name: data
  emptyDir:
    sizeLimit: 64Mi
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{- define "familygraph.volumeMounts" -}}
- name: data
  mountPath: /var/lib/familygraph
- name: tmp
  mountPath: /tmp
{{- end }}
