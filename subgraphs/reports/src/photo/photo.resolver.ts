import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { ReportsContext } from '../context.ts';
import { ReportPhoto } from './photo.type.ts';

@Resolver(() => ReportPhoto)
export class PhotoResolver {
  @FieldResolver(() => String, { nullable: true })
  async dataUrl(@Root() photo: ReportPhoto, @Ctx() ctx: ReportsContext): Promise<string | null> {
    const bytes = await ctx.store.get(photo.key);
    if (!bytes) {
      ctx.logger.error({ key: photo.key }, 'stored photo missing');
      return null;
    }
    return `data:${photo.contentType};base64,${bytes.toString('base64')}`;
  }
}
