/**
 * A typed message protocol between the main thread and one worker (or between two workers),
 * and the client that speaks it. Commands go to the worker, events come back; both are plain,
 * structured-cloneable objects tagged by `type`. Each command carries a numeric `id`; events
 * that answer a command echo it as `replyTo`, so the sender can await a reply.
 *
 * A protocol is one object (`defineProtocol`): each message is listed there once, with its
 * payload type and, for a request, the event that answers it. The type maps, the runtime
 * guards, the client's reply table and the worker's handler table (`CommandHandlers`, which
 * the type checker makes exhaustive) are all derived from it, so a message cannot be half
 * added.
 */

/** A command: its payload type (type only) and the event that answers it, if any. */
export interface CommandSpec<Payload extends object, Reply extends string | null> {
  readonly reply: Reply;
  /** Never set: carries the payload's type. */
  readonly payload?: Payload;
}

/** An event: its payload type (type only). */
export interface EventSpec<Payload extends object> {
  /** Never set: carries the payload's type. */
  readonly payload?: Payload;
}

/** A command nothing answers (the worker may still send `error` with its id). */
export function command<Payload extends object = Record<string, never>>(): CommandSpec<
  Payload,
  null
> {
  return { reply: null };
}

/** A command answered by one event: `request<Payload>().answeredBy('eventName')`. */
export function request<Payload extends object = Record<string, never>>() {
  return {
    answeredBy: <Reply extends string>(reply: Reply): CommandSpec<Payload, Reply> => ({ reply }),
  };
}

export function event<Payload extends object = Record<string, never>>(): EventSpec<Payload> {
  return {};
}

type AnyCommandSpec = CommandSpec<object, string | null>;
type AnyEventSpec = EventSpec<object>;

/** Every protocol's worker may answer any command with `error`. */
export interface ProtocolSpec<
  E extends Record<string, AnyEventSpec> = Record<string, AnyEventSpec>,
  C extends Record<string, AnyCommandSpec> = Record<string, AnyCommandSpec>,
> {
  readonly commands: C;
  readonly events: E & { error: EventSpec<{ message: string }> };
}

/** Declares a protocol; a reply that names no event of it fails to compile. */
export function defineProtocol<
  E extends Record<string, AnyEventSpec> & { error: EventSpec<{ message: string }> },
  C extends Record<string, CommandSpec<object, (keyof E & string) | null>>,
>(spec: { commands: C; events: E }): ProtocolSpec<E, C> {
  return spec;
}

type PayloadOf<S> = S extends { readonly payload?: infer P } ? P : never;

/** The type maps of a protocol object: payloads by command and event name, and the replies. */
export interface Protocol {
  commands: object;
  events: { error: { message: string } };
  replies: object;
}

export interface ProtocolOf<S extends ProtocolSpec> {
  commands: { [K in keyof S['commands']]: PayloadOf<S['commands'][K]> };
  events: { [K in keyof S['events']]: PayloadOf<S['events'][K]> } & {
    error: { message: string };
  };
  replies: {
    [
      K in keyof S['commands'] as S['commands'][K]['reply'] extends string ? K : never
    ]: S['commands'][K]['reply'];
  };
}

export type CommandOf<P extends Protocol, K extends keyof P['commands'] = keyof P['commands']> = {
  [T in K]: { type: T; id: number } & P['commands'][T];
}[K];

export type EventOf<P extends Protocol, K extends keyof P['events'] = keyof P['events']> = {
  [T in K]: { type: T; replyTo: number | null } & P['events'][T];
}[K];

/**
 * The worker's side: one handler per command. A table of this type without some command
 * fails to compile, which is what makes the worker's dispatch exhaustive.
 */
export type CommandHandlers<P extends Protocol> = {
  [K in keyof P['commands']]: (command: CommandOf<P, K>) => void | Promise<void>;
};

/** Calls the handler of `command`'s type. */
export function dispatch<P extends Protocol>(
  handlers: CommandHandlers<P>,
  command: CommandOf<P>,
): void | Promise<void> {
  const handler = handlers[command.type as keyof P['commands']] as (
    c: CommandOf<P>,
  ) => void | Promise<void>;
  return handler(command);
}

function isTagged(value: unknown): value is { type: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

/** A guard for one protocol's commands (a worker's `onmessage` trusts nothing else). */
export function commandGuard<P extends Protocol>(spec: ProtocolSpec) {
  const types: ReadonlySet<string> = new Set(Object.keys(spec.commands));
  return (value: unknown): value is CommandOf<P> =>
    isTagged(value) && types.has(value.type) && typeof (value as { id?: unknown }).id === 'number';
}

/** A guard for one protocol's events. */
export function eventGuard<P extends Protocol>(spec: ProtocolSpec) {
  const types: ReadonlySet<string> = new Set(Object.keys(spec.events));
  return (value: unknown): value is EventOf<P> => {
    if (!isTagged(value) || !types.has(value.type)) return false;
    const replyTo = (value as { replyTo?: unknown }).replyTo;
    return replyTo === null || typeof replyTo === 'number';
  };
}

export function makeCommand<P extends Protocol, K extends keyof P['commands']>(
  type: K,
  id: number,
  payload: P['commands'][K],
): CommandOf<P, K> {
  return { ...payload, type, id } as CommandOf<P, K>;
}

export function makeEvent<P extends Protocol, K extends keyof P['events']>(
  type: K,
  payload: P['events'][K],
  replyTo: number | null = null,
): EventOf<P, K> {
  return { ...payload, type, replyTo } as EventOf<P, K>;
}

/** The subset of `Worker` the client needs; a fake in unit tests. */
export interface MessagePort_ {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

type ReplyEvent<P extends Protocol, K> = K extends keyof P['replies']
  ? P['replies'][K] extends keyof P['events']
    ? EventOf<P, P['replies'][K]>
    : never
  : never;

export interface ClientOf<P extends Protocol> {
  /** Post a command without waiting. Returns its id. */
  post<K extends keyof P['commands']>(
    type: K,
    payload: P['commands'][K],
    transfer?: Transferable[],
  ): number;
  /** Post a command and resolve with its reply; reject with the worker's error message. */
  request<K extends keyof P['replies'] & keyof P['commands']>(
    type: K,
    payload: P['commands'][K],
    timeoutMs?: number,
    transfer?: Transferable[],
  ): Promise<ReplyEvent<P, K>>;
  /** Listen to every event of one type. Returns an unsubscribe function. */
  on<K extends keyof P['events']>(type: K, listener: (event: EventOf<P, K>) => void): () => void;
  dispose(): void;
}

export class WorkerRequestError extends Error {
  override name = 'WorkerRequestError';
}

/** A typed client for one worker: numbered requests, replies matched by id, listeners. */
export function createClient<S extends ProtocolSpec>(
  port: MessagePort_,
  spec: S,
): ClientOf<ProtocolOf<S>> {
  type AnyEvent = { type: string; replyTo: number | null; message?: string };
  type AnyListener = (event: AnyEvent) => void;
  const isEvent = eventGuard(spec);
  let nextId = 1;
  const listeners = new Map<string, Set<AnyListener>>();
  const pending = new Map<
    number,
    { expect: string; resolve: (e: AnyEvent) => void; reject: (e: Error) => void }
  >();

  const onMessage = (message: MessageEvent): void => {
    const data: unknown = message.data;
    if (!isEvent(data)) return;
    const event = data as unknown as AnyEvent;
    if (event.replyTo !== null) {
      const waiter = pending.get(event.replyTo);
      if (waiter && (event.type === waiter.expect || event.type === 'error')) {
        pending.delete(event.replyTo);
        if (event.type === 'error') waiter.reject(new WorkerRequestError(event.message ?? ''));
        else waiter.resolve(event);
      }
    }
    listeners.get(event.type)?.forEach((listener) => listener(event));
  };
  port.addEventListener('message', onMessage);

  const post = (type: PropertyKey, payload: object, transfer: Transferable[] = []): number => {
    const id = nextId++;
    port.postMessage({ ...payload, type, id }, transfer);
    return id;
  };

  return {
    post: (type, payload, transfer) => post(type, payload as object, transfer),
    request(type, payload, timeoutMs = 120_000, transfer = []) {
      const expect = String(spec.commands[type as string]?.reply);
      return new Promise((resolve, reject) => {
        const id = post(type, payload as object, transfer);
        const timer = setTimeout(() => {
          if (pending.delete(id)) {
            reject(
              new WorkerRequestError(
                `The worker did not answer "${String(type)}" in ${timeoutMs} ms`,
              ),
            );
          }
        }, timeoutMs);
        pending.set(id, {
          expect,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e as never);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
    on(type, listener) {
      // Stored under its own type only, so it only ever receives that type's events.
      const stored = listener as unknown as AnyListener;
      const key = String(type);
      const set = listeners.get(key) ?? new Set<AnyListener>();
      set.add(stored);
      listeners.set(key, set);
      return () => set.delete(stored);
    },
    dispose() {
      port.removeEventListener('message', onMessage);
      for (const waiter of pending.values()) waiter.reject(new WorkerRequestError('Worker closed'));
      pending.clear();
      listeners.clear();
    },
  };
}
