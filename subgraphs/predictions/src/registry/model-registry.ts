import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database, Queryable } from '@cityassist/db';
import { MODEL_CHANGED, type EventBus } from '@cityassist/events';
import {
  isCandidateVersion,
  isServedVersion,
  listVersions,
  readMetadata,
  resolveVersion,
  type Assignment,
  type ModelMetadata,
} from '@cityassist/inference';
import { errors } from '../errors.ts';

export type ModelStatus = 'CHAMPION' | 'CANARY' | 'SHADOW' | 'RETIRED';

/** What the settings ask for (<NAME>_MODEL_VERSION, <NAME>_CANARY_*, <NAME>_SHADOW_VERSION). */
export interface ModelSettings {
  /** A version folder, or `latest`. */
  champion: string;
  canary?: { version: string; share: number } | undefined;
  shadow?: string | undefined;
}

export interface VersionInfo {
  name: string;
  version: string;
  status: ModelStatus;
  canaryShare: number | null;
  metadata: ModelMetadata;
  dir: string;
}

export interface AuditEntry {
  name: string;
  version: string;
  action: string;
  fromStatus: ModelStatus;
  toStatus: ModelStatus;
  canaryShare: number | null;
  actor: string;
  reason: string | null;
  at: Date;
}

/** Raised on every replica's bus when a model's assignment changed, so each reloads it. */

interface StatusRow {
  version: string;
  status: ModelStatus;
  canary_share: number | null;
}

/**
 * Model versions on disk (`models/<name>/<version>/`) and their status in the database. Every
 * change runs in one transaction with its audit rows, so the trail can never disagree with the
 * state; partial unique indexes keep one champion, canary and shadow per model even between
 * replicas racing each other.
 */
export class ModelRegistry {
  constructor(
    private readonly db: Database,
    private readonly modelsDir: string,
    private readonly events: EventBus,
  ) {}

  async versions(name: string): Promise<VersionInfo[]> {
    let versions: string[];
    try {
      versions = await listVersions(this.modelsDir, name);
    } catch {
      return [];
    }
    const statuses = await this.statuses(this.db, name);
    return Promise.all(
      versions.map(async (version): Promise<VersionInfo> => {
        const dir = path.join(this.modelsDir, name, version);
        const row = statuses.get(version);
        return {
          name,
          version,
          status: row?.status ?? 'RETIRED',
          canaryShare: row?.canary_share ?? null,
          metadata: await readMetadata(dir),
          dir,
        };
      }),
    );
  }

  /** The model card of a version, or null when it has none. */
  async card(name: string, version: string): Promise<string | null> {
    try {
      return await readFile(path.join(this.modelsDir, name, version, 'MODEL_CARD.md'), 'utf8');
    } catch {
      return null;
    }
  }

  async assignment(name: string, q: Queryable = this.db): Promise<Assignment> {
    const rows = [...(await this.statuses(q, name)).values()];
    const champion = rows.find((r) => r.status === 'CHAMPION');
    if (!champion) throw new Error(`model ${name} has no champion`);
    const canary = rows.find((r) => r.status === 'CANARY');
    const shadow = rows.find((r) => r.status === 'SHADOW');
    return {
      champion: champion.version,
      canary: canary ? { version: canary.version, share: canary.canary_share ?? 0 } : undefined,
      shadow: shadow?.version,
    };
  }

  /**
   * Settings applied at start, when they differ from those applied at the previous start (or
   * nothing is stored yet): a changed setting wins and is audited as changed by "config"; an
   * unchanged one leaves the stored state alone, so a promotion made through the API survives a
   * restart. A canary or shadow dropped from the settings is retired if it still holds that role.
   */
  async applySettings(name: string, settings: ModelSettings): Promise<Assignment> {
    const [last] = await this.db.query<{ settings: ModelSettings | string }>(
      'select settings from predictions.model_settings where name = $1',
      [name],
    );
    const previous: ModelSettings | undefined =
      typeof last?.settings === 'string' ? (JSON.parse(last.settings) as ModelSettings) : last?.settings;
    const stored = await this.statuses(this.db, name);
    const hasChampion = [...stored.values()].some((r) => r.status === 'CHAMPION');
    if (hasChampion && previous && canonical(previous) === canonical(settings)) return this.assignment(name);
    const opts = { actor: 'config', action: 'config' };
    const champion = await resolveVersion(this.modelsDir, name, settings.champion);
    if (stored.get(champion)?.status !== 'CHAMPION') await this.change(name, champion, 'CHAMPION', opts);
    const roles = [
      ['CANARY', settings.canary?.version, previous?.canary?.version],
      ['SHADOW', settings.shadow, previous?.shadow],
    ] as const;
    for (const [role, wanted, before] of roles) {
      if (wanted) {
        const row = (await this.statuses(this.db, name)).get(wanted);
        const share = role === 'CANARY' ? settings.canary?.share : undefined;
        if (row?.status !== role || (role === 'CANARY' && row.canary_share !== share)) {
          await this.change(name, wanted, role, { ...opts, share });
        }
      } else if (before && (await this.statuses(this.db, name)).get(before)?.status === role) {
        await this.change(name, before, 'RETIRED', opts);
      }
    }
    await this.db.query(
      `insert into predictions.model_settings (name, settings) values ($1, $2::jsonb)
       on conflict (name) do update set settings = excluded.settings, applied_at = now()`,
      [name, canonical(settings)],
    );
    return this.assignment(name);
  }

  /**
   * Gives `version` the status `to`. The version it displaces (the previous champion, canary or
   * shadow) is retired in the same transaction. The champion cannot be retired, canaried or
   * shadowed directly: promote another version instead, or roll back.
   */
  async change(
    name: string,
    version: string,
    to: ModelStatus,
    opts: { actor: string; action?: string; share?: number | undefined; reason?: string | undefined },
  ): Promise<Assignment> {
    await this.assertExists(name, version);
    if (to !== 'RETIRED') this.assertServable(name, version);
    if (to === 'CANARY' && !(opts.share !== undefined && opts.share > 0 && opts.share <= 1)) {
      throw errors.BAD_USER_INPUT('a canary needs a share of traffic in (0, 1]', { argument: 'share' });
    }
    const action = opts.action ?? (to === 'RETIRED' ? 'retire' : 'promote');
    const assignment = await this.db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`model-registry:${name}`]);
      const current = await this.statuses(tx, name);
      const from = current.get(version)?.status ?? 'RETIRED';
      if (from === 'CHAMPION' && to !== 'CHAMPION') {
        throw errors.MODEL_STATUS_CONFLICT(
          `${name} ${version} is the champion; promote another version or roll back first`,
        );
      }
      if (to !== 'RETIRED') {
        for (const [other, row] of current) {
          if (other !== version && row.status === to) {
            await this.write(tx, name, other, row.status, 'RETIRED', {
              ...opts,
              action: `${action}:displaced`,
              share: undefined,
            });
          }
        }
      }
      await this.write(tx, name, version, from, to, { ...opts, action });
      return this.assignment(name, tx);
    });
    this.events.pubSub.publish(MODEL_CHANGED, { name });
    return assignment;
  }

  /** The champion before the current one (the latest audited handover): what a rollback restores. */
  async previousChampion(name: string): Promise<string> {
    const { champion } = await this.assignment(name);
    const [previous] = await this.db.query<{ version: string }>(
      `select version from predictions.model_audit
        where name = $1 and from_status = 'CHAMPION' and version <> $2
        order by at desc, id desc limit 1`,
      [name, champion],
    );
    if (!previous) throw errors.MODEL_STATUS_CONFLICT(`${name} has no earlier champion to roll back to`);
    return previous.version;
  }

  async audit(name: string, first: number): Promise<AuditEntry[]> {
    const rows = await this.db.query<{
      name: string;
      version: string;
      action: string;
      from_status: ModelStatus;
      to_status: ModelStatus;
      canary_share: number | null;
      actor: string;
      reason: string | null;
      at: Date | string;
    }>(
      `select name, version, action, from_status, to_status, canary_share, actor, reason, at
         from predictions.model_audit where name = $1 order by at desc, id desc limit $2`,
      [name, first],
    );
    return rows.map((r) => ({
      name: r.name,
      version: r.version,
      action: r.action,
      fromStatus: r.from_status,
      toStatus: r.to_status,
      canaryShare: r.canary_share,
      actor: r.actor,
      reason: r.reason,
      at: new Date(r.at),
    }));
  }

  /**
   * A validation model (a prefixed version, trained on another place's data to check the method)
   * is listed but never serves: not as champion, canary or shadow. A retraining candidate
   * (`x.y.z-r<minute>`) may: it is the city's own model, only never `latest`.
   */
  assertServable(name: string, version: string): void {
    if (!isServedVersion(version) && !isCandidateVersion(version)) {
      throw errors.MODEL_STATUS_CONFLICT(
        `${name} ${version} is a validation model (not x.y.z): it is listed, never served`,
      );
    }
  }

  /** Throws BAD_USER_INPUT for a malformed version name, MODEL_NOT_FOUND for a missing folder. */
  async assertExists(name: string, version: string): Promise<void> {
    if (!/^[A-Za-z0-9][\w.-]{0,63}$/.test(version)) {
      throw errors.BAD_USER_INPUT('version is not a version name', { argument: 'version' });
    }
    try {
      await access(path.join(this.modelsDir, name, version, 'metadata.json'));
    } catch {
      throw errors.MODEL_NOT_FOUND(`no version ${version} of model ${name}`);
    }
  }

  private async statuses(q: Queryable, name: string): Promise<Map<string, StatusRow>> {
    const rows = await q.query<StatusRow>(
      'select version, status, canary_share from predictions.model_status where name = $1',
      [name],
    );
    return new Map(rows.map((r) => [r.version, r]));
  }

  private async write(
    tx: Queryable,
    name: string,
    version: string,
    from: ModelStatus,
    to: ModelStatus,
    opts: { actor: string; action: string; share?: number | undefined; reason?: string | undefined },
  ): Promise<void> {
    const share = to === 'CANARY' ? (opts.share ?? null) : null;
    await tx.query(
      `insert into predictions.model_status (name, version, status, canary_share, updated_by)
       values ($1, $2, $3, $4, $5)
       on conflict (name, version) do update set status = excluded.status,
         canary_share = excluded.canary_share, updated_by = excluded.updated_by, updated_at = now()`,
      [name, version, to, share, opts.actor],
    );
    await tx.query(
      `insert into predictions.model_audit (name, version, action, from_status, to_status, canary_share, actor, reason)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [name, version, opts.action, from, to, share, opts.actor, opts.reason ?? null],
    );
  }
}

/** Settings as one string with a fixed key order (jsonb does not keep the order it was given). */
function canonical(s: ModelSettings): string {
  return JSON.stringify({
    champion: s.champion,
    canary: s.canary ? { version: s.canary.version, share: s.canary.share } : null,
    shadow: s.shadow ?? null,
  });
}
