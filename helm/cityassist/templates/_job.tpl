{{/*
The pod spec of a batch or worker container: root, component, args, image, resources, env (YAML),
databaseUrlKey, volumes/mounts (YAML), restartPolicy.
*/}}
{{- define "cityassist.workerPod" -}}
{{- $root := .root -}}
serviceAccountName: {{ include "cityassist.serviceAccountName" $root }}
automountServiceAccountToken: false
enableServiceLinks: false
{{- with .restartPolicy }}
restartPolicy: {{ . }}
{{- end }}
securityContext:
  {{- include "cityassist.podSecurityContext" $root | nindent 2 }}
{{- with include "cityassist.scheduling" $root }}
{{ . }}
{{- end }}
containers:
  - name: {{ .component }}
    image: {{ include "cityassist.imageRef" (dict "image" .image "root" $root) }}
    imagePullPolicy: {{ .image.pullPolicy }}
    {{- with .command }}
    command:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    args:
      {{- toYaml .args | nindent 6 }}
    env:
      - name: NODE_ENV
        value: production
      {{- range $k, $v := $root.Values.commonEnv }}
      - name: {{ $k }}
        value: {{ $v | toString | quote }}
      {{- end }}
      {{- include "cityassist.secretEnv" (dict "name" "DATABASE_URL" "key" .databaseUrlKey "root" $root) | nindent 6 }}
      {{- if $root.Values.redis.enabled }}
      {{- include "cityassist.secretEnv" (dict "name" "REDIS_URL" "root" $root) | nindent 6 }}
      {{- end }}
      {{- include "cityassist.s3Env" $root | nindent 6 }}
      {{- with .env }}
      {{- . | nindent 6 }}
      {{- end }}
    resources:
      {{- toYaml .resources | nindent 6 }}
    securityContext:
      {{- include "cityassist.containerSecurityContext" $root | nindent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
      {{- with .mounts }}
      {{- . | nindent 6 }}
      {{- end }}
volumes:
  {{- include "cityassist.tmpVolume" $root | nindent 2 }}
  {{- with .volumes }}
  {{- . | nindent 2 }}
  {{- end }}
{{- end }}
