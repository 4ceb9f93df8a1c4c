import { GATEWAY_SECRET_HEADER } from '@cityassist/service-kit';

/**
 * One GraphQL query to the predictions subgraph (PREDICTIONS_URL), as the gateway would send it:
 * with the gateway's secret, which subgraphs require, and a 5 s limit. Reports reads the flood
 * levels and the image model's assignment there. Resolves to the parsed body (errors included).
 */
export async function queryPredictions(
  url: string,
  gatewaySecret: string | undefined,
  query: string,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(gatewaySecret ? { [GATEWAY_SECRET_HEADER]: gatewaySecret } : {}),
    },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, body: await res.json() };
}
