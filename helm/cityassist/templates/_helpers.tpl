{{/* Names */}}
{{- define "cityassist.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cityassist.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "cityassist.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "cityassist.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* A component's object name: <fullname>-<component>. Call with (dict "root" $ "component" "zones"). */}}
{{- define "cityassist.componentName" -}}
{{- printf "%s-%s" (include "cityassist.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cityassist.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cityassist.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "cityassist.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "cityassist.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: cityassist
{{- end }}

{{- define "cityassist.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cityassist.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* An image reference from {repository, tag, digest}: by digest when one is given. */}}
{{- define "cityassist.imageRef" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}
{{- end }}

{{/* Pod and container security: the same everywhere, not loosened by values. */}}
{{- define "cityassist.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.security.runAsUser }}
runAsGroup: {{ .Values.security.runAsGroup }}
fsGroup: {{ .Values.security.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "cityassist.containerSecurityContext" -}}
runAsNonRoot: true
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* One variable from the existing Secret. (dict "name" "DATABASE_URL" "key" "DATABASE_URL" "root" $ "optional" false) */}}
{{- define "cityassist.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.secrets.existingSecret }}
      key: {{ .key | default .name }}
      optional: {{ .optional | default false }}
{{- end }}

{{/* The S3 connection settings (endpoint, region, path style) and the optional static keys. */}}
{{- define "cityassist.s3Env" -}}
{{- if .Values.s3.endpoint }}
- name: S3_ENDPOINT
  value: {{ .Values.s3.endpoint | quote }}
{{- end }}
- name: S3_REGION
  value: {{ .Values.s3.region | quote }}
- name: S3_FORCE_PATH_STYLE
  value: {{ .Values.s3.forcePathStyle | quote }}
{{ include "cityassist.secretEnv" (dict "name" "S3_ACCESS_KEY_ID" "root" . "optional" true) }}
{{ include "cityassist.secretEnv" (dict "name" "S3_SECRET_ACCESS_KEY" "root" . "optional" true) }}
{{- end }}

{{- define "cityassist.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}

{{/* Topology spread for a component's pods. */}}
{{- define "cityassist.topologySpread" -}}
{{- if .root.Values.topologySpread.enabled }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: {{ .root.Values.topologySpread.zone }}
    labelSelector:
      matchLabels:
        {{- include "cityassist.selectorLabels" . | nindent 8 }}
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: {{ .root.Values.topologySpread.node }}
    labelSelector:
      matchLabels:
        {{- include "cityassist.selectorLabels" . | nindent 8 }}
{{- end }}
{{- end }}

{{/* Scheduling settings shared by every pod. */}}
{{- define "cityassist.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The init container that pulls and checks the models (models.source=s3). */}}
{{- define "cityassist.modelFetch" -}}
- name: fetch-models
  image: {{ include "cityassist.imageRef" (dict "image" .Values.image "root" .) }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    - packages/inference/src/model-fetch.ts
    - fetch
    - --dest
    - /models
    {{- range .Values.models.s3.artifacts }}
    - --model
    - {{ printf "%s/%s@sha256:%s" .name .version .sha256 | quote }}
    {{- end }}
  env:
    - name: MODELS_S3_BUCKET
      value: {{ .Values.models.s3.bucket | quote }}
    - name: MODELS_S3_PREFIX
      value: {{ .Values.models.s3.prefix | quote }}
    {{- include "cityassist.s3Env" . | nindent 4 }}
  resources:
    {{- toYaml .Values.models.s3.resources | nindent 4 }}
  securityContext:
    {{- include "cityassist.containerSecurityContext" . | nindent 4 }}
  volumeMounts:
    - name: models
      mountPath: /models
    - name: tmp
      mountPath: /tmp
{{- end }}
