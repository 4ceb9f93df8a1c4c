import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { PredictionsContext } from '../../../context.ts';
import { ModelHealth } from '../../../drift/drift.type.ts';
import { LIVE_WINDOW_MS, outcomesOf, qualityOf } from './live-quality.ts';
import { LiveQuality } from './live-quality.type.ts';

@Resolver(() => ModelHealth)
export class LiveQualityResolver {
  @FieldResolver(() => [LiveQuality], {
    description:
      'Quality on observed outcomes of each answering version (champion, then canary): flood only, the model whose outcomes the city observes; empty for the others.',
  })
  async liveQuality(@Root() health: ModelHealth, @Ctx() ctx: PredictionsContext): Promise<LiveQuality[]> {
    if (health.name !== 'flood') return [];
    const since = new Date(Date.now() - LIVE_WINDOW_MS);
    const versions = [health.version, ...(health.canary ? [health.canary] : [])];
    return Promise.all(
      versions.map(async (version) => ({
        version,
        since,
        ...qualityOf(await outcomesOf(ctx.db, 'flood', version, since)),
      })),
    );
  }
}
