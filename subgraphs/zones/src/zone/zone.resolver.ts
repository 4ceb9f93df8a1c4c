import { isZoneId } from '@cityassist/geo';
import { decodeCursor, encodeCursor } from '@cityassist/service-kit';
import { Arg, Ctx, Directive, Float, ID, Int, Query, Resolver } from 'type-graphql';
import type { ZonesContext } from '../context.ts';
import { errors } from '../errors.ts';
import { Zone, ZoneConnection } from './zone.type.ts';

/** Largest page a client may ask for: all of Olinda (470) fits in one. */
export const MAX_PAGE_SIZE = 500;
const CURSOR_KIND = 'zone';

export function assertZoneId(id: string, argument = 'id'): void {
  if (!isZoneId(id)) {
    throw errors.BAD_USER_INPUT(`${argument} is not a zone id: 1–64 letters, digits or _ . : -`, {
      argument,
    });
  }
}

@Resolver(() => Zone)
export class ZoneResolver {
  // Demand control: a page costs as many zones as `first` asks for (defaults to 50).
  @Directive(
    '@listSize(slicingArguments: ["first"], sizedFields: ["edges"], requireOneSlicingArgument: false, assumedSize: 50)',
  )
  @Query(() => ZoneConnection, { description: 'Zones ordered by id, a page at a time.' })
  async zones(
    @Ctx() ctx: ZonesContext,
    @Arg('first', () => Int, { defaultValue: 50, description: `Page size, 1–${MAX_PAGE_SIZE}.` })
    first: number,
    @Arg('after', () => String, { nullable: true, description: 'endCursor of the previous page.' })
    after?: string | null,
    @Arg('neighbourhood', () => String, { nullable: true, description: 'Only zones of this neighbourhood.' })
    neighbourhood?: string | null,
  ): Promise<ZoneConnection> {
    if (first < 1 || first > MAX_PAGE_SIZE) {
      throw errors.BAD_USER_INPUT(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, {
        argument: 'first',
      });
    }
    let afterId: string | undefined;
    if (after != null) {
      afterId = decodeCursor(CURSOR_KIND, after);
      if (afterId === undefined) {
        throw errors.BAD_USER_INPUT('after is not a cursor of this list', { argument: 'after' });
      }
    }
    const filter = neighbourhood ?? undefined;
    const [{ zones, hasNextPage }, totalCount] = await Promise.all([
      ctx.zones.page({ first, afterId, neighbourhood: filter }),
      ctx.zones.count(filter),
    ]);
    for (const z of zones) ctx.zoneById.prime(z.id, z);
    const edges = zones.map((node) => ({ cursor: encodeCursor(CURSOR_KIND, node.id), node }));
    return { edges, totalCount, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  @Query(() => Zone, { nullable: true, description: 'The zone with this id, or null when there is none.' })
  async zone(@Ctx() ctx: ZonesContext, @Arg('id', () => ID) id: string): Promise<Zone | undefined> {
    assertZoneId(id);
    return ctx.zoneById.load(id);
  }

  @Query(() => Zone, {
    nullable: true,
    description: 'The zone containing a WGS 84 point, or null outside the city.',
  })
  async zoneAt(
    @Ctx() ctx: ZonesContext,
    @Arg('lat', () => Float) lat: number,
    @Arg('lon', () => Float) lon: number,
  ): Promise<Zone | undefined> {
    if (!(lat >= -90 && lat <= 90)) {
      throw errors.BAD_USER_INPUT('lat must be between -90 and 90', { argument: 'lat' });
    }
    if (!(lon >= -180 && lon <= 180)) {
      throw errors.BAD_USER_INPUT('lon must be between -180 and 180', { argument: 'lon' });
    }
    return ctx.zones.at(lat, lon);
  }
}
