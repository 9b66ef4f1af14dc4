/// <reference lib="webworker" />
/**
 * The training worker's entry: owns tfjs and every tensor. It only speaks the protocol in
 * ../protocol.ts; anything else posted to it is ignored.
 */
import * as tf from '@tensorflow/tfjs';
import { isCommand, makeEvent, type Command, type EventType, type EventMap } from '../protocol';
import { initBackend } from './backend';
import { runDeviceCheck } from './deviceCheck';

declare const self: DedicatedWorkerGlobalScope;

function emit<K extends EventType>(type: K, payload: EventMap[K], replyTo: number | null): void {
  self.postMessage(makeEvent(type, payload, replyTo));
}

let ready: Promise<unknown> | null = null;

async function handle(command: Command): Promise<void> {
  switch (command.type) {
    case 'init': {
      ready ??= initBackend(command.order);
      emit('ready', (await ready) as EventMap['ready'], command.id);
      return;
    }
    case 'deviceCheck': {
      if (!ready) throw new Error('The worker has not been initialised yet');
      await ready;
      emit('deviceCheckResult', await runDeviceCheck(), command.id);
      return;
    }
    case 'memory': {
      const { numTensors, numBytes } = tf.memory();
      emit('memoryReport', { numTensors, numBytes }, command.id);
      return;
    }
  }
}

self.addEventListener('message', (event: MessageEvent) => {
  const command: unknown = event.data;
  if (!isCommand(command)) return;
  handle(command).catch((error: unknown) => {
    emit('error', { message: error instanceof Error ? error.message : String(error) }, command.id);
  });
});
