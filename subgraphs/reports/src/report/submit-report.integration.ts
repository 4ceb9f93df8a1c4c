import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { onEachDatabase } from '@cityassist/db';
import { createEventBus, FLOOD_LEVELS, type FloodLevelsEvent } from '@cityassist/events';
import { htmlJpegPolyglot, pngDeclaring } from '@cityassist/inference/testing';
import { createLogger } from '@cityassist/service-kit';
import { subgraphUnderTest } from '@cityassist/service-kit/testing';
import sharp from 'sharp';
import { startReportsService } from '../service.ts';
import {
  pointIn,
  postMultipart,
  sceneImages,
  submitWithPhoto,
  testConfig,
  type TestFile,
} from '../testing.ts';

const SUBMIT = `mutation($input: SubmitReportInput!, $photo: Upload) {
  submitReport(input: $input, photo: $photo) {
    id status category description suggestedPriority zone { id } location { lat lon }
    photo { contentType width height byteSize dataUrl }
    triage {
      label confidence scores { label score } suggestedPriority needsReview floodLevel
      model { name version } triagedAt
      explanation { heatmap region { x y width height } }
    }
    history { from to actor note }
  }
}`;
const COUNT = '{ reports(first: 1) { totalCount } }';
const ZONE = '260960005000010';
const SEVERE_ZONE = '260960005000011';

async function storedFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const kind of ['photos', 'heatmaps']) {
    const names = await readdir(path.join(dir, kind)).catch(() => [] as string[]);
    out.push(...names.map((n) => `${kind}/${n}`));
  }
  return out.sort();
}

const decode = (dataUrl: string, type: string) => {
  assert.ok(dataUrl.startsWith(`data:${type};base64,`), dataUrl.slice(0, 40));
  return Buffer.from(dataUrl.slice(`data:${type};base64,`.length), 'base64');
};

onEachDatabase((label, open) => {
  describe(`submitReport on ${label}`, async () => {
    const events = await createEventBus(undefined);
    let applied = () => undefined as void;
    const config = { current: testConfig({ dataDir: 'memory://' }) };
    const subject = subgraphUnderTest(open, (database) => {
      config.current = testConfig(database);
      return startReportsService(config.current, createLogger('reports', 'silent'), {
        events,
        onFloodLevels: () => applied(),
      });
    });
    const dir = () => (config.current.storage as { dir: string }).dir;
    after(async () => {
      await rm(dir(), { recursive: true, force: true });
      await events.close();
    });
    const scenes = await sceneImages();
    const at = await pointIn(ZONE);
    const url = () => subject.server!.url;
    const submit = (input: Record<string, unknown>, photo: Omit<TestFile, 'field'>) =>
      submitWithPhoto(url(), SUBMIT, input, photo);

    it('triages a PNG of a pothole: label, priority, heatmap and region, stored as a JPEG', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const png = await scenes.pothole.clone().png().toBuffer();
      const res = await submit(
        { location: at, description: 'Deep hole by the bus stop', category: 'POTHOLE' },
        { bytes: png, filename: 'hole.png', type: 'image/png' },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const report = res.data!['submitReport'];
      assert.equal(report.zone.id, ZONE);
      assert.deepEqual(report.location, at);
      assert.equal(report.triage.label, 'pothole');
      assert.ok(report.triage.confidence >= 0.6 && report.triage.confidence <= 1);
      assert.equal(report.triage.scores.length, 5, 'the served 1.1.0 has five classes (flooding)');
      const total = report.triage.scores.reduce((s: number, x: { score: number }) => s + x.score, 0);
      assert.ok(Math.abs(total - 1) < 1e-4, `scores sum to ${total}`);
      assert.equal(report.triage.scores[0].label, 'pothole');
      assert.deepEqual(report.triage.model, { name: 'image', version: '1.1.0' });
      assert.equal(report.triage.suggestedPriority, 'MEDIUM');
      assert.equal(report.suggestedPriority, 'MEDIUM');
      assert.equal(report.triage.needsReview, false);
      assert.equal(report.triage.floodLevel, null, 'no flood level received for this zone');
      assert.equal(report.status, 'TRIAGED', 'a confident, uncontested triage moves the report on');
      assert.deepEqual(
        report.history.map((h: any) => [h.from, h.to, h.actor]),
        [
          [null, 'OPEN', 'anonymous'],
          ['OPEN', 'TRIAGED', 'model:image@1.1.0'],
        ],
      );

      assert.equal(report.photo.contentType, 'image/jpeg');
      assert.deepEqual([report.photo.width, report.photo.height], [128, 128]);
      const photo = decode(report.photo.dataUrl, 'image/jpeg');
      assert.equal(photo.length, report.photo.byteSize);
      assert.equal((await sharp(photo).metadata()).format, 'jpeg');

      const heatmap = await sharp(decode(report.triage.explanation.heatmap, 'image/png')).metadata();
      assert.deepEqual([heatmap.format, heatmap.width, heatmap.height], ['png', 128, 128]);
      const { x, y, width, height } = report.triage.explanation.region;
      assert.ok(x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= 128 && y + height <= 128);

      const files = await storedFiles(dir());
      assert.deepEqual(
        files.map((f) => f.split('/')[0]),
        ['heatmaps', 'photos'],
        'one photo and one heatmap stored',
      );
    });

    it('stores a JPEG with EXIF GPS upright and without any metadata', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const before = new Set(await storedFiles(dir()));
      // 128×96 pixels tagged "rotate 90° clockwise" (orientation 6): upright it is 96×128.
      const jpeg = await scenes.garbage
        .clone()
        .resize(128, 96, { fit: 'fill' })
        .jpeg()
        .withExif({
          IFD0: { Make: 'LeakyPhone' },
          IFD3: {
            GPSLatitudeRef: 'S',
            GPSLatitude: '8/1 0/1 1234/100',
            GPSLongitudeRef: 'W',
            GPSLongitude: '34/1 51/1 5678/100',
          },
        })
        .withMetadata({ orientation: 6 })
        .toBuffer();
      const input = await sharp(jpeg).metadata();
      assert.ok(input.exif && input.exif.includes('LeakyPhone'), 'the upload does carry EXIF');
      assert.equal(input.orientation, 6);

      const res = await submit(
        { location: at, description: 'Bags everywhere' },
        { bytes: jpeg, filename: 'IMG_0001.JPG', type: 'image/jpeg' },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const report = res.data!['submitReport'];
      assert.deepEqual([report.photo.width, report.photo.height], [96, 128], 'orientation applied');
      const added = (await storedFiles(dir())).filter((f) => !before.has(f));
      const photoFile = added.find((f) => f.startsWith('photos/'));
      assert.ok(photoFile);
      const stored = await sharp(path.join(dir(), photoFile)).metadata();
      assert.equal(stored.exif, undefined, 'no EXIF');
      assert.equal(stored.xmp, undefined, 'no XMP');
      assert.equal(stored.iptc, undefined, 'no IPTC');
      assert.equal(stored.orientation, undefined, 'no orientation tag left to apply twice');
      const served = decode(report.photo.dataUrl, 'image/jpeg');
      assert.equal(served.includes(Buffer.from('LeakyPhone')), false);
      assert.equal((await sharp(served).metadata()).exif, undefined);
    });

    it('escalates a fallen tree in a SEVERE flood zone to CRITICAL, with the label as category', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const stored = new Promise<void>((resolve) => {
        applied = resolve;
      });
      const event: FloodLevelsEvent = {
        levels: [{ zoneId: SEVERE_ZONE, level: 'SEVERE', asOf: new Date().toISOString() }],
        complete: false,
      };
      events.pubSub.publish(FLOOD_LEVELS, event);
      await stored;
      const png = await scenes.fallen_tree.clone().png().toBuffer();
      const res = await submit(
        { location: await pointIn(SEVERE_ZONE), description: 'A tree across the road' },
        { bytes: png, filename: 'tree.png', type: 'image/png' },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const report = res.data!['submitReport'];
      assert.equal(report.triage.label, 'fallen_tree');
      assert.equal(report.triage.floodLevel, 'SEVERE');
      assert.equal(report.suggestedPriority, 'CRITICAL');
      assert.equal(report.category, 'FALLEN_TREE', 'no category given: the label decides');

      const critical = await subject.gql(
        `{ reports(filter: { priority: CRITICAL }) { totalCount edges { node { id } } } }`,
      );
      assert.deepEqual(critical.data!['reports'].edges, [{ node: { id: report.id } }]);
    });

    it('accepts a report without a photo: OPEN, untriaged', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const res = await subject.gql(SUBMIT, {
        input: { location: at, description: 'Streetlight out', category: 'OTHER' },
      });
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const report = res.data!['submitReport'];
      assert.deepEqual(
        [report.status, report.photo, report.triage, report.suggestedPriority],
        ['OPEN', null, null, null],
      );
    });

    type Hostile = { input?: Record<string, unknown>; files: TestFile[]; map?: Record<string, string[]> };
    const hostile: [string, () => Hostile | Promise<Hostile>, string][] = [
      [
        'a zero-byte file',
        () => ({
          files: [{ field: '0', bytes: Buffer.alloc(0), filename: 'empty.jpg', type: 'image/jpeg' }],
        }),
        'IMAGE_UNREADABLE',
      ],
      [
        'a truncated JPEG',
        async () => {
          const noise = Buffer.alloc(640 * 480 * 3);
          for (let i = 0; i < noise.length; i++) noise[i] = (Math.imul(i, 2654435761) >>> 7) & 255;
          const jpeg = await sharp(noise, { raw: { width: 640, height: 480, channels: 3 } })
            .jpeg()
            .toBuffer();
          const cut = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
          return { files: [{ field: '0', bytes: cut, filename: 'cut.jpg', type: 'image/jpeg' }] };
        },
        'IMAGE_UNREADABLE',
      ],
      [
        'a PNG declaring 30000×30000 pixels',
        () => ({
          files: [{ field: '0', bytes: pngDeclaring(30000, 30000), filename: 'bomb.png', type: 'image/png' }],
        }),
        'UPLOAD_TOO_LARGE',
      ],
      [
        'a text file named .jpg',
        () => ({
          files: [
            {
              field: '0',
              bytes: Buffer.from('just some notes\n'),
              filename: 'photo.jpg',
              type: 'image/jpeg',
            },
          ],
        }),
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'a JPEG that is also an HTML page (markup in a comment)',
        async () => ({
          files: [
            {
              field: '0',
              bytes: htmlJpegPolyglot(await scenes.pothole.clone().jpeg().toBuffer()),
              filename: 'x.jpg',
              type: 'image/jpeg',
            },
          ],
        }),
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'an HTML page with a JPEG inside',
        async () => ({
          files: [
            {
              field: '0',
              bytes: Buffer.concat([
                Buffer.from('<!DOCTYPE html><html><img src=x onerror=alert(1)>'),
                await scenes.pothole.clone().jpeg().toBuffer(),
              ]),
              filename: 'x.jpg',
              type: 'image/jpeg',
            },
          ],
        }),
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'two files where one is allowed',
        async () => {
          const png = await scenes.pothole.clone().png().toBuffer();
          return {
            map: { 0: ['variables.photo'], 1: ['variables.input.extra'] },
            files: [
              { field: '0', bytes: png, filename: 'a.png', type: 'image/png' },
              { field: '1', bytes: png, filename: 'b.png', type: 'image/png' },
            ],
          };
        },
        'TOO_MANY_FILES',
      ],
      [
        'a file one byte over 10 MiB',
        () => {
          const big = Buffer.alloc(10 * 1024 * 1024 + 1, 7);
          Buffer.from([0xff, 0xd8, 0xff, 0xe0]).copy(big);
          return { files: [{ field: '0', bytes: big, filename: 'big.jpg', type: 'image/jpeg' }] };
        },
        'UPLOAD_TOO_LARGE',
      ],
      [
        'a 30 MB body',
        () => ({
          files: [
            { field: '0', bytes: Buffer.alloc(30_000_000, 1), filename: 'huge.jpg', type: 'image/jpeg' },
          ],
        }),
        'UPLOAD_TOO_LARGE',
      ],
      [
        'a location outside every zone',
        async () => ({
          input: { location: { lat: 0, lon: 0 }, description: 'Null Island' },
          files: [
            {
              field: '0',
              bytes: await scenes.pothole.clone().png().toBuffer(),
              filename: 'a.png',
              type: 'image/png',
            },
          ],
        }),
        'LOCATION_OUTSIDE_ZONES',
      ],
      [
        'a blank description',
        async () => ({
          input: { location: at, description: '   ' },
          files: [
            {
              field: '0',
              bytes: await scenes.pothole.clone().png().toBuffer(),
              filename: 'a.png',
              type: 'image/png',
            },
          ],
        }),
        'BAD_USER_INPUT',
      ],
      [
        'a missing description',
        async () => ({
          input: { location: at },
          files: [
            {
              field: '0',
              bytes: await scenes.pothole.clone().png().toBuffer(),
              filename: 'a.png',
              type: 'image/png',
            },
          ],
        }),
        'BAD_USER_INPUT',
      ],
    ];

    for (const [what, make, code] of hostile) {
      it(`EXPECTED FAILURE - ${what} is refused with ${code}; nothing is kept and the service stays up`, async (t) => {
        if (!subject.server) return t.skip('no Postgres on this machine');
        const filesBefore = await storedFiles(dir());
        const countBefore = (await subject.gql(COUNT)).data!['reports'].totalCount;
        const {
          input = { location: at, description: 'Hostile upload' },
          files,
          map = { 0: ['variables.photo'] },
        } = await make();
        const res = await postMultipart(
          url(),
          { query: SUBMIT, variables: { input, photo: null } },
          map,
          files,
        );
        assert.equal(res.errors?.[0]?.extensions?.['code'], code, JSON.stringify(res.errors));
        assert.deepEqual(await storedFiles(dir()), filesBefore, 'no image file remains');
        const after = await subject.gql(COUNT);
        assert.equal(after.data!['reports'].totalCount, countBefore, 'no row remains');
      });
    }

    it('still takes a good photo after every hostile one', async (t) => {
      if (!subject.server) return t.skip('no Postgres on this machine');
      const res = await submit(
        { location: at, description: 'After the storm', category: 'GARBAGE' },
        {
          bytes: await scenes.garbage.clone().webp().toBuffer(),
          filename: 'g.webp',
          type: 'application/octet-stream',
        },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      assert.equal(res.data!['submitReport'].triage.label, 'garbage');
    });
  });
});
