{{/*
One long-running service: its ConfigMap, Deployment, Service, HorizontalPodAutoscaler,
PodDisruptionBudget and NetworkPolicy. Called by gateway.yaml, zones.yaml, reports.yaml,
predictions.yaml with:
  root       the chart's context ($)
  component  gateway | zones | reports | predictions
  svc        the component's values (.Values.<component>)
  entry      the service's entry point, run as `node --import tsx <entry>`
  config     non-secret settings (map) for the ConfigMap, merged with commonEnv and svc.env
  secretEnv  variables from the existing Secret (list of dicts for cityassist.secretEnv)
  env        other container env entries (YAML string)
  models     true: mount the models volume at /models (fetched from S3 when models.source=s3)
  volumes, mounts  extra volumes and mounts (YAML strings)
  allowFrom  components whose pods may call this one (empty: see gatewayFrom)
*/}}
{{- define "cityassist.service" -}}
{{- $root := .root -}}
{{- $name := include "cityassist.componentName" (dict "root" $root "component" .component) -}}
{{- $ctx := dict "root" $root "component" .component -}}
{{- $config := merge (dict) .config $root.Values.commonEnv .svc.env -}}
{{- $fetch := and .models (eq $root.Values.models.source "s3") -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $name }}
  labels:
    {{- include "cityassist.labels" $ctx | nindent 4 }}
data:
  {{- range $k, $v := $config }}
  {{ $k }}: {{ $v | toString | quote }}
  {{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "cityassist.labels" $ctx | nindent 4 }}
spec:
  {{- if not .svc.autoscaling.enabled }}
  replicas: {{ .svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "cityassist.selectorLabels" $ctx | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 25%
  template:
    metadata:
      labels:
        {{- include "cityassist.labels" $ctx | nindent 8 }}
        {{- with $root.Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ toJson $config | sha256sum }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "cityassist.serviceAccountName" $root }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ .svc.terminationGracePeriodSeconds }}
      securityContext:
        {{- include "cityassist.podSecurityContext" $root | nindent 8 }}
      {{- with include "cityassist.scheduling" $root }}
      {{- . | nindent 6 }}
      {{- end }}
      {{- with include "cityassist.topologySpread" $ctx }}
      {{- . | nindent 6 }}
      {{- end }}
      {{- if $fetch }}
      initContainers:
        {{- include "cityassist.modelFetch" $root | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "cityassist.imageRef" (dict "image" $root.Values.image "root" $root) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [{{ .entry | quote }}]
          ports:
            - name: http
              containerPort: {{ .svc.port }}
              protocol: TCP
            {{- if .svc.metricsPort }}
            - name: metrics
              containerPort: {{ .svc.metricsPort }}
              protocol: TCP
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ $name }}
          env:
            {{- range .secretEnv }}
            {{- include "cityassist.secretEnv" (merge (dict "root" $root) .) | nindent 12 }}
            {{- end }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
          # Alive = the process answers; it checks no dependency, so a database outage restarts nothing.
          livenessProbe:
            httpGet: { path: /health, port: http }
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          # Ready = its dependencies answer (database, models, subgraphs); 503 at once when draining.
          readinessProbe:
            httpGet: { path: /ready, port: http }
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          # Migrations (advisory-locked, so replicas wait for each other) and model loading happen
          # before the service listens: liveness starts only once it does.
          startupProbe:
            httpGet: { path: /health, port: http }
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: {{ div .svc.startupSeconds 5 }}
          resources:
            {{- toYaml .svc.resources | nindent 12 }}
          securityContext:
            {{- include "cityassist.containerSecurityContext" $root | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if .models }}
            {{- if $fetch }}
            - name: models
              mountPath: /models
              readOnly: true
            {{- end }}
            {{- end }}
            {{- with .mounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "cityassist.tmpVolume" $root | nindent 8 }}
        {{- if $fetch }}
        - name: models
          emptyDir:
            sizeLimit: 1Gi
        {{- end }}
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "cityassist.labels" $ctx | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "cityassist.selectorLabels" $ctx | nindent 4 }}
  ports:
    - name: http
      port: {{ .svc.port }}
      targetPort: http
      protocol: TCP
    {{- if .svc.metricsPort }}
    - name: metrics
      port: {{ .svc.metricsPort }}
      targetPort: metrics
      protocol: TCP
    {{- end }}
{{- if .svc.autoscaling.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  labels:
    {{- include "cityassist.labels" $ctx | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ .svc.autoscaling.minReplicas }}
  maxReplicas: {{ .svc.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .svc.autoscaling.targetCPUUtilizationPercentage }}
    {{- with .svc.autoscaling.customMetrics }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
{{- end }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  labels:
    {{- include "cityassist.labels" $ctx | nindent 4 }}
spec:
  minAvailable: {{ .svc.pdb.minAvailable }}
  selector:
    matchLabels:
      {{- include "cityassist.selectorLabels" $ctx | nindent 6 }}
{{- if $root.Values.networkPolicy.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $name }}
  labels:
    {{- include "cityassist.labels" $ctx | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "cityassist.selectorLabels" $ctx | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    {{- if .allowFrom }}
    # Only these components' pods call this service.
    - from:
        {{- range .allowFrom }}
        - podSelector:
            matchLabels:
              {{- include "cityassist.selectorLabels" (dict "root" $root "component" .) | nindent 14 }}
        {{- end }}
      ports:
        - port: http
          protocol: TCP
    {{- else }}
    # The public port: from anyone, or only from networkPolicy.gatewayFrom (the ingress controller).
    - ports:
        - port: http
          protocol: TCP
      {{- with $root.Values.networkPolicy.gatewayFrom }}
      from:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    {{- end }}
    # Prometheus scrapes /metrics ({{ if .svc.metricsPort }}a port of its own{{ else }}on the service port: subgraphs have no separate metrics listener, and GraphQL there still needs GATEWAY_SECRET{{ end }}).
    - from:
        - namespaceSelector:
            {{- toYaml $root.Values.networkPolicy.prometheus.namespaceSelector | nindent 12 }}
          podSelector:
            {{- toYaml $root.Values.networkPolicy.prometheus.podSelector | nindent 12 }}
      ports:
        - port: {{ if .svc.metricsPort }}metrics{{ else }}http{{ end }}
          protocol: TCP
{{- end }}
{{- end }}
