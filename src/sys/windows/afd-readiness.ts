// Translation between mio's portable interest/readiness and AFD poll flags.
import { Readiness, type ReadinessBits } from '../../core/readiness.js';
import type { Interest } from '../../core/interest.js';
import {
  AFD_POLL_ABORT,
  AFD_POLL_ACCEPT,
  AFD_POLL_CONNECT_FAIL,
  AFD_POLL_DISCONNECT,
  AFD_POLL_RECEIVE,
  AFD_POLL_RECEIVE_EXPEDITED,
  AFD_POLL_SEND,
} from './ffi/constants.js';

export const READABLE_FLAGS = AFD_POLL_RECEIVE | AFD_POLL_DISCONNECT | AFD_POLL_ACCEPT | AFD_POLL_ABORT | AFD_POLL_CONNECT_FAIL;
export const WRITABLE_FLAGS = AFD_POLL_SEND | AFD_POLL_ABORT | AFD_POLL_CONNECT_FAIL;
export const ERROR_FLAGS = AFD_POLL_CONNECT_FAIL;
export const READ_CLOSED_FLAGS = AFD_POLL_DISCONNECT | AFD_POLL_ABORT | AFD_POLL_CONNECT_FAIL;
export const WRITE_CLOSED_FLAGS = AFD_POLL_ABORT | AFD_POLL_CONNECT_FAIL;
export const PRIORITY_FLAGS = AFD_POLL_RECEIVE_EXPEDITED;

/** The AFD flags a registration with `interest` asks the driver for. */
export function afdFlagsForInterest(interest: Interest): number {
  let flags = 0;
  if (interest.isReadable()) flags |= READABLE_FLAGS | READ_CLOSED_FLAGS | ERROR_FLAGS;
  if (interest.isWritable()) flags |= WRITABLE_FLAGS | WRITE_CLOSED_FLAGS | ERROR_FLAGS;
  if (interest.isPriority()) flags |= PRIORITY_FLAGS;
  return flags;
}

/** The portable readiness an AFD report stands for. */
export function readinessFromAfdFlags(flags: number): ReadinessBits {
  let readiness = 0;
  if (flags & READABLE_FLAGS) readiness |= Readiness.READABLE;
  if (flags & WRITABLE_FLAGS) readiness |= Readiness.WRITABLE;
  if (flags & ERROR_FLAGS) readiness |= Readiness.ERROR;
  if (flags & READ_CLOSED_FLAGS) readiness |= Readiness.READ_CLOSED;
  if (flags & WRITE_CLOSED_FLAGS) readiness |= Readiness.WRITE_CLOSED;
  if (flags & PRIORITY_FLAGS) readiness |= Readiness.PRIORITY;
  return readiness;
}
