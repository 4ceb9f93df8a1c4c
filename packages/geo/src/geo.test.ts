import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containsPoint, loadZoneFeatures, ZoneIndex } from './index.ts';

describe('ZoneIndex over the committed Olinda extract', async () => {
  const index = await ZoneIndex.fromFile();

  it('holds the 470 census tracts', () => {
    assert.equal(index.size, 470);
  });

  it('locates a tract from its own centroid', async () => {
    const features = await loadZoneFeatures();
    // A concave tract's centroid can fall in its neighbour, so only centroids inside their own
    // polygon must come back to it.
    let inside = 0;
    for (const f of features) {
      const [lon, lat] = f.properties.centroid;
      if (!containsPoint(f.geometry, lon, lat)) continue;
      inside++;
      assert.equal(index.locate(lat, lon)?.id, f.properties.id);
    }
    assert.ok(inside > 400, `only ${inside} centroids lie inside their tract`);
  });

  it('finds nothing in the Atlantic or in Recife', () => {
    assert.equal(index.locate(-8.0, -34.7), undefined);
    assert.equal(index.locate(-8.06, -34.9), undefined);
  });
});
