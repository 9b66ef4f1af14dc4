/** The trainer's DataSource over the real dataset store in IndexedDB (src/data). */
import { IMAGE_CHANNELS, IMAGE_SIZE } from '../storage/datasetStore';
import { getManifest, openBatches, openDatasetDb, type DatasetDb } from '../data/loader';
import type { DataInfo, DataSource } from './data';

export function indexedDbDataSource(): DataSource {
  let db: Promise<DatasetDb> | null = null;
  const open = () => (db ??= openDatasetDb());
  return {
    async info(dataset): Promise<DataInfo> {
      const manifest = await getManifest(await open(), dataset);
      if (!manifest) {
        throw new Error(`No dataset named "${dataset}". Import it in the Data panel first.`);
      }
      const trainCount = manifest.splits.train?.count ?? 0;
      const testCount = manifest.splits.test?.count ?? 0;
      if (trainCount === 0) throw new Error(`Dataset "${dataset}" has no training images.`);
      if (testCount === 0) throw new Error(`Dataset "${dataset}" has no test images.`);
      return {
        classes: manifest.classes,
        height: IMAGE_SIZE,
        width: IMAGE_SIZE,
        channels: IMAGE_CHANNELS,
        mean: manifest.mean,
        std: manifest.std,
        trainCount,
        testCount,
        labelNames: manifest.labelNames,
        storageId: manifest.storageId,
        checksum: manifest.checksum,
      };
    },
    async *batches(dataset, request) {
      yield* openBatches(await open(), { dataset, prefetch: 1, ...request });
    },
  };
}
