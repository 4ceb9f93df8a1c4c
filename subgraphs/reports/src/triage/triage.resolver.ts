import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { ReportsContext } from '../context.ts';
import { TriageExplanation } from './triage.type.ts';

@Resolver(() => TriageExplanation)
export class TriageExplanationResolver {
  @FieldResolver(() => String, { nullable: true })
  async heatmap(@Root() explanation: TriageExplanation, @Ctx() ctx: ReportsContext): Promise<string | null> {
    const bytes = await ctx.store.get(explanation.heatmapKey);
    if (!bytes) {
      ctx.logger.error({ key: explanation.heatmapKey }, 'stored heatmap missing');
      return null;
    }
    return `data:image/png;base64,${bytes.toString('base64')}`;
  }
}
