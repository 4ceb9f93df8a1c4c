import { Directive, Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: "The stored copy of a report's photo: re-encoded as JPEG, without metadata." })
export class ReportPhoto {
  /** Where the bytes are in the object store; never shown. */
  key!: string;

  @Field(() => String, { description: 'Always image/jpeg: every upload is re-encoded.' })
  contentType!: string;

  @Field(() => Int, { description: 'Width in pixels, upright (EXIF orientation applied).' })
  width!: number;

  @Field(() => Int, { description: 'Height in pixels, upright.' })
  height!: number;

  @Field(() => Int, { description: 'Size of the stored copy in bytes.' })
  byteSize!: number;

  // A photo can show people, number plates and homes: only callers allowed to read reports get it.
  @Directive('@requiresScopes(scopes: [["reports:read"]])')
  @Directive('@cost(weight: 10)')
  @Field(() => String, {
    nullable: true,
    description:
      'The photo as a data: URL (data:image/jpeg;base64,…); null if the store lost it. Needs scope reports:read.',
  })
  dataUrl?: string | null;
}
