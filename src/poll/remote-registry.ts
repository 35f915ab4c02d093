// Registering from another thread. JS objects cannot cross threads, but SOCKET values can: a
// worker sends (socket, token, interest) over a MessagePort and posts a completion packet that
// interrupts the owner's wait; the owner, blocked in poll() or waiting in pollAsync(), pulls
// the commands synchronously, registers them and goes on waiting, so they count in that poll.
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { requestRemoteCommands } from '../sys/index.js';
import { AlreadyRegisteredError, InvalidArgumentError, NotRegisteredError } from '../core/errors.js';
import { Interest } from '../core/interest.js';
import { IoSource } from './io-source.js';
import { selectorOf, type Registry } from './registry.js';
import type { RemoteCommandTarget } from '../core/selector.js';
import { token as toToken, type Token } from '../core/token.js';

type Operation = 'register' | 'reregister' | 'deregister';

interface Command {
  id: number;
  op: Operation;
  socket: bigint;
  token: number;
  interest: number;
}

interface Reply {
  id: number;
  error?: { name: string; code?: string; message: string };
}

/** What a worker needs to register with a Poll owned by another thread. Transfer `port`. */
export interface RegistryHandle {
  readonly port: MessagePort;
  readonly target: RemoteCommandTarget;
}

const queues = new WeakMap<Registry, RemoteCommandQueue>();

/**
 * A handle through which a worker thread registers raw sockets with this Registry's Poll
 * (mio's Registry::try_clone). Transfer it: `worker.postMessage(handle, [handle.port])`.
 */
export function shareRegistry(registry: Registry): RegistryHandle {
  const selector = selectorOf(registry);
  let queue = queues.get(registry);
  if (queue === undefined) {
    const created = new RemoteCommandQueue(registry);
    selector.onRemoteCommands(() => created.drain());
    queues.set(registry, created);
    queue = created;
  }
  return queue.open(selector.remoteCommandTarget());
}

/** The owner's side: applies commands from other threads to its Registry. */
export class RemoteCommandQueue {
  readonly #registry: Registry;
  readonly #ports: MessagePort[] = [];
  readonly #sources = new Map<bigint, IoSource>();

  constructor(registry: Registry) {
    this.#registry = registry;
  }

  /** A new handle for one worker. */
  open(target: RemoteCommandTarget): RegistryHandle {
    const { port1, port2 } = new MessageChannel();
    // Pulled synchronously by drain(); must not keep the process alive.
    port1.unref();
    this.#ports.push(port1);
    return { port: port2, target };
  }

  /** Applies every queued command; called by the selector when a command packet arrives. */
  drain(): void {
    for (const port of this.#ports) {
      for (let message = receiveMessageOnPort(port); message !== undefined; message = receiveMessageOnPort(port)) {
        const command = message.message as Command;
        port.postMessage(this.#apply(command));
      }
    }
  }

  close(): void {
    for (const port of this.#ports.splice(0)) port.close();
    this.#sources.clear();
  }

  #apply(command: Command): Reply {
    try {
      const interest = command.op === 'deregister' ? undefined : Interest.fromBits(command.interest);
      if (command.op === 'register') {
        // Each register builds a new IoSource, so its own "already registered" check cannot
        // see a second register of the same socket: without this, the first registration
        // would be orphaned (never deregistrable) and the socket polled twice.
        if (this.#sources.has(command.socket)) throw new AlreadyRegisteredError(`socket ${command.socket} is already registered from a worker`);
        const source = new IoSource(command.socket);
        this.#registry.register(source, command.token, interest as Interest);
        this.#sources.set(command.socket, source);
      } else {
        const source = this.#sources.get(command.socket);
        if (source === undefined) throw new NotRegisteredError(`socket ${command.socket} is not registered from a worker`);
        if (command.op === 'reregister') this.#registry.reregister(source, command.token, interest as Interest);
        else {
          this.#registry.deregister(source);
          this.#sources.delete(command.socket);
        }
      }
      return { id: command.id };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return { id: command.id, error: { name: e.name, message: e.message, ...('code' in e && typeof e.code === 'string' ? { code: e.code } : {}) } };
    }
  }
}

/** A worker's view of a Registry owned by another thread. */
export class RemoteRegistry {
  readonly #port: MessagePort;
  readonly #target: RemoteCommandTarget;
  readonly #waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  #nextId = 1;

  constructor(handle: RegistryHandle) {
    if (typeof handle !== 'object' || handle === null || typeof handle.target?.port !== 'bigint' || !(handle.target.lifetime instanceof Int32Array)) {
      throw new InvalidArgumentError('not a RegistryHandle (from Registry.share())');
    }
    this.#port = handle.port;
    this.#target = handle.target;
    this.#port.on('message', (reply: Reply) => this.#settle(reply));
    // Only a command waiting for its reply keeps the worker alive.
    this.#port.unref();
  }

  register(socket: bigint, token: Token | number, interest: Interest): Promise<void> {
    return this.#send('register', socket, token, interest);
  }

  reregister(socket: bigint, token: Token | number, interest: Interest): Promise<void> {
    return this.#send('reregister', socket, token, interest);
  }

  deregister(socket: bigint): Promise<void> {
    return this.#send('deregister', socket, 0, undefined);
  }

  close(): void {
    this.#port.close();
  }

  #send(op: Operation, socket: bigint, token: Token | number, interest: Interest | undefined): Promise<void> {
    if (typeof socket !== 'bigint' || socket <= 0n) throw new InvalidArgumentError('socket must be a SOCKET handle (bigint)');
    if (op !== 'deregister' && !(interest instanceof Interest)) throw new InvalidArgumentError('interest must be an Interest');
    const command: Command = { id: this.#nextId++, op, socket, token: toToken(token), interest: interest?.bits ?? 0 };
    return new Promise<void>((resolve, reject) => {
      this.#waiting.set(command.id, { resolve, reject });
      this.#port.ref();
      this.#port.postMessage(command);
      try {
        requestRemoteCommands(this.#target);
      } catch (error) {
        // The owner's Poll is gone: nobody will answer.
        this.#settle({ id: command.id, error: { name: 'SystemError', message: error instanceof Error ? error.message : 'the Poll is closed', code: 'ERR_POLL_CLOSED' } });
      }
    });
  }

  #settle(reply: Reply): void {
    const waiter = this.#waiting.get(reply.id);
    if (waiter === undefined) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0) this.#port.unref();
    if (reply.error === undefined) waiter.resolve();
    else waiter.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code }));
  }
}
