import { GraphQLUpload, type FileUpload } from 'graphql-upload-minimal';
import { Arg, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import type { ReportsContext } from '../context.ts';
import { errors } from '../errors.ts';
import { ImageClassificationResult } from './classify.type.ts';
import { suggestPriority } from './priority.ts';

@Resolver()
export class ClassifyResolver {
  // A Mutation, so no cache ever answers it; a scope, because every call runs the image model.
  @Directive('@requiresScopes(scopes: [["reports:write"]])')
  @Mutation(() => ImageClassificationResult, {
    description:
      "Classifies a photo without filing a report (the REST route POST /api/v1/classify/report-image). The photo passes the same checks as submitReport's and is not stored; the priority follows the same rules with no zone. TRIAGE_UNAVAILABLE when the image model is down. Needs scope reports:write.",
  })
  async classifyReportImage(
    @Ctx() ctx: ReportsContext,
    @Arg('photo', () => GraphQLUpload, { description: 'JPEG, PNG or WebP; limits as for submitReport.' })
    photo: Promise<FileUpload>,
  ): Promise<ImageClassificationResult> {
    const { photo: safe, outcome } = await ctx.intake.classifyPhoto(photo);
    if (outcome.kind === 'pending') throw errors.TRIAGE_UNAVAILABLE();
    if (outcome.kind === 'failed') throw errors.IMAGE_UNREADABLE('the image model cannot read this image');
    const c = outcome.classification;
    const decision = suggestPriority({
      label: c.label,
      confidence: c.confidence,
      category: null,
      floodLevel: null,
    });
    ctx.logger.info(
      {
        label: c.label,
        confidence: c.confidence,
        priority: decision.priority,
        photo: { bytes: safe.bytes.length, width: safe.width, height: safe.height },
      },
      'photo classified',
    );
    return {
      label: c.label,
      confidence: c.confidence,
      scores: c.scores.map(({ label, score }) => ({ label, score })),
      suggestedPriority: decision.priority,
      needsReview: decision.needsReview,
      model: { name: c.model.name, version: c.model.version },
    };
  }
}
