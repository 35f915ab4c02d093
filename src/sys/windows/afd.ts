// A handle to the AFD driver (\Device\Afd\Mio). IOCTL_AFD_POLL on it asks the driver to
// report readiness of a socket; the answer arrives as a completion on the port.
import {
  AFD_POLL_INFO,
  FILE_OPEN,
  FILE_SHARE_READ,
  FILE_SHARE_WRITE,
  FILE_SKIP_SET_EVENT_ON_HANDLE,
  IOCTL_AFD_POLL,
  IO_STATUS_BLOCK,
  NativeMemory,
  OBJECT_ATTRIBUTES,
  STATUS_PENDING,
  SYNCHRONIZE,
  UNICODE_STRING,
  kernel32,
  ntdll,
} from './ffi/index.js';
import type { CompletionPort } from './iocp.js';

// mio's device name: any name under \Device\Afd reaches the driver; this one is recognisable.
const AFD_DEVICE_NAME = '\\Device\\Afd\\Mio';

export class Afd {
  #handle: bigint;

  private constructor(handle: bigint) {
    this.#handle = handle;
  }

  /** Opens the driver and routes its completions to `port` under `key`. */
  static open(port: CompletionPort, key: bigint): Afd {
    const handle = openAfdDevice();
    try {
      port.associate(handle, key);
      kernel32.setFileCompletionNotificationModes(handle, FILE_SKIP_SET_EVENT_ON_HANDLE);
    } catch (error) {
      kernel32.closeHandle(handle);
      throw error;
    }
    return new Afd(handle);
  }

  get handle(): bigint {
    return this.#handle;
  }

  /**
   * Starts a poll described by the AFD_POLL_INFO at `info` (input and output). The status block
   * (at the start of `ioStatusBlock`) doubles
   * as the APC context, so the completion's overlapped address is the status block's address.
   * Both blocks belong to the kernel until that completion is dequeued. Returns true while pending.
   */
  poll(info: bigint, ioStatusBlock: NativeMemory): boolean {
    ioStatusBlock.setU64(IO_STATUS_BLOCK.status, BigInt(STATUS_PENDING));
    const status = ntdll.ntDeviceIoControlFile(
      this.#handle,
      ioStatusBlock.address,
      ioStatusBlock.address,
      IOCTL_AFD_POLL,
      info,
      AFD_POLL_INFO.size,
      info,
      AFD_POLL_INFO.size,
    );
    return status === STATUS_PENDING;
  }

  /**
   * Asks the driver to complete the poll early (with STATUS_CANCELLED). Through kernel32's
   * CancelIoEx, not NtCancelIoFileEx: under Wine 10.0 a direct NtCancelIoFileEx of a pending
   * AFD poll never returns (docs/architecture.md, Wine).
   */
  cancel(ioStatusBlock: NativeMemory): void {
    if (ioStatusBlock.u32(IO_STATUS_BLOCK.status) !== STATUS_PENDING) return;
    // False: the poll completed meanwhile, its packet is already queued.
    kernel32.cancelIoEx(this.#handle, ioStatusBlock.address);
  }

  close(): void {
    if (this.#handle === 0n) return;
    const handle = this.#handle;
    this.#handle = 0n;
    kernel32.closeHandle(handle);
  }
}

function openAfdDevice(): bigint {
  // UNICODE_STRING, its characters, OBJECT_ATTRIBUTES and the status block in one block;
  // NtCreateFile is synchronous, so the block is freed as soon as it returns.
  const nameBytes = Buffer.from(AFD_DEVICE_NAME, 'utf16le');
  const nameOffset = UNICODE_STRING.size;
  const attributesOffset = nameOffset + nameBytes.length + 8 - (nameBytes.length % 8);
  const statusOffset = attributesOffset + OBJECT_ATTRIBUTES.size;
  const block = new NativeMemory(statusOffset + IO_STATUS_BLOCK.size);
  try {
    block.bytes.set(nameBytes, nameOffset);
    block.setU16(UNICODE_STRING.length, nameBytes.length);
    block.setU16(UNICODE_STRING.maximumLength, nameBytes.length);
    block.setU64(UNICODE_STRING.buffer, block.at(nameOffset));
    block.setU32(attributesOffset + OBJECT_ATTRIBUTES.length, OBJECT_ATTRIBUTES.size);
    block.setU64(attributesOffset + OBJECT_ATTRIBUTES.objectName, block.address);
    const handleOut = Buffer.alloc(8);
    ntdll.ntCreateFile(handleOut, SYNCHRONIZE, block.at(attributesOffset), block.at(statusOffset), FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_OPEN, 0);
    return handleOut.readBigUInt64LE(0);
  } finally {
    block.free();
  }
}
