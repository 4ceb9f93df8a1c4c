import { randomUUID } from 'node:crypto';
import type { EventBus } from '@cityassist/events';
import { isZoneId, type ZoneIndex } from '@cityassist/geo';
import { discardUpload, type Logger } from '@cityassist/service-kit';
import type { FileUpload } from 'graphql-upload-minimal';
import { errors } from '../errors.ts';
import type { PhotoSanitiser, SafePhoto } from '../photo/photo-sanitiser.ts';
import { objectKey, type ObjectStore } from '../storage/object-store.ts';
import type { ClassifyOutcome, TriageDecision, TriageService } from '../triage/triage.service.ts';
import { readUpload, type UploadLimits } from '../upload/upload.ts';
import {
  idempotentRequest,
  replayFirst,
  sha256Hex,
  type IdempotencyKeys,
  type IdempotencyScope,
  type IdempotentRequest,
} from './idempotency.ts';
import { ReportStatus, type ReportCategory } from './report.enums.ts';
import type { NewReport, ReportRepository } from './report.repository.ts';
import { REPORT_SUBMITTED, REPORT_TRIAGED } from './report.topics.ts';
import {
  MAX_DESCRIPTION_LENGTH,
  type CitizenReport,
  type CreateReportInput,
  type SubmitReportInput,
} from './report.type.ts';

/** A description trimmed, or BAD_USER_INPUT when empty or too long. */
export function cleanDescription(description: string, argument: string): string {
  const trimmed = description.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_DESCRIPTION_LENGTH) {
    throw errors.BAD_USER_INPUT(`description must be 1–${MAX_DESCRIPTION_LENGTH} characters`, { argument });
  }
  return trimmed;
}

/**
 * Takes a submitted report in (issue 5, points 1–4): checks the input, makes the photo safe,
 * stores it, asks the model, and writes the report, its triage and its first audit entries in one
 * transaction. The image is stored before the row, so no row ever points at nothing; if the row
 * cannot be written, the images are deleted again (and a crash in between leaves an orphan that
 * the start-up sweep removes). A model that is down or slow leaves the report OPEN and untriaged.
 *
 * With an idempotency key (see idempotency.ts) a request is done once per caller and key: a repeat
 * finds the key before any photo is stored and answers with the first report; a concurrent twin
 * that got as far as the transaction finds the key taken there, deletes the images it stored, and
 * answers the same way. No second row, event or image is left.
 */
export class ReportIntake {
  constructor(
    private readonly deps: {
      zones: ZoneIndex;
      reports: ReportRepository;
      sanitiser: PhotoSanitiser;
      store: ObjectStore;
      triage: TriageService;
      events: EventBus;
      limits: UploadLimits;
      keys: IdempotencyKeys;
    },
  ) {}

  /** A report filed by zone (createReport): it starts OPEN. */
  async create(
    input: CreateReportInput,
    actor: string,
    scope: IdempotencyScope | undefined,
    logger: Logger,
  ): Promise<CitizenReport> {
    const description = cleanDescription(input.description, 'input.description');
    if (!isZoneId(input.zoneId)) {
      throw errors.BAD_USER_INPUT('zoneId is malformed', { argument: 'input.zoneId' });
    }
    if (!this.deps.zones.has(input.zoneId)) throw errors.ZONE_NOT_FOUND(`no zone has id ${input.zoneId}`);
    const { reports, events, keys } = this.deps;
    const fields = { zoneId: input.zoneId, description, category: input.category };
    const request =
      scope && idempotentRequest(scope, 'createReport', [fields.zoneId, fields.description, fields.category]);
    const write = async () => {
      const written = await reports.create({ ...fields, actor }, request);
      if (written.kind === 'taken') return replayFirst(reports, request!, written.first, logger);
      const { report } = written;
      logger.info(
        { reportId: report.id, zoneId: report.zone.id, category: report.category },
        'report accepted',
      );
      // The report is stored before anyone hears of it; a lost event loses no report.
      events.pubSub.publish(REPORT_SUBMITTED, report);
      return report;
    };
    return request ? keys.serialise(request, write) : write();
  }

  /**
   * Makes an uploaded photo safe and asks the model, storing nothing: the same checks, limits and
   * model as `submit` (the REST classify route).
   */
  async classifyPhoto(upload: Promise<FileUpload>): Promise<{ photo: SafePhoto; outcome: ClassifyOutcome }> {
    const photo = await this.deps.sanitiser.sanitise(await readUpload(upload, this.deps.limits));
    return { photo, outcome: await this.deps.triage.classify(photo.bytes) };
  }

  async submit(
    input: SubmitReportInput,
    upload: Promise<FileUpload> | null | undefined,
    actor: string,
    scope: IdempotencyScope | undefined,
    logger: Logger,
  ): Promise<CitizenReport> {
    let zoneId: string;
    let description: string;
    try {
      description = cleanDescription(input.description, 'input.description');
      zoneId = this.zoneOf(input.location);
    } catch (err) {
      // The upload is still streaming in: read it off the wire so the answer is not held up.
      await discardUpload(upload);
      throw err;
    }
    const raw = upload ? await readUpload(upload, this.deps.limits) : undefined;
    const chosen = input.category ?? null;
    const fields = {
      zoneId,
      description,
      chosen,
      location: { lat: input.location.lat, lon: input.location.lon },
    };
    if (!scope) return this.write(fields, raw, actor, undefined, logger);

    // The photo counts by the bytes sent, before they are made safe: a retry sends the same bytes.
    const request = idempotentRequest(scope, 'submitReport', [
      fields.location.lat,
      fields.location.lon,
      description,
      chosen,
      raw ? sha256Hex(raw) : null,
    ]);
    const { keys, reports } = this.deps;
    return keys.serialise(request, async () => {
      // A repeat is answered before anything is stored or the model is asked.
      const first = await keys.lookup(request);
      if (first) return replayFirst(reports, request, first, logger);
      return this.write(fields, raw, actor, request, logger);
    });
  }

  private async write(
    fields: {
      zoneId: string;
      description: string;
      chosen: ReportCategory | null;
      location: { lat: number; lon: number };
    },
    raw: Buffer | undefined,
    actor: string,
    request: IdempotentRequest | undefined,
    logger: Logger,
  ): Promise<CitizenReport> {
    const { sanitiser, store, triage, reports, events } = this.deps;
    const { zoneId, description, chosen } = fields;
    const photo: SafePhoto | undefined = raw ? await sanitiser.sanitise(raw) : undefined;

    const id = randomUUID();
    const written: string[] = [];
    const discardImages = async () => {
      for (const key of written.splice(0)) {
        await store
          .delete(key)
          .catch((e: unknown) => logger.error({ err: e, key }, 'could not delete an image'));
      }
    };
    let decision: TriageDecision | undefined;
    let outcome: Awaited<ReturnType<ReportRepository['insert']>>;
    try {
      let triageFailed = false;
      let photoRecord: NewReport['photo'] = null;
      if (photo) {
        const key = objectKey('photos', id, 'jpg');
        await store.put(key, photo.bytes, photo.contentType);
        written.push(key);
        photoRecord = {
          key,
          contentType: photo.contentType,
          width: photo.width,
          height: photo.height,
          byteSize: photo.bytes.length,
        };
        const classified = await triage.classify(photo.bytes);
        if (classified.kind === 'done') {
          decision = await triage.decide(id, zoneId, chosen, classified.classification);
          written.push(decision.triage.heatmapKey);
        }
        triageFailed = classified.kind === 'failed';
      }
      outcome = await reports.insert(
        {
          id,
          zoneId,
          description,
          category: decision?.category ?? triage.categoryFor(chosen),
          categoryChosen: chosen !== null,
          location: fields.location,
          photo: photoRecord,
          triage: decision?.triage ?? null,
          triageFailed,
          status: decision?.triaged ? ReportStatus.TRIAGED : ReportStatus.OPEN,
          transitions: [
            { from: null, to: ReportStatus.OPEN, actor },
            ...(decision?.triaged
              ? [
                  {
                    from: ReportStatus.OPEN,
                    to: ReportStatus.TRIAGED,
                    actor: decision.actor,
                    note: decision.note,
                  },
                ]
              : []),
          ],
        },
        request,
      );
    } catch (err) {
      await discardImages();
      throw err;
    }
    if (outcome.kind === 'taken') {
      // A twin with the same key committed first: this one's images belong to no report.
      await discardImages();
      return replayFirst(reports, request!, outcome.first, logger);
    }
    const { report } = outcome;
    logger.info(
      {
        reportId: id,
        zoneId,
        category: report.category,
        photo: photo ? { bytes: photo.bytes.length, width: photo.width, height: photo.height } : null,
        triage: decision
          ? { label: decision.triage.label, priority: decision.triage.priority }
          : photo
            ? 'pending'
            : 'none',
      },
      'report submitted',
    );
    // The report is stored before anyone hears of it; a lost event loses no report.
    events.pubSub.publish(REPORT_SUBMITTED, report);
    if (report.triage) events.pubSub.publish(REPORT_TRIAGED, report);
    return report;
  }

  private zoneOf(location: { lat: number; lon: number }): string {
    const { lat, lon } = location;
    if (!(lat >= -90 && lat <= 90)) {
      throw errors.BAD_USER_INPUT('lat must be between -90 and 90', { argument: 'input.location.lat' });
    }
    if (!(lon >= -180 && lon <= 180)) {
      throw errors.BAD_USER_INPUT('lon must be between -180 and 180', { argument: 'input.location.lon' });
    }
    const zone = this.deps.zones.locate(lat, lon);
    if (!zone) throw errors.LOCATION_OUTSIDE_ZONES('the location is not inside any zone of Olinda');
    return zone.id;
  }
}
