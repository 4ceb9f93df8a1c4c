import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';

/**
 * Apollo Sandbox at `/sandbox`: a page that loads Apollo's embeddable Sandbox from Apollo's CDN in
 * the user's browser (nothing is bundled or proxied here) and points it at this gateway. For data
 * scientists who prefer it to GraphiQL; needs internet in the browser, unlike GraphiQL.
 */
export function useSandbox(opts: { path: string; graphqlEndpoint: string }): GatewayPlugin {
  return {
    onRequest(payload) {
      if (payload.url.pathname !== opts.path || payload.request.method !== 'GET') return;
      const endpoint = new URL(opts.graphqlEndpoint, payload.url).toString();
      const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>CityAssist · Apollo Sandbox</title>
<style>html,body,#sandbox{height:100%;margin:0}</style></head>
<body>
<div id="sandbox"></div>
<script src="https://embeddable-sandbox.cdn.apollographql.com/_latest/embeddable-sandbox.umd.production.min.js"></script>
<script>
  new window.EmbeddedSandbox({ target: '#sandbox', initialEndpoint: ${JSON.stringify(endpoint)}, includeCookies: false });
</script>
</body>
</html>`;
      payload.endResponse(
        new payload.fetchAPI.Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } }),
      );
    },
  };
}
