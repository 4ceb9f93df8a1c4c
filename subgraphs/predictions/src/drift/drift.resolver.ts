import { Arg, Ctx, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { PredictionsContext } from '../context.ts';
import { WindowDriftMonitor, type DriftEvent } from '@cityassist/inference';
import { DRIFT_DETECTED } from './drift-sink.ts';
import { DriftAlert, type DriftLevel, ModelHealth } from './drift.type.ts';

@Resolver()
export class DriftResolver {
  @Query(() => ModelHealth, {
    nullable: true,
    description: 'Drift of a served model (by name), or null for an unknown one.',
  })
  modelHealth(@Ctx() ctx: PredictionsContext, @Arg('name', () => String) name: string): ModelHealth | null {
    const router = ctx.models.get(name)?.router;
    if (!router) return null;
    const monitor = router.championDrift;
    const { rows, features, window } = monitor?.current() ?? { rows: 0, features: [] };
    const { champion, canary } = router.assignment;
    const s = router.shadowAgreement();
    return {
      name,
      version: champion,
      canary: canary?.version ?? null,
      canaryShare: canary?.share ?? null,
      shadow: s
        ? {
            version: s.shadow,
            comparisons: s.comparisons,
            levelAgreement: s.comparisons ? s.agreements / s.comparisons : null,
            meanAbsoluteDifference: s.comparisons ? s.sumAbsDifference / s.comparisons : null,
            maxAbsoluteDifference: s.comparisons ? s.maxAbsDifference : null,
            since: s.since,
          }
        : null,
      windowRows: rows,
      drift: features.map((f) => ({
        feature: f.feature,
        psi: f.psi,
        level: f.level as DriftLevel,
        statistics:
          f.statistics?.map((s) => ({ ...s, value: Number.isFinite(s.value) ? s.value : null })) ?? null,
        changedZoneCount: f.changedZoneCount ?? null,
        changedZones: f.changedZones ?? null,
        fingerprintMatches: f.fingerprintMatches ?? null,
      })),
      driftMethod: monitor instanceof WindowDriftMonitor ? 'WINDOW' : 'ROWS',
      driftWindow: window ? { ...window, start: new Date(window.start) } : null,
    };
  }

  @Subscription(() => DriftAlert, {
    topics: DRIFT_DETECTED,
    filter: ({ payload, args }: { payload: DriftEvent; args: { model?: string | null } }) =>
      !args.model || payload.model === args.model,
    description: "A served model's input feature changed drift level (PSI against its training data).",
  })
  driftDetected(
    @Root() event: DriftEvent,
    @Arg('model', () => String, { nullable: true, description: 'Only this model.' }) _model?: string | null,
  ): DriftAlert {
    return {
      ...event,
      level: event.level as DriftLevel,
      previousLevel: event.previousLevel as DriftLevel,
      windowRows: event.rows,
      at: new Date(event.at),
      reason: event.reason ?? null,
    };
  }
}
