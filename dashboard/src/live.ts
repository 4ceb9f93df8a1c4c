/**
 * The live flood alerts: the persisted FloodAlerts subscription over graphql-ws on the page's own
 * origin, sent as `{documentId, variables}` (the gateway needs no query), with the API key in
 * connectionParams. A dropped socket is reconnected with backoff (at most 5 s apart) and the
 * subscription resumed; `onReconnect` lets the page catch up on what it missed meanwhile.
 */
import {
  FloodAlertsDocument,
  type FloodAlertsSubscription,
  type FloodLevel,
} from '@cityassist/client/documents';
import { createClient, type Client } from 'graphql-ws';
import { documentIdOf, GRAPHQL_PATH } from './api.ts';
import { apiKey } from './key.ts';

export type LiveState = 'connecting' | 'connected' | 'reconnecting' | 'refused' | 'error';

export interface LiveOptions {
  minLevel: FloodLevel;
  onAlert(alert: FloodAlertsSubscription['floodAlerts']): void;
  onState(state: LiveState, detail?: string): void;
  onReconnect(): void;
}

/**
 * graphql-ws's client insists on a `query` string when it checks a message; the persisted payload
 * goes out without it (the check runs before serialisation, this replacer during it).
 */
const withoutEmptyQuery = (key: string, value: unknown): unknown => {
  if (key !== 'payload' || typeof value !== 'object' || value === null) return value;
  const { query, ...rest } = value as Record<string, unknown>;
  return query === '' && typeof rest['documentId'] === 'string' ? rest : value;
};

export class LiveAlerts {
  private client: Client | undefined;
  private unsubscribe: (() => void) | undefined;
  private everConnected = false;
  private resubscribeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: LiveOptions) {}

  /** (Re)connects with the current API key. */
  start(): void {
    this.stop();
    const url = new URL(GRAPHQL_PATH, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.everConnected = false;
    this.opts.onState('connecting');
    const client = createClient({
      url: url.toString(),
      lazy: false,
      keepAlive: 15_000,
      retryAttempts: Infinity,
      retryWait: async (retries) => {
        this.opts.onState('reconnecting');
        await new Promise((r) =>
          setTimeout(r, Math.min(5_000, 500 * 2 ** retries) * (0.75 + Math.random() / 2)),
        );
      },
      // Every drop is retried, except a refused credential: the same key would be refused again.
      shouldRetry: (event) => !(isClose(event) && (event.code === 4401 || event.code === 4403)),
      onNonLazyError: () => undefined,
      connectionParams: () => {
        const key = apiKey();
        return key ? { 'x-api-key': key } : {};
      },
      jsonMessageReplacer: withoutEmptyQuery,
      on: {
        connected: () => {
          this.opts.onState('connected');
          if (this.everConnected) this.opts.onReconnect();
          this.everConnected = true;
        },
        closed: (event) => {
          if (isClose(event) && (event.code === 4401 || event.code === 4403)) {
            this.opts.onState('refused', event.reason || 'the API key was refused');
          } else if (this.client === client) {
            this.opts.onState('reconnecting');
          }
        },
      },
    });
    this.client = client;
    this.subscribe();
  }

  stop(): void {
    clearTimeout(this.resubscribeTimer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const client = this.client;
    this.client = undefined;
    void client?.dispose();
  }

  private subscribe(): void {
    const client = this.client;
    if (!client) return;
    const payload = {
      query: '',
      documentId: documentIdOf(FloodAlertsDocument),
      variables: { minLevel: this.opts.minLevel },
    };
    this.unsubscribe = client.subscribe<FloodAlertsSubscription>(payload, {
      next: (result) => {
        if (result.data?.floodAlerts) this.opts.onAlert(result.data.floodAlerts);
        else if (result.errors?.length) {
          this.opts.onState('error', result.errors.map((e) => e.message).join('; '));
        }
      },
      // An operation the gateway refused (rate limit, too many operations): try again shortly.
      error: (err) => {
        if (this.client !== client || (isClose(err) && (err.code === 4401 || err.code === 4403))) return;
        const message = Array.isArray(err)
          ? (err as { message: string }[]).map((e) => e.message).join('; ')
          : '';
        if (!isClose(err)) this.opts.onState('error', message || 'the subscription failed');
        this.resubscribeTimer = setTimeout(() => this.subscribe(), 3_000);
      },
      complete: () => {
        if (this.client === client) this.resubscribeTimer = setTimeout(() => this.subscribe(), 1_000);
      },
    });
  }
}

function isClose(event: unknown): event is CloseEvent {
  return typeof event === 'object' && event !== null && 'code' in event && 'reason' in event;
}
