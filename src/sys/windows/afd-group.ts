// Shares AFD handles between sockets: each handle serves at most 32 of them, because
// cancelling a poll costs more the more polls are outstanding on the same handle.
import { Afd } from './afd.js';
import type { CompletionPort } from './iocp.js';

const SOCKETS_PER_AFD = 32;

interface Member {
  afd: Afd;
  users: number;
}

export class AfdGroup {
  readonly #port: CompletionPort;
  readonly #members: Member[] = [];

  constructor(port: CompletionPort) {
    this.#port = port;
  }

  /** An AFD handle with room for one more socket; pair with release(). */
  acquire(): Afd {
    let member = this.#members.find((m) => m.users < SOCKETS_PER_AFD);
    if (member === undefined) {
      // Even key: the selector tells AFD completions from named-pipe ones (odd) by it.
      member = { afd: Afd.open(this.#port, 0n), users: 0 };
      this.#members.push(member);
    }
    member.users++;
    return member.afd;
  }

  /** Called once the socket's last poll has completed; an unused handle is closed. */
  release(afd: Afd): void {
    const index = this.#members.findIndex((m) => m.afd === afd);
    const member = this.#members[index];
    if (member === undefined) return;
    member.users--;
    if (member.users === 0) {
      this.#members.splice(index, 1);
      afd.close();
    }
  }

  get handleCount(): number {
    return this.#members.length;
  }

  closeAll(): void {
    for (const member of this.#members.splice(0)) member.afd.close();
  }
}
