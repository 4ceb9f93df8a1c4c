import { GraphQLScalarType, Kind } from 'graphql';
import { Directive, Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { Polygon } from 'geojson';

/** A GeoJSON geometry object (RFC 7946), returned as JSON. Coordinates are WGS 84 [lon, lat]. */
export const GeoJSONScalar = new GraphQLScalarType({
  name: 'GeoJSON',
  description: 'A GeoJSON geometry object (RFC 7946); coordinates are WGS 84 [longitude, latitude].',
  serialize: (value) => value,
  parseValue: () => {
    throw new TypeError('GeoJSON is an output type');
  },
  parseLiteral: (ast) => {
    throw new TypeError(`GeoJSON is an output type, got ${ast.kind === Kind.STRING ? 'a string' : ast.kind}`);
  },
});

@ObjectType({ description: 'A WGS 84 point.' })
export class GeoPoint {
  @Field(() => Float, { description: 'Latitude in degrees.' })
  lat!: number;

  @Field(() => Float, { description: 'Longitude in degrees.' })
  lon!: number;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A city zone: one census tract of Olinda, with its terrain.' })
export class Zone {
  @Field(() => ID, { description: 'The 15-digit IBGE census tract code.' })
  id!: string;

  @Field(() => String, {
    description: 'Neighbourhood and ordinal of the tract within it, e.g. "Ouro Preto 3".',
  })
  name!: string;

  @Field(() => String, { description: 'Neighbourhood (bairro); "Unassigned" where the census gives none.' })
  neighbourhood!: string;

  @Field(() => Int, { description: 'Census count of the tract (IBGE 2010, variable V014).' })
  population!: number;

  @Field(() => Float, { description: 'Area in square kilometres.' })
  areaKm2!: number;

  @Field(() => GeoPoint, { description: 'Area-weighted centroid; may lie outside a concave tract.' })
  centroid!: GeoPoint;

  @Field(() => GeoJSONScalar, { description: 'Tract boundary as a GeoJSON Polygon.' })
  geometry!: Polygon;

  @Field(() => Float, { description: 'Mean ground elevation in metres above sea level (90 m DEM).' })
  elevationMean!: number;

  @Field(() => Float, { description: 'Lowest sampled ground elevation in metres.' })
  elevationMin!: number;

  @Field(() => Float, { description: 'Highest sampled ground elevation in metres.' })
  elevationMax!: number;

  @Field(() => Float, { description: 'Share of the tract (0–1) lower than 5 m above sea level.' })
  lowLyingShare!: number;
}

@ObjectType()
export class ZoneEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Zone)
  node!: Zone;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType({ description: 'A page of zones (Relay cursor connection).' })
export class ZoneConnection {
  @Field(() => [ZoneEdge])
  edges!: ZoneEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Zones matching the filter, over all pages.' })
  totalCount!: number;
}
