/**
 * The dataset import worker's protocol (src/data/import.worker.ts), each message listed once
 * in IMPORT_PROTOCOL. What it carries is the domain's (model/dataset.ts).
 */
import type { DatasetManifest, ImportProgress, ImportRequest } from '../model/dataset';
import {
  commandGuard,
  createClient,
  defineProtocol,
  event,
  makeEvent,
  request,
  type ClientOf,
  type CommandHandlers,
  type CommandOf,
  type EventOf,
  type MessagePort_,
  type ProtocolOf,
} from './rpc';

export const IMPORT_PROTOCOL = defineProtocol({
  commands: {
    /**
     * Import files (File objects) or URLs as one new dataset. Progress arrives as
     * `importProgress` events whose `importId` is this command's id.
     */
    importDataset: request<{ request: ImportRequest }>().answeredBy('imported'),
    /**
     * Stop the import started by command `importId`; it then fails with
     * "Import cancelled; nothing was stored." and leaves nothing behind.
     */
    cancelImport: request<{ importId: number }>().answeredBy('cancelRequested'),
  },
  events: {
    /** Throttled to about ten a second: for a progress bar, images/s and time left. */
    importProgress: event<{ importId: number } & ImportProgress>(),
    /**
     * The import is stored and visible; `seconds` from command to commit. With `duplicate`, its
     * images were already stored: `manifest` is that dataset's, and nothing new was stored.
     */
    imported: event<{ manifest: DatasetManifest; seconds: number; duplicate?: boolean }>(),
    /** Whether an import with that id was running when the cancel arrived. */
    cancelRequested: event<{ importId: number; found: boolean }>(),
    /** A command failed; `message` is for a person. */
    error: event<{ message: string }>(),
  },
});

export type DataProtocol = ProtocolOf<typeof IMPORT_PROTOCOL>;
export type DataCommandMap = DataProtocol['commands'];
export type DataEventMap = DataProtocol['events'];
export type DataCommand<K extends keyof DataCommandMap = keyof DataCommandMap> = CommandOf<
  DataProtocol,
  K
>;
export type DataEvent<K extends keyof DataEventMap = keyof DataEventMap> = EventOf<DataProtocol, K>;
/** The import worker's handler table: one per command, or it does not compile. */
export type DataHandlers = CommandHandlers<DataProtocol>;
export type DataClient = ClientOf<DataProtocol>;

export const isDataCommand = commandGuard<DataProtocol>(IMPORT_PROTOCOL);

export function makeDataEvent<K extends keyof DataEventMap>(
  type: K,
  payload: DataEventMap[K],
  replyTo: number | null = null,
): DataEvent<K> {
  return makeEvent<DataProtocol, K>(type, payload, replyTo);
}

/** The import worker's client. */
export function createDataClient(port: MessagePort_): DataClient {
  return createClient(port, IMPORT_PROTOCOL);
}
