// A probe, run by hand: does a named-pipe handle that skips the completion port on success
// (FILE_SKIP_COMPLETION_PORT_ON_SUCCESS) still get a packet for a ReadFile or WriteFile that
// returned TRUE? Argument 1 sets the mode on both ends, 0 leaves it; every call's result and
// every packet dequeued after it are printed. docs/architecture.md ("The way of a byte",
// PipeSocket) records what both Wines answered.
//
//   x86_64-w64-mingw32-gcc -O2 -o pipe-skip-probe.exe bench/c/pipe-skip-probe.c
//   wine pipe-skip-probe.exe 1 > out.txt     (under Wine: output to a file, not a pipe)
#include <windows.h>
#include <stdio.h>

#define SMALL 65536
#define LARGE (1 << 20)

static char out[LARGE];
static char in[LARGE];

/** Dequeues and prints what the port holds within 50 ms; returns the count. */
static int drain(HANDLE port, const char *after) {
  OVERLAPPED_ENTRY entries[16];
  ULONG count = 0;
  int total = 0;
  while (GetQueuedCompletionStatusEx(port, entries, 16, &count, 50, FALSE) && count > 0) {
    for (ULONG i = 0; i < count; i++) {
      printf("  packet after %s: key %llu, %lu bytes\n", after, (unsigned long long)entries[i].lpCompletionKey, entries[i].dwNumberOfBytesTransferred);
    }
    total += (int)count;
  }
  printf("%s: %d packet(s)\n", after, total);
  return total;
}

static void report(const char *call, BOOL ok) {
  printf("%s: %s (error %lu)\n", call, ok ? "TRUE" : "FALSE", ok ? 0UL : GetLastError());
}

int main(int argc, char **argv) {
  const BOOL skip = argc > 1 && argv[1][0] == '1';
  const char *name = "\\\\.\\pipe\\mio-ts-skip-probe";
  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
  HANDLE server = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED, PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_REJECT_REMOTE_CLIENTS, 1, SMALL, SMALL, 0, NULL);
  CreateIoCompletionPort(server, port, 1, 0);
  OVERLAPPED connecting = {0};
  report("ConnectNamedPipe", ConnectNamedPipe(server, &connecting));
  HANDLE client = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
  CreateIoCompletionPort(client, port, 2, 0);
  if (skip) {
    const UCHAR modes = FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE;
    report("SetFileCompletionNotificationModes (server)", SetFileCompletionNotificationModes(server, modes));
    report("SetFileCompletionNotificationModes (client)", SetFileCompletionNotificationModes(client, modes));
  }
  drain(port, "connect");

  OVERLAPPED write1 = {0}, read1 = {0}, read2 = {0}, write2 = {0}, write3 = {0};
  report("WriteFile 64 KiB into an empty pipe", WriteFile(client, out, SMALL, NULL, &write1));
  drain(port, "that write");
  report("ReadFile of the 64 KiB buffered", ReadFile(server, in, SMALL, NULL, &read1));
  drain(port, "that read");
  report("ReadFile of an empty pipe", ReadFile(server, in, SMALL, NULL, &read2));
  drain(port, "that read");
  report("WriteFile 1000 bytes into the pending read", WriteFile(client, out, 1000, NULL, &write2));
  drain(port, "that write");
  report("WriteFile 1 MiB (more than the buffer)", WriteFile(client, out, LARGE, NULL, &write3));
  drain(port, "that write");
  DWORD received = 0;
  while (received < LARGE) {
    OVERLAPPED reading = {0};
    DWORD bytes = 0;
    BOOL ok = ReadFile(server, in, LARGE, NULL, &reading);
    report("ReadFile of the 1 MiB", ok);
    GetOverlappedResult(server, &reading, &bytes, TRUE);
    received += bytes;
  }
  drain(port, "reading the 1 MiB");
  CloseHandle(client);
  CloseHandle(server);
  CloseHandle(port);
  return 0;
}
