import path from 'node:path';
import { pipelineOf, pipelines, runPipeline, type RunSummary } from '@cityassist/etl';
import {
  featureViews,
  OnlineStore,
  type RunRecord,
  type DatasetVersionRecord,
} from '@cityassist/feature-store';
import { GraphQLUpload, type FileUpload } from 'graphql-upload-minimal';
import { Arg, Ctx, Directive, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { PredictionsContext } from '../context.ts';
import { errors } from '../errors.ts';
import { DatasetVersion, EtlRun, FeatureViewInfo } from './etl.type.ts';
import { saveUpload } from './pipeline-upload.ts';
import { discardUpload } from '@cityassist/service-kit';

const FILE_NAME = /^[\w][\w.-]{0,200}$/;

function checkFirst(first: number): void {
  if (first < 1 || first > 200) {
    throw errors.BAD_USER_INPUT('first must be between 1 and 200', { argument: 'first' });
  }
}

function runOf(r: RunRecord): EtlRun {
  return {
    ...r,
    quarantine: Object.entries(r.quarantine).map(([rule, rows]) => ({ rule, rows })),
    expectations: r.expectations.map((e) => ({ ...e, detail: e.detail ?? null })),
  };
}

function versionOf(v: DatasetVersionRecord): DatasetVersion {
  return v;
}

@Resolver()
export class EtlResolver {
  @Query(() => [EtlRun], {
    description: 'Pipeline runs, newest first: status, row counts, quarantine, expectations, lineage.',
  })
  async etlRuns(
    @Ctx() ctx: PredictionsContext,
    @Arg('pipeline', () => String, { nullable: true, description: 'Only runs of this pipeline.' })
    pipeline?: string | null,
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many, 1–200.' }) first = 20,
  ): Promise<EtlRun[]> {
    checkFirst(first);
    return (await ctx.featureStore.catalog.runs({ pipeline: pipeline ?? undefined, limit: first })).map(
      runOf,
    );
  }

  @Query(() => [DatasetVersion], {
    description: 'Dataset versions, newest first, with their lineage (run, who, sources, code, inputs).',
  })
  async datasets(
    @Ctx() ctx: PredictionsContext,
    @Arg('featureView', () => String, { nullable: true }) featureView?: string | null,
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many, 1–200.' }) first = 20,
  ): Promise<DatasetVersion[]> {
    checkFirst(first);
    return (await ctx.featureStore.catalog.versions({ view: featureView ?? undefined, limit: first })).map(
      versionOf,
    );
  }

  @Query(() => [FeatureViewInfo], {
    description: 'The feature views, their columns and how fresh the online store is.',
  })
  async featureViews(@Ctx() ctx: PredictionsContext): Promise<FeatureViewInfo[]> {
    const online = new OnlineStore(ctx.featureStore.runner.db);
    return Promise.all(
      featureViews.map(async (view) => {
        const versions = await ctx.featureStore.catalog.versions({ view: view.name, limit: 1000 });
        return {
          name: view.name,
          entity: view.entity,
          description: view.description,
          features: [...view.features],
          latestVersion: versions[0]?.datasetVersion ?? null,
          newestAsOf: (await online.newest(view.name)) ?? null,
          versions: versions.length,
        };
      }),
    );
  }

  @Directive('@requiresScopes(scopes: [["features:write"]])')
  @Mutation(() => EtlRun, {
    name: 'runPipeline',
    description:
      'Runs a pipeline over files delivered to its inbox folder (ETL_INBOX_DIR/<pipeline>/, by name), over a file uploaded with the request (GraphQL multipart request spec), or over its committed raw extracts when neither is given. The same bytes load once (status duplicate). Needs scope features:write.',
  })
  async runPipelineMutation(
    @Ctx() ctx: PredictionsContext,
    @Arg('pipeline', () => String) name: string,
    @Arg('files', () => [String], {
      nullable: true,
      description: 'File names in the inbox folder; at most 20.',
    })
    files?: string[] | null,
    @Arg('file', () => GraphQLUpload, {
      nullable: true,
      description:
        'A delivery uploaded with the request, at most ETL_UPLOAD_MAX_BYTES (default 256 MiB): streamed to a temporary file, run like an inbox delivery, then removed.',
    })
    file?: Promise<FileUpload> | null,
  ): Promise<EtlRun> {
    const pipeline = pipelines.find((p) => p.name === name);
    let refusal: Error | undefined;
    if (!pipeline) {
      // Drained before the answer, so the connection is free for the next request.
      await discardUpload(file);
      throw errors.PIPELINE_NOT_FOUND(
        `no pipeline ${name}; there are ${pipelines.map((p) => p.name).join(', ')}`,
        { pipeline: name },
      );
    }
    if (files && (files.length > 20 || files.some((f) => !FILE_NAME.test(f)))) {
      refusal = errors.BAD_USER_INPUT('files are 1–20 plain file names in the pipeline inbox (no paths)', {
        argument: 'files',
      });
    } else if (file && files?.length) {
      refusal = errors.BAD_USER_INPUT('name inbox files or upload one file, not both', { argument: 'file' });
    }
    if (refusal) {
      await discardUpload(file);
      throw refusal;
    }
    const { runner, inboxDir, upload: limits } = ctx.featureStore;
    const requestedBy = ctx.principal?.id ?? 'anonymous';
    let summary: RunSummary;
    if (file) {
      // On disk, never in memory, removed once the run ended whatever its outcome.
      await using saved = await saveUpload(file, path.join(runner.tempDir, 'uploads'), limits);
      summary = await runPipeline(runner, pipeline, {
        sources: [saved.path],
        sourceUris: [`upload:${pipeline.name}/${saved.name}`],
        trigger: 'api',
        requestedBy,
      });
    } else {
      const sources = files?.length
        ? files.map((f) => path.join(inboxDir, pipeline.name, f))
        : (pipelineOf(name).defaultSources ?? []).map((s) => path.resolve(runner.repoRoot, s));
      summary = await runPipeline(runner, pipeline, { sources, trigger: 'api', requestedBy });
    }
    ctx.logger.info(
      { pipeline: name, runId: summary.run_id, status: summary.status },
      'pipeline run through the API',
    );
    const run = await ctx.featureStore.catalog.run(summary.run_id);
    return runOf(run!);
  }
}
